import { Prisma, type PrismaClient } from "@trellis/db";
import { notFound, runMetricValues, type GateResult, type ModelStageName, type RunStatusName } from "@trellis/engine";
import { iso, isoOrNull } from "./iso.js";

/** Read models of the model registry: model lists and details, versions, the audit trail, webhooks and their deliveries. */

interface ModelRow {
  id: string;
  name: string;
  description: string;
  tags: unknown;
  policy: unknown;
  createdAt: Date;
  updatedAt: Date;
}

const modelSelect = { id: true, name: true, description: true, tags: true, policy: true, createdAt: true, updatedAt: true } as const;

const record = (value: unknown): Record<string, string> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, string>) : {};

export const gatesOf = (policy: unknown): string[] => {
  const gates = (policy as { gates?: unknown } | null)?.gates;
  return Array.isArray(gates) ? gates.filter((g): g is string => typeof g === "string") : [];
};

/** A project's model by name; 404 otherwise. */
export async function findModel(db: PrismaClient, projectId: string, name: string): Promise<ModelRow> {
  const model = await db.registeredModel.findUnique({ where: { projectId_name: { projectId, name } }, select: modelSelect });
  if (!model) throw notFound(`registered model "${name}"`);
  return model;
}

/** A version's row; 404 unless the model has it. */
export async function findVersion(db: PrismaClient, projectId: string, name: string, version: number) {
  const model = await findModel(db, projectId, name);
  const row = await db.modelVersion.findUnique({ where: { modelId_version: { modelId: model.id, version } }, select: versionSelect });
  if (!row) throw notFound(`version ${version} of model "${name}"`);
  return { model, row };
}

/** The per-model numbers of a list: counts, the Production and Staging versions, aliases. */
async function summariesOf(db: PrismaClient, models: ModelRow[]) {
  const ids = models.map((m) => m.id);
  const [counts, staged, aliases] = await Promise.all([
    db.modelVersion.groupBy({ by: ["modelId"], where: { modelId: { in: ids } }, _count: { _all: true }, _max: { version: true } }),
    db.modelVersion.findMany({
      where: { modelId: { in: ids }, stage: { in: ["Production", "Staging"] } },
      orderBy: { version: "desc" },
      select: { modelId: true, version: true, stage: true, runId: true },
    }),
    db.modelAlias.findMany({ where: { modelId: { in: ids } }, orderBy: { alias: "asc" }, select: { modelId: true, alias: true, version: { select: { version: true } } } }),
  ]);
  const countBy = new Map(counts.map((c) => [c.modelId, { count: c._count._all, max: c._max.version ?? 0 }]));
  return models.map((m) => {
    const mine = staged.filter((v) => v.modelId === m.id);
    const production = mine.find((v) => v.stage === "Production");
    return {
      name: m.name,
      description: m.description,
      latestVersion: countBy.get(m.id)?.max ?? 0,
      versionCount: countBy.get(m.id)?.count ?? 0,
      production: production ? { version: production.version, runId: production.runId } : null,
      staging: mine.filter((v) => v.stage === "Staging").map((v) => v.version),
      aliases: aliases.filter((a) => a.modelId === m.id).map((a) => ({ alias: a.alias, version: a.version.version })),
      updatedAt: iso(m.updatedAt),
      createdAt: iso(m.createdAt),
    };
  });
}

/** LIKE pattern matching `text` anywhere, its wildcards taken literally. */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listModels(db: PrismaClient, projectId: string, q?: string) {
  const where: Prisma.RegisteredModelWhereInput = { projectId };
  if (q) {
    const ids = await db.$queryRaw<{ id: string }[]>`
      SELECT id FROM "RegisteredModel" WHERE "projectId" = ${projectId}::uuid AND name ILIKE ${containsPattern(q)}`;
    where.id = { in: ids.map((r) => r.id) };
  }
  const models = await db.registeredModel.findMany({ where, orderBy: { name: "asc" }, select: modelSelect });
  return { items: await summariesOf(db, models) };
}

const versionSelect = {
  id: true,
  version: true,
  stage: true,
  description: true,
  tags: true,
  runId: true,
  stepName: true,
  outputName: true,
  artifactId: true,
  digest: true,
  source: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
  aliases: { select: { alias: true }, orderBy: { alias: "asc" } },
} as const;

export type VersionRow = Prisma.ModelVersionGetPayload<{ select: typeof versionSelect }>;

/** Versions as the API shows them: with their run, artifact and the run's latest metrics (a few queries for any number). */
export async function versionViews(db: PrismaClient, rows: VersionRow[]) {
  const runIds = [...new Set(rows.flatMap((r) => (r.runId ? [r.runId] : [])))];
  const artifactIds = [...new Set(rows.flatMap((r) => (r.artifactId ? [r.artifactId] : [])))];
  const [runs, artifacts, links, metrics] = await Promise.all([
    db.run.findMany({
      where: { id: { in: runIds } },
      select: { id: true, name: true, status: true, experimentId: true, experiment: { select: { name: true } } },
    }),
    db.artifact.findMany({ where: { id: { in: artifactIds } }, select: { id: true, digest: true, size: true } }),
    db.artifactLink.findMany({
      where: { artifactId: { in: artifactIds }, direction: "output" },
      orderBy: { createdAt: "desc" },
      select: { artifactId: true, runId: true, stepName: true, name: true, type: true },
    }),
    runMetricValues(db, runIds),
  ]);
  const runById = new Map(runs.map((r) => [r.id, r]));
  const artifactById = new Map(artifacts.map((a) => [a.id, a]));
  return rows.map((r) => {
    const run = r.runId ? runById.get(r.runId) : undefined;
    const artifact = r.artifactId ? artifactById.get(r.artifactId) : undefined;
    // The output it was registered from, else the artifact's latest producer.
    const link =
      links.find((l) => l.artifactId === r.artifactId && l.runId === r.runId && l.stepName === r.stepName && l.name === r.outputName) ??
      links.find((l) => l.artifactId === r.artifactId);
    return {
      version: r.version,
      stage: r.stage as ModelStageName,
      description: r.description,
      tags: record(r.tags),
      aliases: r.aliases.map((a) => a.alias),
      createdAt: iso(r.createdAt),
      createdBy: r.createdBy,
      source: r.source,
      runId: r.runId,
      run: run
        ? { id: run.id, name: run.name, status: run.status as RunStatusName, experimentId: run.experimentId, experimentName: run.experiment.name }
        : null,
      stepName: r.stepName,
      outputName: r.outputName,
      artifact: artifact ? { id: artifact.id, digest: artifact.digest, size: Number(artifact.size), type: link?.type ?? null } : null,
      metrics: (r.runId && metrics.get(r.runId)) || {},
    };
  });
}

export async function getModelDetail(db: PrismaClient, projectId: string, name: string) {
  const model = await findModel(db, projectId, name);
  const [[summary], rows] = await Promise.all([
    summariesOf(db, [model]),
    db.modelVersion.findMany({ where: { modelId: model.id }, orderBy: { version: "desc" }, select: versionSelect }),
  ]);
  return { ...summary!, tags: record(model.tags), policy: { gates: gatesOf(model.policy) }, versions: await versionViews(db, rows) };
}

export async function getVersionView(db: PrismaClient, projectId: string, name: string, version: number) {
  const { row } = await findVersion(db, projectId, name, version);
  return (await versionViews(db, [row]))[0]!;
}

function gateResultsOf(value: unknown): GateResult[] | null {
  return Array.isArray(value) ? (value as GateResult[]) : null;
}

/**
 * A model's audit trail, newest first, in pages before an event id. The trail outlives the
 * model: a deleted model's events are still served; a name that never had any is a 404.
 */
export async function listModelEvents(db: PrismaClient, projectId: string, name: string, page: { before?: string; limit: number }) {
  const rows = await db.modelEvent.findMany({
    where: { projectId, modelName: name, ...(page.before ? { id: { lt: BigInt(page.before) } } : {}) },
    orderBy: { id: "desc" },
    take: page.limit + 1,
  });
  if (rows.length === 0 && !page.before) await findModel(db, projectId, name);
  const items = rows.slice(0, page.limit).map((e) => ({
    id: e.id.toString(),
    kind: e.kind,
    actor: e.actor,
    at: iso(e.at),
    version: e.version,
    fromStage: e.fromStage,
    toStage: e.toStage,
    alias: e.alias,
    comment: e.comment,
    gateResults: gateResultsOf(e.gateResults),
    overrideReason: e.overrideReason,
    details: record(e.details) as Record<string, unknown>,
  }));
  return { items, nextBefore: rows.length > page.limit ? items.at(-1)!.id : null };
}

// ---------------------------------------------------------------------------------------------
// webhooks

interface Attempt {
  at: string;
  durationMs: number | null;
  statusCode: number | null;
  error: string | null;
}

/** The attempts log as the worker writes it ([{ at, durationMs, statusCode, error }]), read defensively. */
function attemptsOf(value: unknown): Attempt[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((a: unknown) => {
    if (a === null || typeof a !== "object") return [];
    const { at, durationMs, statusCode, error } = a as Record<string, unknown>;
    const when = typeof at === "string" ? at : typeof at === "number" ? new Date(at).toISOString() : null;
    if (when === null) return [];
    return [
      {
        at: when,
        durationMs: typeof durationMs === "number" && Number.isFinite(durationMs) ? durationMs : null,
        statusCode: typeof statusCode === "number" && Number.isInteger(statusCode) ? statusCode : null,
        error: typeof error === "string" ? error : null,
      },
    ];
  });
}

const webhookSelect = { id: true, url: true, events: true, modelName: true, active: true, createdAt: true } as const;

function webhookBase(w: { id: string; url: string; events: string[]; modelName: string | null; active: boolean; createdAt: Date }) {
  return { id: w.id, url: w.url, events: w.events, modelName: w.modelName, active: w.active, createdAt: iso(w.createdAt) };
}

export async function getCreatedWebhook(db: PrismaClient, id: string, secret: string) {
  const hook = await db.webhook.findUniqueOrThrow({ where: { id }, select: webhookSelect });
  return { ...webhookBase(hook), secret };
}

export async function listWebhooks(db: PrismaClient, projectId: string) {
  const hooks = await db.webhook.findMany({
    where: { projectId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: {
      ...webhookSelect,
      deliveries: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1, select: { status: true, createdAt: true, attempts: true } },
    },
  });
  return {
    items: hooks.map((h) => {
      const last = h.deliveries[0];
      // When it was last tried, else when it was queued.
      const at = last ? (attemptsOf(last.attempts).at(-1)?.at ?? iso(last.createdAt)) : null;
      return { ...webhookBase(h), lastDelivery: last && at ? { status: last.status, at } : null };
    }),
  };
}

/** 404 unless the project has the webhook. */
export async function requireWebhook(db: PrismaClient, projectId: string, id: string): Promise<void> {
  const hook = await db.webhook.findFirst({ where: { id, projectId }, select: { id: true } });
  if (!hook) throw notFound(`webhook "${id}"`);
}

const deliverySelect = {
  id: true,
  event: true,
  status: true,
  attemptCount: true,
  nextAttemptAt: true,
  createdAt: true,
  deliveredAt: true,
  attempts: true,
  payload: true,
} as const;

function deliveryView(d: Prisma.WebhookDeliveryGetPayload<{ select: typeof deliverySelect }>) {
  return {
    id: d.id,
    event: d.event,
    status: d.status,
    attemptCount: d.attemptCount,
    nextAttemptAt: d.status === "pending" ? iso(d.nextAttemptAt) : null,
    createdAt: iso(d.createdAt),
    deliveredAt: isoOrNull(d.deliveredAt),
    attempts: attemptsOf(d.attempts),
    payload: d.payload,
  };
}

export async function listDeliveries(db: PrismaClient, projectId: string, webhookId: string, limit: number) {
  await requireWebhook(db, projectId, webhookId);
  const rows = await db.webhookDelivery.findMany({ where: { webhookId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit, select: deliverySelect });
  return { items: rows.map(deliveryView) };
}

export async function getDelivery(db: PrismaClient, projectId: string, id: string) {
  const row = await db.webhookDelivery.findFirst({ where: { id, webhook: { projectId } }, select: deliverySelect });
  if (!row) throw notFound(`webhook delivery "${id}"`);
  return deliveryView(row);
}

import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import { Prisma, type PrismaClient } from "@trellis/db";
import { MODEL_NAME_RE } from "@trellis/spec";
import { DomainError, conflict, notFound, validationFailed, type Issue } from "../errors.js";
import type { Tx } from "../transitions.js";
import { lockArtifactsShared } from "../retention.js";
import { evaluateGates, parseGate, type Gate, type GateResult } from "./gates.js";
import { enqueueDeliveries, type DueDelivery, type WebhookJob } from "./webhook-queue.js";

/**
 * The model registry: registered models, their versions (model artifacts of runs), stages,
 * aliases, promotion gates, the audit trail and webhook outbox. Every change runs in one
 * transaction that locks the model row, writes an immutable ModelEvent and the deliveries of
 * the webhooks listening for it; delivery jobs are added only after commit (a worker's
 * reconciler adds any that were lost).
 */
export interface RegistryContext {
  db: PrismaClient;
  /** Where delivery jobs go; null: the worker's reconciler picks the deliveries up. */
  webhooks: Queue<WebhookJob> | null;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export const MODEL_STAGES = ["None", "Staging", "Production", "Archived"] as const;
export type ModelStageName = (typeof MODEL_STAGES)[number];

/** Events webhooks can listen to. */
export const WEBHOOK_EVENTS = ["version_created", "stage_changed", "alias_set"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const ALIAS_RE = /^[A-Za-z_][\w-]{0,63}$/;
/** MLflow reserves "latest" and version-like aliases ("v3"). */
const RESERVED_ALIAS_RE = /^(latest|v\d+)$/i;

export interface ModelPolicy {
  /** Gates a version must pass to be promoted to Production. */
  gates: string[];
}

type ModelRow = { id: string; name: string; latestVersion: number; policy: ModelPolicy; tags: Record<string, string> };

/** Tag changes applied to the locked row's tags, so concurrent single-tag writes never lose one another. */
export interface TagChanges {
  /** Replaces all tags. */
  tags?: Record<string, string>;
  setTags?: Record<string, string>;
  /** Keys to remove; a key that is not there is a 404. */
  removeTags?: string[];
}

function applyTagChanges(current: Record<string, string>, changes: TagChanges, what: string): Record<string, string> | undefined {
  if (changes.tags === undefined && changes.setTags === undefined && changes.removeTags === undefined) return undefined;
  const tags = { ...(changes.tags ?? current), ...changes.setTags };
  for (const key of changes.removeTags ?? []) {
    if (!Object.hasOwn(tags, key)) throw notFound(`tag "${key}" of ${what}`);
    delete tags[key];
  }
  return tags;
}

function checkModelName(name: string, path = "name"): void {
  if (!MODEL_NAME_RE.test(name)) {
    throw validationFailed("invalid model name", [
      { path, message: `"${name}" is not a valid model name (letters, digits, spaces, ".", "_" and "-", starting with a letter or digit, at most 128 characters)` },
    ]);
  }
}

/** Validates gate texts; returns them trimmed. */
export function checkGates(gates: unknown, path = "policy.gates"): string[] {
  if (!Array.isArray(gates)) throw validationFailed("invalid policy", [{ path, message: "expected a list of gates" }]);
  const issues: Issue[] = [];
  const texts = gates.map((g: unknown, i) => {
    if (typeof g !== "string") {
      issues.push({ path: `${path}[${i}]`, message: "expected a gate such as \"accuracy >= 0.8\"" });
      return "";
    }
    const parsed = parseGate(g);
    if (typeof parsed === "string") issues.push({ path: `${path}[${i}]`, message: parsed });
    return g.trim();
  });
  if (issues.length > 0) throw validationFailed("invalid promotion gates", issues);
  return texts;
}

async function lockModel(tx: Tx, projectId: string, name: string): Promise<ModelRow> {
  const rows = await tx.$queryRaw<ModelRow[]>`
    SELECT id, name, "latestVersion", policy, tags FROM "RegisteredModel" WHERE "projectId" = ${projectId}::uuid AND name = ${name} FOR UPDATE`;
  if (!rows[0]) throw notFound(`registered model "${name}"`);
  return rows[0];
}

interface EventInput {
  projectId: string;
  modelName: string;
  version?: number | null;
  kind: string;
  actor: string;
  fromStage?: string | null;
  toStage?: string | null;
  alias?: string | null;
  comment?: string | null;
  gateResults?: GateResult[] | null;
  overrideReason?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Appends an audit event and, for webhook events, one delivery per listening webhook (the
 * outbox). Returns the deliveries to enqueue after commit.
 */
async function recordEvent(tx: Tx, e: EventInput): Promise<DueDelivery[]> {
  const event = await tx.modelEvent.create({
    data: {
      projectId: e.projectId,
      modelName: e.modelName,
      version: e.version ?? null,
      kind: e.kind,
      actor: e.actor,
      fromStage: e.fromStage ?? null,
      toStage: e.toStage ?? null,
      alias: e.alias ?? null,
      comment: e.comment ?? null,
      ...(e.gateResults ? { gateResults: e.gateResults as unknown as Prisma.InputJsonArray } : {}),
      overrideReason: e.overrideReason ?? null,
      details: (e.details ?? {}) as Prisma.InputJsonObject,
    },
  });
  if (!(WEBHOOK_EVENTS as readonly string[]).includes(e.kind)) return [];
  const hooks = await tx.webhook.findMany({
    where: { projectId: e.projectId, active: true, events: { has: e.kind }, OR: [{ modelName: null }, { modelName: e.modelName }] },
    select: { id: true },
  });
  if (hooks.length === 0) return [];
  const project = await tx.project.findUniqueOrThrow({ where: { id: e.projectId }, select: { name: true } });
  const payload = {
    id: event.id.toString(),
    event: e.kind,
    at: event.at.toISOString(),
    project: project.name,
    model: e.modelName,
    version: e.version ?? null,
    fromStage: e.fromStage ?? null,
    toStage: e.toStage ?? null,
    alias: e.alias ?? null,
    actor: e.actor,
    comment: e.comment ?? null,
    ...(e.details ?? {}),
  };
  const now = new Date();
  const created = await Promise.all(
    hooks.map((h) =>
      tx.webhookDelivery.create({ data: { webhookId: h.id, eventId: event.id, event: e.kind, payload, nextAttemptAt: now }, select: { id: true, attemptCount: true, nextAttemptAt: true } }),
    ),
  );
  return created;
}

async function afterCommit(ctx: RegistryContext, deliveries: DueDelivery[]): Promise<void> {
  try {
    await enqueueDeliveries(ctx.webhooks, deliveries);
  } catch (err) {
    ctx.log?.("enqueueing webhook deliveries failed; the reconciler will", { error: String(err) });
  }
}

/** Runs a registry change in a transaction, then enqueues the webhook deliveries it wrote. */
async function change<T>(ctx: RegistryContext, fn: (tx: Tx, deliveries: DueDelivery[]) => Promise<T>): Promise<T> {
  const deliveries: DueDelivery[] = [];
  const result = await ctx.db.$transaction((tx) => fn(tx, deliveries));
  await afterCommit(ctx, deliveries);
  return result;
}

// ---------------------------------------------------------------------------------------------
// models

export interface CreateModelInput {
  projectId: string;
  name: string;
  description?: string;
  tags?: Record<string, string>;
  gates?: string[];
  actor: string;
}

export async function createModel(ctx: RegistryContext, input: CreateModelInput): Promise<{ id: string; name: string }> {
  checkModelName(input.name);
  const gates = input.gates ? checkGates(input.gates) : [];
  try {
    return await change(ctx, async (tx) => {
      const model = await tx.registeredModel.create({
        data: { projectId: input.projectId, name: input.name, description: input.description ?? "", tags: input.tags ?? {}, policy: { gates } },
        select: { id: true, name: true },
      });
      await recordEvent(tx, { projectId: input.projectId, modelName: input.name, kind: "model_created", actor: input.actor, details: { gates } });
      return model;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw conflict(`registered model "${input.name}" already exists`);
    throw err;
  }
}

export interface UpdateModelInput extends TagChanges {
  projectId: string;
  name: string;
  description?: string;
  gates?: string[];
  actor: string;
}

export async function updateModel(ctx: RegistryContext, input: UpdateModelInput): Promise<void> {
  const gates = input.gates ? checkGates(input.gates) : undefined;
  await change(ctx, async (tx) => {
    const model = await lockModel(tx, input.projectId, input.name);
    const tags = applyTagChanges(model.tags ?? {}, input, `model "${input.name}"`);
    await tx.registeredModel.update({
      where: { id: model.id },
      data: {
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(tags !== undefined ? { tags } : {}),
        ...(gates !== undefined ? { policy: { gates } } : {}),
      },
    });
    if (gates !== undefined && JSON.stringify(gates) !== JSON.stringify(model.policy.gates ?? [])) {
      await recordEvent(tx, { projectId: input.projectId, modelName: input.name, kind: "policy_changed", actor: input.actor, details: { before: model.policy.gates ?? [], after: gates } });
    }
    if (input.description !== undefined || tags !== undefined) {
      await recordEvent(tx, { projectId: input.projectId, modelName: input.name, kind: "model_updated", actor: input.actor });
    }
  });
}

/**
 * Renames a model: its row (versions and aliases follow by id), the webhooks that listen to
 * it, and an audit event under each name. The trail is keyed by name and append-only: events
 * before the rename stay under the old name.
 */
export async function renameModel(ctx: RegistryContext, input: { projectId: string; name: string; newName: string; actor: string }): Promise<void> {
  checkModelName(input.newName, "newName");
  try {
    await change(ctx, async (tx) => {
      const model = await lockModel(tx, input.projectId, input.name);
      if (input.newName === input.name) return;
      await tx.registeredModel.update({ where: { id: model.id }, data: { name: input.newName } });
      await tx.webhook.updateMany({ where: { projectId: input.projectId, modelName: input.name }, data: { modelName: input.newName } });
      await recordEvent(tx, { projectId: input.projectId, modelName: input.name, kind: "model_renamed", actor: input.actor, details: { newName: input.newName } });
      await recordEvent(tx, { projectId: input.projectId, modelName: input.newName, kind: "model_renamed", actor: input.actor, details: { previousName: input.name } });
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw conflict(`registered model "${input.newName}" already exists`);
    throw err;
  }
}

export async function deleteModel(ctx: RegistryContext, input: { projectId: string; name: string; actor: string }): Promise<void> {
  await change(ctx, async (tx) => {
    const model = await lockModel(tx, input.projectId, input.name);
    await tx.registeredModel.delete({ where: { id: model.id } });
    await recordEvent(tx, { projectId: input.projectId, modelName: input.name, kind: "model_deleted", actor: input.actor, details: { versions: model.latestVersion } });
  });
}

// ---------------------------------------------------------------------------------------------
// versions

export interface CreateVersionInput {
  projectId: string;
  modelName: string;
  /** A run's artifact output: run + step + output name (the usual way). */
  runId?: string;
  stepName?: string;
  outputName?: string;
  /** Or free text from an MLflow client (runs:/RUN/PATH, a URI); resolved to an artifact when it names one. */
  source?: string;
  description?: string;
  tags?: Record<string, string>;
  actor: string;
  /** Create the model when it does not exist (`register:` on a step output). */
  createModel?: boolean;
}

export interface CreatedVersion {
  version: number;
  created: boolean;
}

/** The output artifact named by run/step/output, or by an MLflow `runs:/RUN/STEP.OUTPUT` (or `runs:/RUN/OUTPUT`) source. */
async function resolveArtifact(tx: Tx, projectId: string, input: CreateVersionInput) {
  let { runId, stepName, outputName } = input;
  const fromSource = input.source ? /^runs:\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([^/]+)$/i.exec(input.source) : null;
  if (fromSource && !stepName) {
    runId = fromSource[1];
    const path = fromSource[2]!;
    [stepName, outputName] = path.includes(".") ? (path.split(".", 2) as [string, string]) : [undefined, path];
  }
  if (!runId) return null;
  const run = await tx.run.findFirst({ where: { id: runId, projectId }, select: { id: true } });
  if (!run) throw validationFailed("unknown run", [{ path: "runId", message: `run "${runId}" does not exist in this project` }]);
  if (!outputName) return { runId, link: null };
  const links = await tx.artifactLink.findMany({
    where: { runId, direction: "output", name: outputName, ...(stepName ? { stepName } : {}) },
    select: { artifactId: true, stepName: true, name: true, type: true, artifact: { select: { digest: true } } },
  });
  if (links.length === 0) {
    if (fromSource) return { runId, link: null }; // an MLflow path Trellis did not store: kept as text
    throw validationFailed("unknown artifact", [
      { path: "outputName", message: `run "${runId}" has no artifact output "${stepName ? `${stepName}.` : ""}${outputName}"` },
    ]);
  }
  if (links.length > 1) {
    throw validationFailed("ambiguous artifact", [{ path: "stepName", message: `several steps of the run have an output "${outputName}": name the step` }]);
  }
  return { runId, link: links[0]! };
}

/**
 * Registers a version of a model from a run's artifact output. Registering the same artifact
 * (digest) of the same run again returns the existing version, so a retried request or a
 * re-reported step never makes a second one.
 */
export async function createModelVersion(ctx: RegistryContext, input: CreateVersionInput): Promise<CreatedVersion> {
  checkModelName(input.modelName);
  return change(ctx, async (tx, deliveries) => {
    // Shared with other writers, exclusive with retention: the artifact cannot be deleted
    // between being resolved here and the version that keeps it alive being committed.
    await lockArtifactsShared(tx);
    const resolved = await resolveArtifact(tx, input.projectId, input);
    if (!resolved?.link && !input.source) {
      throw validationFailed("nothing to register", [{ path: "outputName", message: "give a run's artifact output (runId, stepName, outputName) or a source" }]);
    }
    if (input.createModel) {
      const inserted = await tx.$executeRaw`
        INSERT INTO "RegisteredModel" (id, "projectId", name, "updatedAt") VALUES (gen_random_uuid(), ${input.projectId}::uuid, ${input.modelName}, now())
        ON CONFLICT ("projectId", name) DO NOTHING`;
      if (inserted > 0) await recordEvent(tx, { projectId: input.projectId, modelName: input.modelName, kind: "model_created", actor: input.actor, details: { gates: [] } });
    }
    const model = await lockModel(tx, input.projectId, input.modelName);
    const link = resolved?.link ?? null;
    if (link) {
      const existing = await tx.modelVersion.findFirst({ where: { modelId: model.id, runId: resolved!.runId, digest: link.artifact.digest }, select: { version: true } });
      if (existing) return { version: existing.version, created: false };
    }
    const version = model.latestVersion + 1;
    await tx.registeredModel.update({ where: { id: model.id }, data: { latestVersion: version } });
    await tx.modelVersion.create({
      data: {
        modelId: model.id,
        version,
        description: input.description ?? "",
        tags: input.tags ?? {},
        runId: resolved?.runId ?? null,
        stepName: link?.stepName ?? input.stepName ?? null,
        outputName: link?.name ?? input.outputName ?? null,
        artifactId: link?.artifactId ?? null,
        digest: link?.artifact.digest ?? null,
        source: input.source ?? `trellis-artifact:${link?.artifact.digest}`,
        createdBy: input.actor,
      },
    });
    deliveries.push(
      ...(await recordEvent(tx, {
        projectId: input.projectId,
        modelName: input.modelName,
        version,
        kind: "version_created",
        actor: input.actor,
        toStage: "None",
        details: { runId: resolved?.runId ?? null, digest: link?.artifact.digest ?? null },
      })),
    );
    return { version, created: true };
  });
}

async function lockVersion(tx: Tx, modelId: string, modelName: string, version: number) {
  const rows = await tx.$queryRaw<{ id: string; stage: ModelStageName; runId: string | null; tags: Record<string, string> }[]>`
    SELECT id, stage::text AS stage, "runId", tags FROM "ModelVersion" WHERE "modelId" = ${modelId}::uuid AND version = ${version} FOR UPDATE`;
  if (!rows[0]) throw notFound(`version ${version} of model "${modelName}"`);
  return rows[0];
}

export async function updateModelVersion(
  ctx: RegistryContext,
  input: TagChanges & { projectId: string; modelName: string; version: number; description?: string; actor: string },
): Promise<void> {
  await change(ctx, async (tx) => {
    const model = await lockModel(tx, input.projectId, input.modelName);
    const v = await lockVersion(tx, model.id, input.modelName, input.version);
    const tags = applyTagChanges(v.tags ?? {}, input, `version ${input.version} of model "${input.modelName}"`);
    await tx.modelVersion.update({
      where: { id: v.id },
      data: { ...(input.description !== undefined ? { description: input.description } : {}), ...(tags !== undefined ? { tags } : {}) },
    });
    await recordEvent(tx, { projectId: input.projectId, modelName: input.modelName, version: input.version, kind: "version_updated", actor: input.actor });
  });
}

export async function deleteModelVersion(ctx: RegistryContext, input: { projectId: string; modelName: string; version: number; actor: string }): Promise<void> {
  await change(ctx, async (tx) => {
    const model = await lockModel(tx, input.projectId, input.modelName);
    const v = await lockVersion(tx, model.id, input.modelName, input.version);
    await tx.modelVersion.delete({ where: { id: v.id } });
    await recordEvent(tx, { projectId: input.projectId, modelName: input.modelName, version: input.version, kind: "version_deleted", actor: input.actor, fromStage: v.stage });
  });
}

/** Latest value of every metric of these runs (NaN/∞ left out: they cannot be compared). */
export async function runMetricValues(db: PrismaClient | Tx, runIds: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(runIds.map((id) => [id, {}]));
  if (runIds.length === 0) return out;
  const rows = await db.metricSummary.findMany({ where: { runId: { in: runIds } }, select: { runId: true, key: true, last: true } });
  for (const r of rows) if (Number.isFinite(r.last)) out.get(r.runId)![r.key] = r.last;
  return out;
}

// ---------------------------------------------------------------------------------------------
// stages

export interface TransitionInput {
  projectId: string;
  modelName: string;
  version: number;
  toStage: ModelStageName;
  comment?: string;
  /** Promoting to Production archives the current Production version(s) unless this is false. */
  archiveExisting?: boolean;
  /** Apply even though gates fail; the reason is recorded. Only admins may (enforced by the caller). */
  overrideReason?: string;
  /** Guard: apply only if the version is still in this stage. */
  expectedStage?: ModelStageName;
  actor: string;
}

export interface TransitionResult {
  version: number;
  fromStage: ModelStageName;
  toStage: ModelStageName;
  gateResults: GateResult[];
  overridden: boolean;
  /** Versions moved to Archived by this promotion. */
  archived: number[];
}

/** Thrown when gates block a promotion: the issues name each failing gate and by how much. */
export class PromotionBlocked extends DomainError {
  constructor(
    message: string,
    readonly gateResults: GateResult[],
  ) {
    super(
      "CONFLICT",
      message,
      gateResults.flatMap((r, i) => (r.passed ? [] : [{ path: `policy.gates[${i}]`, message: r.message }])),
    );
  }
}

function productionVersions(tx: Tx | PrismaClient, modelId: string, except: number) {
  return tx.modelVersion.findMany({
    where: { modelId, stage: "Production", version: { not: except } },
    select: { id: true, version: true, runId: true },
    orderBy: { version: "desc" },
  });
}

async function promotionGateResults(tx: Tx | PrismaClient, model: Pick<ModelRow, "policy">, runId: string | null, current: { runId: string | null } | null): Promise<GateResult[]> {
  const gates = (model.policy.gates ?? []).map((g) => parseGate(g)).filter((g): g is Gate => typeof g !== "string");
  if (gates.length === 0) return [];
  const metrics = await runMetricValues(tx, [runId, current?.runId].filter((id): id is string => !!id));
  return evaluateGates(gates, (runId && metrics.get(runId)) || {}, current ? (current.runId && metrics.get(current.runId)) || {} : null);
}

/** What promoting a version to Production would meet: every gate's result, changing nothing. */
export async function checkPromotionGates(db: PrismaClient, input: { projectId: string; modelName: string; version: number }): Promise<GateResult[]> {
  const model = await db.registeredModel.findUnique({ where: { projectId_name: { projectId: input.projectId, name: input.modelName } }, select: { id: true, policy: true } });
  if (!model) throw notFound(`registered model "${input.modelName}"`);
  const v = await db.modelVersion.findUnique({ where: { modelId_version: { modelId: model.id, version: input.version } }, select: { runId: true } });
  if (!v) throw notFound(`version ${input.version} of model "${input.modelName}"`);
  const production = await productionVersions(db, model.id, input.version);
  return promotionGateResults(db, { policy: model.policy as unknown as ModelPolicy }, v.runId, production[0] ?? null);
}

/**
 * Moves a version to a stage. Promotion to Production first evaluates the model's gates
 * against the version's run metrics and the current Production version's; a failing gate
 * blocks it unless an override reason is given. Every move, including the archiving of the
 * previous Production version, is an audit event and a `stage_changed` webhook event.
 */
export async function transitionModelVersion(ctx: RegistryContext, input: TransitionInput): Promise<TransitionResult> {
  if (!(MODEL_STAGES as readonly string[]).includes(input.toStage)) {
    throw validationFailed("invalid stage", [{ path: "stage", message: `"${input.toStage}" is not a stage (${MODEL_STAGES.join(", ")})` }]);
  }
  const overrideReason = input.overrideReason?.trim() || undefined;
  if (input.overrideReason !== undefined && !overrideReason) {
    throw validationFailed("an override needs a reason", [{ path: "overrideReason", message: "write why the gates are overridden" }]);
  }
  return change(ctx, async (tx, deliveries) => {
    const model = await lockModel(tx, input.projectId, input.modelName);
    const v = await lockVersion(tx, model.id, input.modelName, input.version);
    if (input.expectedStage && v.stage !== input.expectedStage) {
      throw conflict(`version ${input.version} is in ${v.stage}, not ${input.expectedStage}: it was changed meanwhile`);
    }
    if (v.stage === input.toStage) throw conflict(`version ${input.version} is already in ${input.toStage}`);

    const production = await productionVersions(tx, model.id, input.version);
    let gateResults: GateResult[] = [];
    if (input.toStage === "Production") {
      gateResults = await promotionGateResults(tx, model, v.runId, production[0] ?? null);
      const failed = gateResults.filter((r) => !r.passed);
      if (failed.length > 0 && !overrideReason) {
        throw new PromotionBlocked(
          `promotion of version ${input.version} to Production is blocked by ${failed.length === 1 ? "a gate" : `${failed.length} gates`}: ${failed.map((r) => r.message).join("; ")}`,
          gateResults,
        );
      }
    }
    const overridden = overrideReason !== undefined && gateResults.some((r) => !r.passed);

    await tx.modelVersion.update({ where: { id: v.id }, data: { stage: input.toStage } });
    deliveries.push(
      ...(await recordEvent(tx, {
        projectId: input.projectId,
        modelName: input.modelName,
        version: input.version,
        kind: "stage_changed",
        actor: input.actor,
        fromStage: v.stage,
        toStage: input.toStage,
        comment: input.comment ?? null,
        gateResults: gateResults.length > 0 ? gateResults : null,
        overrideReason: overridden ? overrideReason : null,
      })),
    );

    const archived: number[] = [];
    if (input.toStage === "Production" && input.archiveExisting !== false) {
      for (const previous of production) {
        await tx.modelVersion.update({ where: { id: previous.id }, data: { stage: "Archived" } });
        archived.push(previous.version);
        deliveries.push(
          ...(await recordEvent(tx, {
            projectId: input.projectId,
            modelName: input.modelName,
            version: previous.version,
            kind: "stage_changed",
            actor: input.actor,
            fromStage: "Production",
            toStage: "Archived",
            comment: `archived: version ${input.version} was promoted to Production`,
          })),
        );
      }
    }
    await tx.registeredModel.update({ where: { id: model.id }, data: { updatedAt: new Date() } });
    return { version: input.version, fromStage: v.stage, toStage: input.toStage, gateResults, overridden, archived };
  });
}

// ---------------------------------------------------------------------------------------------
// aliases

export async function setModelAlias(ctx: RegistryContext, input: { projectId: string; modelName: string; alias: string; version: number; actor: string }): Promise<void> {
  if (!ALIAS_RE.test(input.alias) || RESERVED_ALIAS_RE.test(input.alias)) {
    throw validationFailed("invalid alias", [
      { path: "alias", message: `"${input.alias}" is not a valid alias (letters, digits, "_" and "-", starting with a letter; "latest" and "v<number>" are reserved)` },
    ]);
  }
  await change(ctx, async (tx, deliveries) => {
    const model = await lockModel(tx, input.projectId, input.modelName);
    const v = await lockVersion(tx, model.id, input.modelName, input.version);
    const previous = await tx.modelAlias.findUnique({ where: { modelId_alias: { modelId: model.id, alias: input.alias } }, select: { version: { select: { version: true } } } });
    await tx.modelAlias.upsert({
      where: { modelId_alias: { modelId: model.id, alias: input.alias } },
      create: { modelId: model.id, alias: input.alias, versionId: v.id },
      update: { versionId: v.id },
    });
    deliveries.push(
      ...(await recordEvent(tx, {
        projectId: input.projectId,
        modelName: input.modelName,
        version: input.version,
        kind: "alias_set",
        actor: input.actor,
        alias: input.alias,
        details: { previousVersion: previous?.version.version ?? null },
      })),
    );
  });
}

export async function deleteModelAlias(ctx: RegistryContext, input: { projectId: string; modelName: string; alias: string; actor: string }): Promise<void> {
  await change(ctx, async (tx) => {
    const model = await lockModel(tx, input.projectId, input.modelName);
    const existing = await tx.modelAlias.findUnique({ where: { modelId_alias: { modelId: model.id, alias: input.alias } }, select: { version: { select: { version: true } } } });
    if (!existing) throw notFound(`alias "${input.alias}" of model "${input.modelName}"`);
    await tx.modelAlias.delete({ where: { modelId_alias: { modelId: model.id, alias: input.alias } } });
    await recordEvent(tx, { projectId: input.projectId, modelName: input.modelName, version: existing.version.version, kind: "alias_deleted", actor: input.actor, alias: input.alias });
  });
}

// ---------------------------------------------------------------------------------------------
// webhooks

export async function createWebhook(
  db: PrismaClient,
  input: { projectId: string; url: string; events?: string[]; modelName?: string | null; secret?: string },
): Promise<{ id: string; secret: string }> {
  const issues: Issue[] = [];
  let url: URL | null = null;
  try {
    url = new URL(input.url);
  } catch {
    issues.push({ path: "url", message: `"${input.url}" is not a URL` });
  }
  if (url && url.protocol !== "http:" && url.protocol !== "https:") issues.push({ path: "url", message: "must be an http or https URL" });
  const events = input.events ?? [...WEBHOOK_EVENTS];
  events.forEach((e, i) => {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) issues.push({ path: `events[${i}]`, message: `unknown event "${e}" (${WEBHOOK_EVENTS.join(", ")})` });
  });
  if (events.length === 0) issues.push({ path: "events", message: "listen to at least one event" });
  if (input.secret !== undefined && input.secret.length < 16) issues.push({ path: "secret", message: "use at least 16 characters" });
  if (issues.length > 0) throw validationFailed("invalid webhook", issues);
  const secret = input.secret ?? randomBytes(24).toString("base64url");
  const hook = await db.webhook.create({ data: { projectId: input.projectId, url: input.url, events: [...new Set(events)], modelName: input.modelName ?? null, secret }, select: { id: true } });
  return { id: hook.id, secret };
}

/** Queues a delivery again (a new attempt now), whatever its state. */
export async function redeliverWebhook(ctx: RegistryContext, input: { projectId: string; deliveryId: string }): Promise<void> {
  const rows = await ctx.db.$queryRaw<DueDelivery[]>`
    UPDATE "WebhookDelivery" d SET status = 'pending', "nextAttemptAt" = now()
    FROM "Webhook" w WHERE d.id = ${input.deliveryId}::uuid AND w.id = d."webhookId" AND w."projectId" = ${input.projectId}::uuid
    RETURNING d.id, d."attemptCount", d."nextAttemptAt"`;
  if (rows.length === 0) throw notFound(`webhook delivery "${input.deliveryId}"`);
  await afterCommit(ctx, rows);
}

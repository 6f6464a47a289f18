import { Prisma, type PrismaClient } from "@trellis/db";
import { MODEL_STAGES, type ModelStageName } from "@trellis/engine";
import { SQL_OPERATORS } from "../queries/run-search.js";
import { MlflowError } from "./errors.js";
import type { RegistryClause, RegistryOrder } from "./registry-filter.js";
import { normalizeRunId } from "./store.js";
import type { ModelVersionRecord, RegisteredModelRecord } from "./views.js";

/** Reads of the MLflow model registry API over Trellis's registry (writes go through the engine). */

const MAX_INT4 = 2_147_483_647;

export const modelNotFound = (name: string) => MlflowError.notFound(`Registered Model with name=${name} not found`);
export const versionNotFound = (name: string, version: number | string) => MlflowError.notFound(`Model Version (name=${name}, version=${version}) not found`);

/** A stage as MLflow clients write it, any case ("production"); null if it is none. */
export function canonicalStage(text: string): ModelStageName | null {
  return MODEL_STAGES.find((s) => s.toLowerCase() === text.trim().toLowerCase()) ?? null;
}

export function checkStage(text: string, path = "stage"): ModelStageName {
  const stage = canonicalStage(text);
  if (!stage) throw MlflowError.invalidParameter(`Invalid Model Version stage: ${text}. Value must be one of ${MODEL_STAGES.join(", ")}. (parameter '${path}')`);
  return stage;
}

/** A version number from its text; MLflow's message otherwise. */
export function versionNumber(text: string): number {
  const n = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_INT4)) throw MlflowError.invalidParameter(`Parameter 'version' must be a positive integer, got '${text}'.`);
  return n;
}

const MODEL_SELECT = { id: true, name: true, description: true, tags: true, createdAt: true, updatedAt: true } as const;
type ModelRow = Prisma.RegisteredModelGetPayload<{ select: typeof MODEL_SELECT }>;

const VERSION_SELECT = {
  id: true,
  version: true,
  stage: true,
  description: true,
  tags: true,
  source: true,
  runId: true,
  artifactId: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
  aliases: { select: { alias: true }, orderBy: { alias: "asc" } },
  model: { select: { name: true } },
} as const;
type VersionRow = Prisma.ModelVersionGetPayload<{ select: typeof VERSION_SELECT }>;

function versionRecord(v: VersionRow): ModelVersionRecord & { artifactId: string | null } {
  return {
    modelName: v.model.name,
    version: v.version,
    stage: v.stage,
    description: v.description,
    tags: v.tags,
    source: v.source,
    runId: v.runId,
    artifactId: v.artifactId,
    createdBy: v.createdBy,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    aliases: v.aliases.map((a) => a.alias),
  };
}

export async function modelRow(db: PrismaClient, projectId: string, name: string): Promise<ModelRow> {
  const model = await db.registeredModel.findUnique({ where: { projectId_name: { projectId, name } }, select: MODEL_SELECT });
  if (!model) throw modelNotFound(name);
  return model;
}

/** The newest version of each model in each stage (in MLflow's stage order), restricted to `stages` if given. */
async function latestByStage(db: PrismaClient, modelIds: string[], stages: readonly ModelStageName[] = MODEL_STAGES): Promise<Map<string, ModelVersionRecord[]>> {
  const out = new Map<string, ModelVersionRecord[]>(modelIds.map((id) => [id, []]));
  if (modelIds.length === 0 || stages.length === 0) return out;
  const ids = await db.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT ON ("modelId", stage) id FROM "ModelVersion"
    WHERE "modelId" = ANY(${modelIds}::uuid[]) AND stage::text = ANY(${[...stages]}::text[])
    ORDER BY "modelId", stage, version DESC`;
  const rows = await db.modelVersion.findMany({ where: { id: { in: ids.map((r) => r.id) } }, select: { ...VERSION_SELECT, modelId: true } });
  rows.sort((a, b) => stages.indexOf(a.stage) - stages.indexOf(b.stage));
  for (const r of rows) out.get(r.modelId)!.push(versionRecord(r));
  return out;
}

async function modelRecords(db: PrismaClient, models: ModelRow[]): Promise<RegisteredModelRecord[]> {
  const ids = models.map((m) => m.id);
  const [latest, aliases] = await Promise.all([
    latestByStage(db, ids),
    db.modelAlias.findMany({ where: { modelId: { in: ids } }, orderBy: { alias: "asc" }, select: { modelId: true, alias: true, version: { select: { version: true } } } }),
  ]);
  return models.map((m) => ({
    name: m.name,
    description: m.description,
    tags: m.tags,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    latestVersions: latest.get(m.id) ?? [],
    aliases: aliases.filter((a) => a.modelId === m.id).map((a) => ({ alias: a.alias, version: a.version.version })),
  }));
}

export async function registeredModel(db: PrismaClient, projectId: string, name: string): Promise<RegisteredModelRecord> {
  return (await modelRecords(db, [await modelRow(db, projectId, name)]))[0]!;
}

export async function latestVersions(db: PrismaClient, projectId: string, name: string, stages: ModelStageName[] | null): Promise<ModelVersionRecord[]> {
  const model = await modelRow(db, projectId, name);
  return (await latestByStage(db, [model.id], stages && stages.length > 0 ? stages : MODEL_STAGES)).get(model.id) ?? [];
}

export async function modelVersion(db: PrismaClient, projectId: string, name: string, version: number) {
  const model = await modelRow(db, projectId, name);
  const row = await db.modelVersion.findUnique({ where: { modelId_version: { modelId: model.id, version } }, select: VERSION_SELECT });
  if (!row) throw versionNotFound(name, version);
  return versionRecord(row);
}

export async function versionByAlias(db: PrismaClient, projectId: string, name: string, alias: string) {
  const model = await modelRow(db, projectId, name);
  const found = await db.modelAlias.findUnique({ where: { modelId_alias: { modelId: model.id, alias } }, select: { version: { select: VERSION_SELECT } } });
  if (!found) throw MlflowError.notFound(`Registered model alias ${alias} not found.`);
  return versionRecord(found.version);
}

/** Versions of a project's models in `stage`, other than `except`. */
export async function versionsInStage(db: PrismaClient, projectId: string, name: string, stage: ModelStageName, except: number): Promise<number[]> {
  const model = await modelRow(db, projectId, name);
  const rows = await db.modelVersion.findMany({ where: { modelId: model.id, stage, version: { not: except } }, orderBy: { version: "asc" }, select: { version: true } });
  return rows.map((r) => r.version);
}

// ---- search ----------------------------------------------------------------------------------

function clauseSql(clause: RegistryClause, columns: Record<string, Prisma.Sql>, tagsColumn: Prisma.Sql): Prisma.Sql {
  if (clause.kind === "tag") return Prisma.sql`(${tagsColumn} ->> ${clause.key}) ${SQL_OPERATORS[clause.op]!} ${clause.value}`;
  const column = columns[clause.key]!;
  if (clause.op === "IN" || clause.op === "NOT IN") {
    const values = clause.value.map((v) => (clause.key === "run_id" ? (normalizeRunId(v) ?? v) : v));
    return clause.op === "IN" ? Prisma.sql`${column} = ANY(${values}::text[])` : Prisma.sql`NOT (${column} = ANY(${values}::text[]))`;
  }
  if (typeof clause.value === "number") return Prisma.sql`${column} ${SQL_OPERATORS[clause.op]!} ${clause.value}`;
  const text = clause.value as string;
  const value = clause.key === "run_id" ? (normalizeRunId(text) ?? text) : text;
  return Prisma.sql`${column} ${SQL_OPERATORS[clause.op]!} ${value}`;
}

const orderSql = (orders: RegistryOrder[], columns: Record<string, Prisma.Sql>) =>
  Prisma.join(
    orders.map((o) => Prisma.sql`${columns[o.key]!} ${Prisma.raw(o.desc ? "DESC" : "ASC")}`),
    ", ",
  );

interface Search {
  projectId: string;
  clauses: RegistryClause[];
  orderBy: RegistryOrder[];
  offset: number;
  limit: number;
}

export const MODEL_ORDER_KEYS = ["name", "creation_timestamp", "last_updated_timestamp"] as const;

const MODEL_COLUMNS: Record<string, Prisma.Sql> = {
  name: Prisma.sql`m.name`,
  creation_timestamp: Prisma.sql`m."createdAt"`,
  last_updated_timestamp: Prisma.sql`m."updatedAt"`,
};

/** A page of registered models; MLflow breaks ties (and orders by default) by name ASC. */
export async function searchRegisteredModels(db: PrismaClient, search: Search): Promise<{ models: RegisteredModelRecord[]; more: boolean }> {
  const conditions = [Prisma.sql`m."projectId" = ${search.projectId}::uuid`, ...search.clauses.map((c) => clauseSql(c, MODEL_COLUMNS, Prisma.sql`m.tags`))];
  const orders = [...search.orderBy];
  if (!orders.some((o) => o.key === "name")) orders.push({ key: "name", desc: false });
  const ids = await db.$queryRaw<{ id: string }[]>`
    SELECT m.id FROM "RegisteredModel" m
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY ${orderSql(orders, MODEL_COLUMNS)}, m.id
    OFFSET ${search.offset} LIMIT ${search.limit + 1}`;
  const page = ids.slice(0, search.limit).map((r) => r.id);
  const rows = await db.registeredModel.findMany({ where: { id: { in: page } }, select: MODEL_SELECT });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { models: await modelRecords(db, page.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []))), more: ids.length > search.limit };
}

export const VERSION_ORDER_KEYS = ["name", "version_number", "creation_timestamp", "last_updated_timestamp", "current_stage", "run_id"] as const;

const VERSION_COLUMNS: Record<string, Prisma.Sql> = {
  name: Prisma.sql`m.name`,
  run_id: Prisma.sql`v."runId"::text`,
  source_path: Prisma.sql`v.source`,
  version_number: Prisma.sql`v.version`,
  creation_timestamp: Prisma.sql`v."createdAt"`,
  last_updated_timestamp: Prisma.sql`v."updatedAt"`,
  current_stage: Prisma.sql`v.stage::text`,
};

/** A page of model versions; by default (and as tie-breaks) last updated first, then name ASC, then version DESC. */
export async function searchModelVersions(db: PrismaClient, search: Search): Promise<{ versions: ModelVersionRecord[]; more: boolean }> {
  const conditions = [Prisma.sql`m."projectId" = ${search.projectId}::uuid`, ...search.clauses.map((c) => clauseSql(c, VERSION_COLUMNS, Prisma.sql`v.tags`))];
  const orders = [...search.orderBy];
  if (orders.length === 0) orders.push({ key: "last_updated_timestamp", desc: true });
  if (!orders.some((o) => o.key === "name")) orders.push({ key: "name", desc: false });
  if (!orders.some((o) => o.key === "version_number")) orders.push({ key: "version_number", desc: true });
  const ids = await db.$queryRaw<{ id: string }[]>`
    SELECT v.id FROM "ModelVersion" v JOIN "RegisteredModel" m ON m.id = v."modelId"
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY ${orderSql(orders, VERSION_COLUMNS)}
    OFFSET ${search.offset} LIMIT ${search.limit + 1}`;
  const page = ids.slice(0, search.limit).map((r) => r.id);
  const rows = await db.modelVersion.findMany({ where: { id: { in: page } }, select: VERSION_SELECT });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { versions: page.flatMap((id) => (byId.has(id) ? [versionRecord(byId.get(id)!)] : [])), more: ids.length > search.limit };
}

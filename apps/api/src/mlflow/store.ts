import { Prisma, type PrismaClient } from "@trellis/db";
import { DEFAULT_EXPERIMENT, DEFAULT_PROJECT, ensureExperiment, ensureProject, projectByName } from "@trellis/engine";
import { RUN_SELECT, SQL_OPERATORS, epochMs } from "../queries/run-search.js";
import { MlflowError } from "./errors.js";
import type { ExperimentClause, ExperimentOrder } from "./experiment-filter.js";
import type { ExperimentRecord, RunRecord } from "./views.js";

/** Reads and writes of the MLflow-compatible API that the shared queries do not cover. */

/** MLflow's default experiment, which clients address as "0". */
export const DEFAULT_EXPERIMENT_ID = "0";

const MAX_INT4 = 2_147_483_647;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX32_RE = /^[0-9a-f]{32}$/i;

export const EXPERIMENT_SELECT = { id: true, name: true, description: true, tags: true, createdAt: true, updatedAt: true } as const;

export type StoredRun = RunRecord & { source: "pipeline" | "mlflow" };

/** The project a request addresses: "default" under /api/2.0/mlflow (created on first use), else the named one. */
export async function resolveProject(db: PrismaClient, name: string | undefined): Promise<{ id: string; name: string }> {
  if (name !== undefined) return projectByName(db, name);
  const project = await db.project.findUnique({ where: { name: DEFAULT_PROJECT }, select: { id: true, name: true } });
  return project ?? ensureProject(db, DEFAULT_PROJECT, "The default project");
}

/** An experiment id as MLflow clients send it: the integer id as text, or "0" for the project's "Default" experiment. */
export async function experimentById(db: PrismaClient, projectId: string, id: string): Promise<ExperimentRecord> {
  if (id === DEFAULT_EXPERIMENT_ID) {
    const { id: defaultId } = await ensureExperiment(db, projectId, DEFAULT_EXPERIMENT);
    return db.experiment.findUniqueOrThrow({ where: { id: defaultId }, select: EXPERIMENT_SELECT });
  }
  const numeric = experimentNumber(id);
  const experiment = numeric === null ? null : await db.experiment.findFirst({ where: { id: numeric, projectId }, select: EXPERIMENT_SELECT });
  if (!experiment) throw MlflowError.notFound(`No Experiment with id=${id} exists`);
  return experiment;
}

/** The integer id an experiment id text stands for, if it can be one ("0" is not: it is resolved by name). */
export function experimentNumber(id: string): number | null {
  if (!/^\d{1,10}$/.test(id)) return null;
  const n = Number(id);
  return n >= 1 && n <= MAX_INT4 ? n : null;
}

/** Experiment ids of a runs search: "0" is the Default experiment if it exists; ids that cannot exist match nothing. */
export async function searchExperimentIds(db: PrismaClient, projectId: string, ids: string[]): Promise<number[]> {
  const out = new Set<number>();
  for (const id of new Set(ids)) {
    if (id === DEFAULT_EXPERIMENT_ID) {
      const e = await db.experiment.findUnique({ where: { projectId_name: { projectId, name: DEFAULT_EXPERIMENT } }, select: { id: true } });
      if (e) out.add(e.id);
    } else {
      const n = experimentNumber(id);
      if (n !== null) out.add(n);
    }
  }
  return [...out];
}

export async function experimentByName(db: PrismaClient, projectId: string, name: string): Promise<ExperimentRecord> {
  if (name === DEFAULT_EXPERIMENT) await ensureExperiment(db, projectId, DEFAULT_EXPERIMENT);
  const experiment = await db.experiment.findUnique({ where: { projectId_name: { projectId, name } }, select: EXPERIMENT_SELECT });
  if (!experiment) throw MlflowError.notFound(`Could not find experiment with name '${name}'`);
  return experiment;
}

/** A run id as Trellis writes it (a UUID); MLflow's 32-hex form of the same UUID is accepted too. */
export function normalizeRunId(id: string): string | null {
  if (UUID_RE.test(id)) return id.toLowerCase();
  if (HEX32_RE.test(id)) {
    const h = id.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return null;
}

export async function runById(db: PrismaClient, projectId: string, id: string): Promise<StoredRun> {
  const runId = normalizeRunId(id);
  const run = runId === null ? null : await db.run.findFirst({ where: { id: runId, projectId }, select: RUN_SELECT });
  if (!run) throw MlflowError.notFound(`Run with id=${id} not found`);
  return run;
}


function experimentClauseSql(clause: ExperimentClause): Prisma.Sql {
  const op = SQL_OPERATORS[clause.op]!;
  if (clause.kind === "tag") {
    const column = clause.key === "mlflow.note.content" ? Prisma.sql`NULLIF(e.description, '')` : Prisma.sql`(e.tags ->> ${clause.key})`;
    return Prisma.sql`${column} ${op} ${clause.value}`;
  }
  switch (clause.key) {
    case "name":
      return Prisma.sql`e.name ${op} ${clause.value}`;
    case "creation_time":
      return Prisma.sql`${epochMs(Prisma.sql`e."createdAt"`)} ${op} ${clause.value}::float8`;
    case "last_update_time":
      return Prisma.sql`${epochMs(Prisma.sql`e."updatedAt"`)} ${op} ${clause.value}::float8`;
  }
}

const ORDER_COLUMNS: Record<ExperimentOrder["key"], Prisma.Sql> = {
  name: Prisma.sql`e.name`,
  experiment_id: Prisma.sql`e.id`,
  creation_time: Prisma.sql`e."createdAt"`,
  last_update_time: Prisma.sql`e."updatedAt"`,
};

/**
 * A page of a project's experiments. MLflow's default order is creation_time DESC, experiment_id
 * ASC; any other ordering is tie-broken by experiment_id DESC. One row beyond `limit` is read to
 * know whether another page exists.
 */
export async function searchExperiments(
  db: PrismaClient,
  search: { projectId: string; clauses: ExperimentClause[]; orderBy: ExperimentOrder[]; offset: number; limit: number },
): Promise<{ experiments: ExperimentRecord[]; more: boolean }> {
  const conditions = [Prisma.sql`e."projectId" = ${search.projectId}::uuid`, ...search.clauses.map(experimentClauseSql)];
  const orders: ExperimentOrder[] = search.orderBy.length > 0 ? [...search.orderBy] : [{ key: "creation_time", desc: true }, { key: "experiment_id", desc: false }];
  if (!orders.some((o) => o.key === "experiment_id")) orders.push({ key: "experiment_id", desc: true });
  const orderSql = Prisma.join(orders.map((o) => Prisma.sql`${ORDER_COLUMNS[o.key]} ${Prisma.raw(o.desc ? "DESC" : "ASC")}`), ", ");
  const rows = await db.$queryRaw<ExperimentRecord[]>`
    SELECT e.id, e.name, e.description, e.tags, e."createdAt", e."updatedAt"
    FROM "Experiment" e
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY ${orderSql}
    OFFSET ${search.offset} LIMIT ${search.limit + 1}`;
  return { experiments: rows.slice(0, search.limit), more: rows.length > search.limit };
}

export interface HistoryPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** Every logged point of a metric, by step, then timestamp, then logging order. */
export async function metricHistory(db: PrismaClient, runId: string, key: string, offset: number, limit: number): Promise<{ points: HistoryPoint[]; more: boolean }> {
  const rows = await db.$queryRaw<HistoryPoint[]>`
    SELECT key, value, timestamp::float8 AS timestamp, step::float8 AS step
    FROM "MetricPoint" WHERE "runId" = ${runId}::uuid AND key = ${key}
    ORDER BY step, timestamp, id
    OFFSET ${offset} LIMIT ${limit + 1}`;
  return { points: rows.slice(0, limit), more: rows.length > limit };
}

/** Prisma's unique-violation error, without depending on its class. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

import { Prisma, type PrismaClient } from "@trellis/db";
import { NOTE_TAG, RUN_NAME_TAG, validationFailed, type RunStatusName } from "@trellis/engine";
import { describeClause, trellisStatusOf, type FilterClause, type FilterValue, type OrderBy } from "@trellis/tracking";

/**
 * Run search shared by the experiment page and MLflow's runs/search: filter clauses and
 * orderings (already parsed and validated by @trellis/tracking) become one SQL query over
 * Run, with metric summaries looked up per run. Offset pagination: sorts are on arbitrary
 * columns, and experiments hold thousands of runs, not millions.
 */

export interface RunSearch {
  projectId?: string;
  experimentIds: number[];
  clauses: FilterClause[];
  orderBy: OrderBy[];
  offset: number;
  limit: number;
  /** Also count every matching run (the experiment page's scrollbar needs it; MLflow does not). */
  withTotal?: boolean;
}

export interface MetricSummaryView {
  last: number;
  min: number | null;
  max: number | null;
  step: number;
  timestamp: number;
  count: number;
}

export interface SearchedRun {
  id: string;
  name: string | null;
  experimentId: number;
  source: "pipeline" | "mlflow";
  status: RunStatusName;
  pipeline: string | null;
  version: number | null;
  params: Record<string, unknown>;
  tags: Record<string, string>;
  note: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  originRunId: string | null;
  origin: "rerun" | "retry" | null;
  metrics: Record<string, MetricSummaryView>;
}

/** The Run columns both run views read (MLflow's RunInfo/RunData and the experiment page's rows). */
export const RUN_SELECT = {
  id: true,
  name: true,
  experimentId: true,
  source: true,
  status: true,
  params: true,
  tags: true,
  note: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
} as const;

// At most four exponent digits: every such text fits Postgres's numeric (float8 would
// overflow on "1e999" and fail the whole query).
const NUMERIC_RE = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,4})?$";

/** A text value as a number when it is one (params are stored typed or as MLflow strings). */
function numeric(text: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(CASE WHEN ${text} ~ ${NUMERIC_RE} THEN (${text})::numeric END)`;
}

/** A timestamp column as whole milliseconds since the epoch (MLflow's time unit). */
export const epochMs = (column: Prisma.Sql) => Prisma.sql`floor(extract(epoch from ${column}) * 1000)`;

function attributeColumn(key: string): Prisma.Sql {
  switch (key) {
    case "status":
      return Prisma.sql`r.status::text`;
    case "run_name":
      return Prisma.sql`COALESCE(r.name, '')`;
    case "run_id":
      return Prisma.sql`r.id::text`;
    case "start_time":
      return epochMs(Prisma.sql`COALESCE(r."startedAt", r."createdAt")`);
    case "end_time":
      return epochMs(Prisma.sql`r."finishedAt"`);
    case "created":
      return epochMs(Prisma.sql`r."createdAt"`);
    case "pipeline":
      return Prisma.sql`(SELECT p.name FROM "Pipeline" p WHERE p.id = r."pipelineId")`;
    case "source":
      return Prisma.sql`r.source::text`;
    default:
      throw validationFailed(`unknown run attribute "${key}"`, [{ path: "filter", message: `unknown run attribute "${key}"` }]);
  }
}

function tagColumn(key: string): Prisma.Sql {
  if (key === RUN_NAME_TAG) return Prisma.sql`r.name`;
  if (key === NOTE_TAG) return Prisma.sql`NULLIF(r.note, '')`;
  return Prisma.sql`(r.tags ->> ${key})`;
}

const metricColumn = (key: string) => Prisma.sql`(SELECT m.last FROM "MetricSummary" m WHERE m."runId" = r.id AND m.key = ${key})`;

/** SQL operators come from this fixed table, never from the request text. */
export const SQL_OPERATORS: Record<string, Prisma.Sql> = {
  "=": Prisma.raw("="),
  "!=": Prisma.raw("<>"),
  ">": Prisma.raw(">"),
  ">=": Prisma.raw(">="),
  "<": Prisma.raw("<"),
  "<=": Prisma.raw("<="),
  LIKE: Prisma.raw("LIKE"),
  ILIKE: Prisma.raw("ILIKE"),
};

function statusValue(clause: FilterClause, value: FilterValue): string {
  const status = typeof value === "string" ? trellisStatusOf(value) : null;
  if (!status) {
    throw validationFailed(`invalid status in ${describeClause(clause)}`, [
      { path: "filter", message: `unknown run status ${JSON.stringify(value)} (use RUNNING, SCHEDULED, FINISHED, FAILED, KILLED or queued, running, succeeded, failed, cancelled)` },
    ]);
  }
  return status;
}

function compare(column: Prisma.Sql, clause: FilterClause): Prisma.Sql {
  const { op, value } = clause;
  if (op === "IN" || op === "NOT IN") {
    const list = (value as FilterValue[]).map((v) => String(v));
    const any = Prisma.sql`${column} = ANY(${list}::text[])`;
    return op === "IN" ? any : Prisma.sql`NOT (${any})`;
  }
  const sqlOp = SQL_OPERATORS[op]!;
  if (typeof value === "number") return Prisma.sql`${numeric(Prisma.sql`(${column})::text`)} ${sqlOp} ${value}::float8::numeric`;
  return Prisma.sql`${column} ${sqlOp} ${String(value)}`;
}

function clauseSql(clause: FilterClause): Prisma.Sql {
  switch (clause.entity) {
    case "metric":
      return Prisma.sql`EXISTS (SELECT 1 FROM "MetricSummary" m WHERE m."runId" = r.id AND m.key = ${clause.key}
        AND m.last ${SQL_OPERATORS[clause.op]!} ${Number(clause.value)}::float8)`;
    case "param":
      return compare(Prisma.sql`(r.params ->> ${clause.key})`, clause);
    case "tag":
      return compare(tagColumn(clause.key), clause);
    case "attribute": {
      if (clause.key === "status") {
        const values = Array.isArray(clause.value) ? clause.value.map((v) => statusValue(clause, v)) : statusValue(clause, clause.value);
        return compare(attributeColumn("status"), { ...clause, value: values });
      }
      const column = attributeColumn(clause.key);
      // Times are numbers of milliseconds; compare them as numbers, not text.
      if (["start_time", "end_time", "created"].includes(clause.key)) return Prisma.sql`${column} ${SQL_OPERATORS[clause.op]!} ${Number(clause.value)}::float8`;
      return compare(column, clause);
    }
  }
}

function orderSql(order: OrderBy): Prisma.Sql[] {
  const dir = Prisma.raw(order.desc ? "DESC NULLS LAST" : "ASC NULLS LAST");
  switch (order.entity) {
    case "metric":
      return [Prisma.sql`${metricColumn(order.key)} ${dir}`];
    case "param": {
      const text = Prisma.sql`(r.params ->> ${order.key})`;
      return [Prisma.sql`${numeric(text)} ${dir}`, Prisma.sql`${text} ${dir}`];
    }
    case "tag":
      return [Prisma.sql`${tagColumn(order.key)} ${dir}`];
    case "attribute":
      return [Prisma.sql`${attributeColumn(order.key)} ${dir}`];
  }
}

function whereSql(search: RunSearch): Prisma.Sql {
  const conditions = [Prisma.sql`r."experimentId" = ANY(${search.experimentIds}::int[])`];
  if (search.projectId) conditions.push(Prisma.sql`r."projectId" = ${search.projectId}::uuid`);
  for (const clause of search.clauses) conditions.push(clauseSql(clause));
  return Prisma.join(conditions, " AND ");
}

type RunRow = Omit<SearchedRun, "metrics" | "params" | "tags"> & { params: unknown; tags: unknown };

export async function searchRuns(db: PrismaClient, search: RunSearch): Promise<{ runs: SearchedRun[]; total: number | null }> {
  if (search.experimentIds.length === 0) return { runs: [], total: search.withTotal ? 0 : null };
  const where = whereSql(search);
  const order = Prisma.join([...search.orderBy.flatMap(orderSql), Prisma.sql`r."createdAt" DESC`, Prisma.sql`r.id DESC`], ", ");
  const [rows, total] = await Promise.all([
    db.$queryRaw<RunRow[]>`
      SELECT r.id, r.name, r."experimentId", r.source::text AS source, r.status::text AS status,
        p.name AS pipeline, v.version, r.params, r.tags, r.note, r."createdAt", r."startedAt", r."finishedAt",
        r."originRunId", r.origin::text AS origin
      FROM "Run" r
      LEFT JOIN "Pipeline" p ON p.id = r."pipelineId"
      LEFT JOIN "PipelineVersion" v ON v.id = r."pipelineVersionId"
      WHERE ${where}
      ORDER BY ${order}
      OFFSET ${search.offset} LIMIT ${search.limit}`,
    search.withTotal ? db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Run" r WHERE ${where}` : Promise.resolve(null),
  ]);
  const metrics = await metricSummariesOf(db, rows.map((r) => r.id));
  return {
    runs: rows.map((r) => ({
      ...r,
      params: r.params as Record<string, unknown>,
      tags: r.tags as Record<string, string>,
      metrics: metrics.get(r.id) ?? {},
    })),
    total: total ? total[0]!.n : null,
  };
}

export async function metricSummariesOf(db: PrismaClient, runIds: string[]): Promise<Map<string, Record<string, MetricSummaryView>>> {
  const byRun = new Map<string, Record<string, MetricSummaryView>>();
  if (runIds.length === 0) return byRun;
  const rows = await db.$queryRaw<(MetricSummaryView & { runId: string; key: string })[]>`
    SELECT "runId", key, last, min, max, "lastStep"::float8 AS step, "lastTimestamp"::float8 AS timestamp, count
    FROM "MetricSummary" WHERE "runId" = ANY(${runIds}::uuid[]) AND count > 0 ORDER BY key`;
  for (const { runId, key, ...summary } of rows) {
    const run = byRun.get(runId) ?? {};
    run[key] = summary;
    byRun.set(runId, run);
  }
  return byRun;
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { checkExperimentName, checkRunName, isTerminalRunStatus, logToRun, NOTE_TAG, RUN_NAME_TAG, type RunLogBatch } from "@trellis/engine";
import { checkTagValue, checkTrackingKey, parseOrderBy, parseRunFilter, TRACKING_LIMITS, trellisStatusOf, type OrderBy } from "@trellis/tracking";
import type { ApiDeps } from "../deps.js";
import { metricSummariesOf, RUN_SELECT, searchRuns } from "../queries/run-search.js";
import { checkContentType, endpointNotFound, missingValue, MlflowError, toMlflowError } from "./errors.js";
import { checkLikePattern, parseExperimentFilter, parseExperimentOrderBy } from "./experiment-filter.js";
import { JsonSyntaxError, parseJson, stringifyJson } from "./json.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { registryRoutes } from "./registry.js";
import { generateRunName } from "./run-names.js";
import {
  CreateExperimentBody,
  CreateRunBody,
  GetExperimentByNameQuery,
  GetExperimentQuery,
  GetMetricHistoryQuery,
  GetRunQuery,
  LogBatchBody,
  LogMetricBody,
  LogParamBody,
  SearchExperimentsBody,
  SearchExperimentsQuery,
  SearchRunsBody,
  SetTagBody,
  UpdateRunBody,
  type KeyValue,
  type ViewType,
} from "./schemas.js";
import {
  experimentById,
  experimentByName,
  isUniqueViolation,
  metricHistory,
  resolveProject,
  runById,
  searchExperimentIds,
  searchExperiments,
} from "./store.js";
import { experimentView, runInfoView, runView, USER_TAG } from "./views.js";
import { access } from "../http/access.js";

/**
 * The MLflow tracking REST API (2.0) over Trellis experiments and runs, and its model registry
 * API over Trellis's registry (./registry.ts), so training code that logs to MLflow logs to
 * Trellis by pointing MLFLOW_TRACKING_URI here:
 *
 *   http://host:4000                   → project "default"  (/api/2.0/mlflow/...)
 *   http://host:4000/projects/<name>   → that project       (/projects/<name>/api/2.0/mlflow/...)
 *
 * The routes live in their own encapsulated context with their own JSON parser (Python's NaN
 * and Infinity accepted), reply serializer (non-finite doubles as "NaN"/"Infinity", as MLflow's
 * server writes them), error handler and not-found handler, so every answer under these
 * prefixes, errors included, has MLflow's shape: `{"error_code", "message"}` with a 4xx status.
 */

export const MLFLOW_PREFIX = "/api/2.0/mlflow";
export const PROJECT_MLFLOW_PREFIX = "/projects/:project/api/2.0/mlflow";

/** MLflow's limits (mlflow/store/tracking/__init__.py). */
export const MLFLOW_LIMITS = {
  searchMaxResultsDefault: 1000,
  searchMaxResultsThreshold: 50_000,
  metricHistoryMaxResults: 25_000,
  experimentTagValueLength: 5000,
} as const;

/** MLflow answers every successful write with an empty object. */
const EMPTY = {};

type AnyRequest = FastifyRequest;

function projectParam(request: AnyRequest): string | undefined {
  return (request.params as { project?: string } | undefined)?.project;
}

function runIdOf(body: { run_id?: string | null | undefined; run_uuid?: string | null | undefined }): string {
  const id = body.run_id || body.run_uuid;
  if (!id) throw MlflowError.invalidParameter(missingValue("run_id"));
  return id;
}

function checkMaxResults(value: number | null | undefined, fallback: number, max: number): number {
  if (value === null || value === undefined) return fallback;
  if (value < 1) throw MlflowError.invalidParameter(`Invalid value ${value} for parameter 'max_results' supplied. It must be a positive integer`);
  if (value > max) throw MlflowError.invalidParameter(`Invalid value ${value} for parameter 'max_results' supplied. It must be at most ${max}`);
  return value;
}

function checkKey(kind: "metric" | "param" | "tag", key: string, path: string): void {
  const problem = checkTrackingKey(kind, key);
  if (problem) throw MlflowError.invalidParameter(`${path}: ${problem}`);
}

/** Tags as a record, checked by MLflow's rules; a key given twice keeps its last value. */
function tagRecord(tags: KeyValue[] | null | undefined, path: string, maxValueLength?: number): Map<string, string> {
  const out = new Map<string, string>();
  (tags ?? []).forEach((tag, i) => {
    const value = tag.value ?? "";
    checkKey("tag", tag.key, `${path}[${i}].key`);
    const problem =
      maxValueLength === undefined
        ? checkTagValue(value)
        : [...value].length > maxValueLength
          ? `tag value is too long: ${[...value].length} characters (at most ${maxValueLength})`
          : null;
    if (problem) throw MlflowError.invalidParameter(`${path}[${i}].value: ${problem}`);
    out.set(tag.key, value);
  });
  return out;
}

function batchLimit(what: string, limit: number, count: number): void {
  if (count > limit) {
    throw MlflowError.invalidParameter(
      `A batch logging request can contain at most ${limit} ${what}. Got ${count} ${what}. Please split up ${what} across multiple requests and try again.`,
    );
  }
}

/** The latest time a JavaScript Date (and so a run's start or end) can hold, in epoch milliseconds. */
const MAX_DATE_MS = 8.64e15;

function checkTimestamp(timestamp: number, path: string, asDate = false): void {
  if (timestamp < 0) throw MlflowError.invalidParameter(`Invalid value ${timestamp} for parameter '${path}' supplied: a timestamp must be a nonnegative long (milliseconds since the epoch)`);
  if (asDate && timestamp > MAX_DATE_MS) throw MlflowError.invalidParameter(`Invalid value ${timestamp} for parameter '${path}' supplied: a time after the year 275760`);
}

/** Parses the JSON bodies of this API, accepting NaN / Infinity; an empty body is `{}`. */
function parseBody(_request: AnyRequest, text: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const source = typeof text === "string" ? text : text.toString("utf8");
  if (source.trim() === "") return done(null, {});
  try {
    let parsed = parseJson(source);
    // Old MLflow clients sent their JSON double-encoded; MLflow's server decodes it again.
    if (typeof parsed === "string") parsed = parseJson(parsed);
    done(null, parsed);
  } catch (error) {
    const detail = error instanceof JsonSyntaxError ? error.message : "not valid JSON";
    done(new MlflowError("BAD_REQUEST", `Malformed JSON request body: ${detail}`));
  }
}

function installTransport(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, parseBody);
  app.setReplySerializer((payload) => stringifyJson(payload));
  app.addHook("onRequest", async (request) => {
    if (request.is404) return;
    const problem = checkContentType(request.method, request.headers["content-type"]);
    if (problem) throw problem;
  });
  app.setErrorHandler((err, request, reply: FastifyReply) => {
    const mapped = toMlflowError(err, request);
    if (mapped) return reply.status(mapped.status).send(mapped.body);
    request.log.error({ err }, "unhandled error in the MLflow API");
    return reply.status(500).send({ error_code: "INTERNAL_ERROR", message: "internal error" });
  });
  app.setNotFoundHandler((request, reply) => {
    const error = endpointNotFound(request);
    return reply.status(error.status).send(error.body);
  });
}

/** Route options: the body/query schema, hidden from Trellis's OpenAPI document (MLflow's own spec documents these). */
const hidden = { hide: true } as const;

const routes =
  (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    installTransport(app);
    const { db } = deps;
    const project = (request: AnyRequest) => resolveProject(db, projectParam(request));

    // ---- experiments ----------------------------------------------------------------------

    app.post("/experiments/create", { config: { access: access.editor }, schema: { ...hidden, body: CreateExperimentBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, tags } = request.body;
      if ([...name].length > TRACKING_LIMITS.experimentNameLength) {
        throw MlflowError.invalidParameter(`Experiment name exceeds the maximum length of ${TRACKING_LIMITS.experimentNameLength} characters`);
      }
      checkExperimentName(name, "name");
      const tagMap = tagRecord(tags, "tags", MLFLOW_LIMITS.experimentTagValueLength);
      const description = tagMap.get(NOTE_TAG) ?? "";
      tagMap.delete(NOTE_TAG);
      const exists = () => new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${name}) already exists.`);
      if (await db.experiment.findUnique({ where: { projectId_name: { projectId, name } }, select: { id: true } })) throw exists();
      try {
        const created = await db.experiment.create({ data: { projectId, name, description, tags: Object.fromEntries(tagMap) }, select: { id: true } });
        return { experiment_id: String(created.id) };
      } catch (error) {
        if (isUniqueViolation(error)) throw exists();
        throw error;
      }
    });

    app.get("/experiments/get", { config: { access: access.viewer }, schema: { ...hidden, querystring: GetExperimentQuery } }, async (request) => {
      const { id: projectId } = await project(request);
      return { experiment: experimentView(await experimentById(db, projectId, request.query.experiment_id)) };
    });

    app.get("/experiments/get-by-name", { config: { access: access.viewer }, schema: { ...hidden, querystring: GetExperimentByNameQuery } }, async (request) => {
      const { id: projectId } = await project(request);
      return { experiment: experimentView(await experimentByName(db, projectId, request.query.experiment_name)) };
    });

    const searchExperimentsHandler = async (
      request: AnyRequest,
      input: { max_results?: number | null; page_token?: string | null; filter?: string | null; order_by?: string[] | null; view_type?: ViewType | null },
    ) => {
      const { id: projectId } = await project(request);
      const limit = checkMaxResults(input.max_results, MLFLOW_LIMITS.searchMaxResultsDefault, MLFLOW_LIMITS.searchMaxResultsThreshold);
      const offset = decodePageToken(input.page_token);
      const filter = parseExperimentFilter(input.filter ?? "");
      if (!filter.ok) throw MlflowError.invalidParameter(`Invalid filter '${input.filter}': ${filter.message}`);
      const orderBy = (input.order_by ?? []).map((text) => {
        const order = parseExperimentOrderBy(text);
        if (!order.ok) throw MlflowError.invalidParameter(order.message);
        return order.value;
      });
      // Experiments are never deleted softly here: every one is active.
      if (input.view_type === "DELETED_ONLY") return EMPTY;
      const { experiments, more } = await searchExperiments(db, { projectId, clauses: filter.value, orderBy, offset, limit });
      return {
        ...(experiments.length > 0 ? { experiments: experiments.map(experimentView) } : {}),
        ...(more ? { next_page_token: encodePageToken(offset + limit) } : {}),
      };
    };
    app.post("/experiments/search", { config: { access: access.viewer }, schema: { ...hidden, body: SearchExperimentsBody } }, (request) => searchExperimentsHandler(request, request.body));
    app.get("/experiments/search", { config: { access: access.viewer }, schema: { ...hidden, querystring: SearchExperimentsQuery } }, (request) => searchExperimentsHandler(request, request.query));

    // ---- runs -----------------------------------------------------------------------------

    app.post("/runs/create", { config: { access: access.editor }, schema: { ...hidden, body: CreateRunBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const body = request.body;
      const experiment = await experimentById(db, projectId, body.experiment_id || "0");
      const tags = tagRecord(body.tags, "tags");
      const nameTag = tags.get(RUN_NAME_TAG);
      if (body.run_name && nameTag && body.run_name !== nameTag) {
        throw MlflowError.invalidParameter(
          `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${body.run_name}', mlflow.runName='${nameTag}').`,
        );
      }
      const name = body.run_name || nameTag || generateRunName();
      checkRunName(name, "run_name");
      const note = tags.get(NOTE_TAG) ?? "";
      tags.delete(RUN_NAME_TAG);
      tags.delete(NOTE_TAG);
      if (body.user_id && !tags.has(USER_TAG)) tags.set(USER_TAG, body.user_id);
      const startTime = body.start_time ?? Date.now();
      checkTimestamp(startTime, "start_time", true);
      const run = await db.run.create({
        data: { projectId, experimentId: experiment.id, source: "mlflow", status: "running", name, note, params: {}, tags: Object.fromEntries(tags), startedAt: new Date(startTime) },
        select: RUN_SELECT,
      });
      return { run: runView(run, {}) };
    });

    app.post("/runs/update", { config: { access: { ...access.editor, runToken: "write" } }, schema: { ...hidden, body: UpdateRunBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const body = request.body;
      const run = await runById(db, projectId, runIdOf(body));
      const name = body.run_name || undefined;
      if (name !== undefined) checkRunName(name, "run_name");
      if (body.end_time !== null && body.end_time !== undefined) checkTimestamp(body.end_time, "end_time", true);
      if (run.source === "mlflow") {
        const status = body.status ? trellisStatusOf(body.status)! : undefined;
        let finishedAt: Date | null | undefined;
        if (body.end_time !== null && body.end_time !== undefined) finishedAt = new Date(body.end_time);
        else if (status && isTerminalRunStatus(status)) finishedAt = run.finishedAt ?? new Date();
        else if (status) finishedAt = null; // running again: not finished
        await db.run.updateMany({
          where: { id: run.id, projectId, source: "mlflow" },
          data: { ...(status ? { status } : {}), ...(finishedAt !== undefined ? { finishedAt } : {}), ...(name !== undefined ? { name } : {}) },
        });
      } else if (name !== undefined) {
        // A pipeline run: its steps own its status and times; a client may only rename it.
        await db.run.updateMany({ where: { id: run.id, projectId, source: "pipeline" }, data: { name } });
      }
      return { run_info: runInfoView(await runById(db, projectId, run.id)) };
    });

    app.get("/runs/get", { config: { access: { ...access.viewer, runToken: "read" } }, schema: { ...hidden, querystring: GetRunQuery } }, async (request) => {
      const { id: projectId } = await project(request);
      const run = await runById(db, projectId, runIdOf(request.query));
      const metrics = await metricSummariesOf(db, [run.id]);
      return { run: runView(run, metrics.get(run.id) ?? {}) };
    });

    app.post("/runs/search", { config: { access: access.viewer }, schema: { ...hidden, body: SearchRunsBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const body = request.body;
      const limit = checkMaxResults(body.max_results, MLFLOW_LIMITS.searchMaxResultsDefault, MLFLOW_LIMITS.searchMaxResultsThreshold);
      const offset = decodePageToken(body.page_token);
      const filterText = body.filter ?? "";
      const filter = parseRunFilter(filterText);
      if (!filter.ok) throw MlflowError.invalidParameter(`Invalid filter '${filterText}': ${filter.message} (at character ${filter.position + 1})`);
      for (const clause of filter.clauses) {
        const problem = (clause.op === "LIKE" || clause.op === "ILIKE") && typeof clause.value === "string" ? checkLikePattern(clause.value) : null;
        if (problem) throw MlflowError.invalidParameter(`Invalid filter '${filterText}': ${problem}`);
      }
      const orderBy: OrderBy[] = (body.order_by ?? []).map((text) => {
        const order = parseOrderBy(text);
        if (!order.ok) throw MlflowError.invalidParameter(`Invalid order_by clause '${text}': ${order.message}`);
        return order.value;
      });
      // MLflow's order: the ones asked for, then start_time DESC, then the run id.
      if (!orderBy.some((o) => o.entity === "attribute" && o.key === "start_time")) orderBy.push({ entity: "attribute", key: "start_time", desc: true });
      if (body.run_view_type === "DELETED_ONLY") return EMPTY;
      const experimentIds = await searchExperimentIds(db, projectId, body.experiment_ids ?? []);
      const { runs } = await searchRuns(db, { projectId, experimentIds, clauses: filter.clauses, orderBy, offset, limit: limit + 1 });
      const page = runs.slice(0, limit);
      return {
        ...(page.length > 0 ? { runs: page.map((r) => runView(r, r.metrics)) } : {}),
        ...(runs.length > limit ? { next_page_token: encodePageToken(offset + limit) } : {}),
      };
    });

    // ---- logging --------------------------------------------------------------------------

    const log = async (request: AnyRequest, runId: string, batch: RunLogBatch) => {
      const { id: projectId } = await project(request);
      const run = await runById(db, projectId, runId);
      await logToRun(db, run.id, batch, { conflictingParams: "reject" });
      return EMPTY;
    };

    app.post("/runs/log-metric", { config: { access: { ...access.editor, runToken: "write" } }, schema: { ...hidden, body: LogMetricBody } }, async (request) => {
      const { key, value, timestamp, step } = request.body;
      checkKey("metric", key, "key");
      checkTimestamp(timestamp, "timestamp");
      return log(request, runIdOf(request.body), { metrics: [{ key, value, timestamp, step: step ?? 0 }] });
    });

    app.post("/runs/log-parameter", { config: { access: { ...access.editor, runToken: "write" } }, schema: { ...hidden, body: LogParamBody } }, async (request) => {
      const { key } = request.body;
      const value = request.body.value ?? "";
      checkKey("param", key, "key");
      if ([...value].length > TRACKING_LIMITS.paramValueLength) {
        throw MlflowError.invalidParameter(`Param value '${value.slice(0, 250)}' had length ${[...value].length}, which exceeded length limit of ${TRACKING_LIMITS.paramValueLength}`);
      }
      return log(request, runIdOf(request.body), { params: { [key]: value } });
    });

    app.post("/runs/set-tag", { config: { access: { ...access.editor, runToken: "write" } }, schema: { ...hidden, body: SetTagBody } }, async (request) => {
      const tags = tagRecord([{ key: request.body.key, value: request.body.value }], "tags");
      return log(request, runIdOf(request.body), { tags: Object.fromEntries(tags) });
    });

    app.post("/runs/log-batch", { config: { access: { ...access.editor, runToken: "write" } }, schema: { ...hidden, body: LogBatchBody } }, async (request) => {
      const { run_id } = request.body;
      const m = request.body.metrics ?? [];
      const p = request.body.params ?? [];
      const t = request.body.tags ?? [];
      batchLimit("metrics", TRACKING_LIMITS.batchMetrics, m.length);
      batchLimit("params", TRACKING_LIMITS.batchParams, p.length);
      batchLimit("tags", TRACKING_LIMITS.batchTags, t.length);
      batchLimit("metrics, params, and tags", TRACKING_LIMITS.batchTotal, m.length + p.length + t.length);
      m.forEach((metric, i) => {
        checkKey("metric", metric.key, `metrics[${i}].key`);
        checkTimestamp(metric.timestamp, `metrics[${i}].timestamp`);
      });
      const paramRecord: Record<string, string> = {};
      const seen = new Set<string>();
      const duplicates = new Set<string>();
      p.forEach((param, i) => {
        checkKey("param", param.key, `params[${i}].key`);
        if (seen.has(param.key)) duplicates.add(param.key);
        seen.add(param.key);
        Object.defineProperty(paramRecord, param.key, { value: param.value ?? "", enumerable: true, writable: true, configurable: true });
      });
      if (duplicates.size > 0) {
        throw MlflowError.invalidParameter(
          `Duplicate parameter keys have been submitted: ${JSON.stringify([...duplicates])}. Please ensure the request contains only one param value per param key.`,
        );
      }
      const tagMap = tagRecord(t, "tags");
      return log(request, run_id, {
        metrics: m.map((metric) => ({ key: metric.key, value: metric.value, timestamp: metric.timestamp, step: metric.step ?? 0 })),
        params: paramRecord,
        tags: Object.fromEntries(tagMap),
      });
    });

    app.get("/metrics/get-history", { config: { access: { ...access.viewer, runToken: "read" } }, schema: { ...hidden, querystring: GetMetricHistoryQuery } }, async (request) => {
      const { id: projectId } = await project(request);
      const query = request.query;
      const run = await runById(db, projectId, runIdOf(query));
      // MLflow's client pages by 25,000 (GET_METRIC_HISTORY_MAX_RESULTS); larger pages are cut to that.
      const asked = checkMaxResults(query.max_results, MLFLOW_LIMITS.metricHistoryMaxResults, Number.MAX_SAFE_INTEGER);
      const limit = Math.min(asked, MLFLOW_LIMITS.metricHistoryMaxResults);
      const offset = decodePageToken(query.page_token);
      const { points, more } = await metricHistory(db, run.id, query.metric_key, offset, limit);
      return {
        ...(points.length > 0 ? { metrics: points } : {}),
        ...(more ? { next_page_token: encodePageToken(offset + limit) } : {}),
      };
    });

    // ---- model registry (in this context: same parser, serializer and errors) ---------------
    await app.register(registryRoutes(deps));
  };

/** Registers the MLflow API for the default project and, per project, under /projects/:project. */
export const mlflowApi =
  (deps: ApiDeps) =>
  async (app: FastifyInstance): Promise<void> => {
    await app.register(routes(deps), { prefix: MLFLOW_PREFIX });
    await app.register(routes(deps), { prefix: PROJECT_MLFLOW_PREFIX });
  };

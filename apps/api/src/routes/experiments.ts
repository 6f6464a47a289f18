import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { validationFailed } from "@trellis/engine";
import { parseOrderBy, parseRunFilter, type OrderBy } from "@trellis/tracking";
import type { ApiDeps } from "../deps.js";
import {
  CompareQuery,
  CompareResponse,
  Experiment,
  ExperimentColumns,
  ExperimentParams,
  ExperimentRun,
  ExperimentRunsQuery,
  ExperimentSummary,
  MetricHistoryQuery,
  MetricHistoryResponse,
  ProjectParams,
  errorResponses,
} from "../http/schemas.js";
import { compareRuns, experimentColumns, experimentRunView, getExperiment, listExperiments, metricHistories, requireExperiment } from "../queries/experiments.js";
import { searchRuns } from "../queries/run-search.js";
import { access, projectOf } from "../http/access.js";

/** Parses the filter and orderings of a runs query; errors name the parameter and the character. */
export function parseRunQuery(filter: string, orderBy: string[], where = "query") {
  const parsed = parseRunFilter(filter);
  if (!parsed.ok) throw validationFailed(`invalid filter: ${parsed.message}`, [{ path: `${where}.filter`, message: `${parsed.message} (at character ${parsed.position + 1})` }]);
  const orders: OrderBy[] = orderBy.map((text, i) => {
    const order = parseOrderBy(text);
    if (!order.ok) throw validationFailed(`invalid orderBy: ${order.message}`, [{ path: `${where}.orderBy[${i}]`, message: order.message }]);
    return order.value;
  });
  return { clauses: parsed.clauses, orderBy: orders };
}

export const experimentRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/projects/:project/experiments",
      {
      config: { access: access.viewer }, schema: { tags: ["experiments"], summary: "List experiments, most recently run first", params: ProjectParams, response: { 200: z.object({ items: z.array(ExperimentSummary) }), ...errorResponses } } },
      async (request) => listExperiments(deps.db, projectOf(request).id),
    );

    app.get(
      "/projects/:project/experiments/:id",
      {
      config: { access: access.viewer }, schema: { tags: ["experiments"], summary: "Get an experiment", params: ExperimentParams, response: { 200: Experiment, ...errorResponses } } },
      async (request) => getExperiment(deps.db, projectOf(request).id, request.params.id),
    );

    app.get(
      "/projects/:project/experiments/:id/columns",
      {
        config: { access: access.viewer },
        schema: { tags: ["experiments"], summary: "Param, metric and tag keys used by the experiment's runs", params: ExperimentParams, response: { 200: ExperimentColumns, ...errorResponses } },
      },
      async (request) => experimentColumns(deps.db, projectOf(request).id, request.params.id),
    );

    app.get(
      "/projects/:project/experiments/:id/runs",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["experiments"],
          summary: "Search an experiment's runs",
          description:
            "Filter with MLflow's search syntax (metrics.x > 0.9 and params.lr = 0.01 and tags.t = 'v' and attributes.status = 'FINISHED'), sort by any column, page by offset. total counts every match.",
          params: ExperimentParams,
          querystring: ExperimentRunsQuery,
          response: { 200: z.object({ total: z.number().int(), offset: z.number().int(), items: z.array(ExperimentRun) }), ...errorResponses },
        },
      },
      async (request) => {
        const project = projectOf(request);
        await requireExperiment(deps.db, project.id, request.params.id);
        const { filter, orderBy, offset, limit } = request.query;
        const { runs, total } = await searchRuns(deps.db, { projectId: project.id, experimentIds: [request.params.id], ...parseRunQuery(filter, orderBy), offset, limit, withTotal: true });
        return { total: total ?? 0, offset, items: runs.map(experimentRunView) };
      },
    );

    app.get(
      "/projects/:project/compare",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["experiments"],
          summary: "Compare runs: params, metric summaries and steps of each",
          description: "runs: comma-separated run ids (up to 200), in the order they should be shown. Runs may come from different experiments.",
          params: ProjectParams,
          querystring: CompareQuery,
          response: { 200: CompareResponse, ...errorResponses },
        },
      },
      async (request) => compareRuns(deps.db, projectOf(request).id, request.query.runs),
    );

    app.get(
      "/projects/:project/metrics/history",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["experiments"],
          summary: "Downsampled metric histories for charts",
          description:
            "Each series has at most maxPoints points: step ranges with the latest value and the min and max of the range. For every logged point, use the MLflow-compatible metrics/get-history.",
          params: ProjectParams,
          querystring: MetricHistoryQuery,
          response: { 200: MetricHistoryResponse, ...errorResponses },
        },
      },
      async (request, reply) => {
        const project = projectOf(request);
        const { runs, keys, maxPoints, envelope } = request.query;
        const body = await metricHistories(deps.db, project.id, runs, keys, maxPoints, envelope);
        // Serialised directly: validating ~10^5 numbers against the schema would cost more than the query.
        return reply.type("application/json; charset=utf-8").serializer((payload) => JSON.stringify(payload)).send(body);
      },
    );
  };

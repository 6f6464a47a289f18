import type { ExperimentRunsQuery, LineageDirection, RunListFilters } from "./api-types";

/**
 * The ONE React Query key factory. Keys are hierarchical so that invalidating a prefix
 * (e.g. `queryKeys.runs(project)`) refreshes every list page and every run detail below it.
 * Never build query keys inline elsewhere.
 */
export const queryKeys = {
  all: ["trellis"] as const,

  /** Who is signed in and how the server signs in (public); sign-in and sign-out reset the whole cache. */
  auth: () => [...queryKeys.all, "auth"] as const,
  authStatus: () => [...queryKeys.auth(), "status"] as const,
  me: () => [...queryKeys.auth(), "me"] as const,

  /** The projects the caller can see, each with the caller's role. */
  projects: () => [...queryKeys.all, "projects"] as const,
  /** Live workers: not per project (every project's steps run on the same workers). */
  workers: () => [...queryKeys.all, "workers"] as const,
  project: (project: string) => [...queryKeys.all, "project", project] as const,
  /**
   * The project itself with the caller's role, which decides what the UI offers. Under the
   * project's access prefix, so any change to its members or tokens refreshes it too.
   */
  projectDetail: (project: string) => [...queryKeys.project(project), "access", "detail"] as const,

  pipelines: (project: string) => [...queryKeys.project(project), "pipelines"] as const,
  pipeline: (project: string, name: string) => [...queryKeys.pipelines(project), "detail", name] as const,
  pipelineVersion: (project: string, name: string, version: number) =>
    [...queryKeys.pipeline(project, name), "version", version] as const,

  runs: (project: string) => [...queryKeys.project(project), "runs"] as const,
  runLists: (project: string) => [...queryKeys.runs(project), "list"] as const,
  runList: (project: string, filters: RunListFilters, cursor: string | null, limit: number) =>
    [
      ...queryKeys.runLists(project),
      // Normalise so that equivalent filters share a cache entry regardless of selection order.
      { status: [...filters.status].sort(), pipeline: filters.pipeline, cursor, limit },
    ] as const,
  run: (project: string, id: string) => [...queryKeys.runs(project), "detail", id] as const,
  stepLogs: (project: string, runId: string, step: string, attempt: number) =>
    [...queryKeys.run(project, runId), "logs", step, attempt] as const,
  runArtifacts: (project: string, runId: string) => [...queryKeys.run(project, runId), "artifacts"] as const,
  runLineage: (project: string, runId: string) => [...queryKeys.run(project, runId), "lineage"] as const,
  /** The environment an attempt ran in; the digest is part of the key (it is recorded once, then never changes). */
  stepEnvironment: (project: string, runId: string, step: string, attempt: number, digest: string | null) =>
    [...queryKeys.run(project, runId), "environment", step, attempt, digest ?? ""] as const,
  /** A dry run of deleting the run: what it would free. */
  runDeletePreview: (project: string, runId: string) => [...queryKeys.run(project, runId), "delete-preview"] as const,

  artifacts: (project: string) => [...queryKeys.project(project), "artifacts"] as const,
  artifact: (project: string, id: string) => [...queryKeys.artifacts(project), "detail", id] as const,
  /** Content is addressed by digest: a preview never changes. */
  artifactPreview: (project: string, id: string, path: string | null) => [...queryKeys.artifact(project, id), "preview", path ?? ""] as const,
  artifactLineage: (project: string, id: string, direction: LineageDirection, depth: number) =>
    [...queryKeys.artifact(project, id), "lineage", direction, depth] as const,

  experiments: (project: string) => [...queryKeys.project(project), "experiments"] as const,
  experimentList: (project: string) => [...queryKeys.experiments(project), "list"] as const,
  experiment: (project: string, id: number) => [...queryKeys.experiments(project), "detail", id] as const,
  experimentColumns: (project: string, id: number) => [...queryKeys.experiment(project, id), "columns"] as const,
  /** Every window of every search of one experiment's runs (invalidate after a run starts). */
  experimentRunSearches: (project: string, id: number) => [...queryKeys.experiment(project, id), "runs"] as const,
  experimentRunWindow: (project: string, id: number, q: ExperimentRunsQuery, offset: number, limit: number) =>
    [...queryKeys.experimentRunSearches(project, id), { filter: q.filter.trim(), orderBy: q.orderBy, offset, limit }] as const,

  /** Comparisons and metric histories read runs of any experiment: grouped under runs for invalidation. */
  compare: (project: string, runIds: string[]) => [...queryKeys.runs(project), "compare", runIds.join(",")] as const,
  metricHistory: (project: string, runIds: string[], key: string, maxPoints: number) =>
    [...queryKeys.runs(project), "metric-history", key, maxPoints, runIds.join(",")] as const,

  /** Every registry read of a project: any registry change invalidates this prefix. */
  models: (project: string) => [...queryKeys.project(project), "models"] as const,
  modelList: (project: string, q: string) => [...queryKeys.models(project), "list", q.trim()] as const,
  model: (project: string, name: string) => [...queryKeys.models(project), "detail", name] as const,
  /** The audit trail, page by page (an infinite query). */
  modelEvents: (project: string, name: string) => [...queryKeys.model(project, name), "events"] as const,
  /** A dry run of promoting a version to Production. */
  modelGates: (project: string, name: string, version: number) => [...queryKeys.model(project, name), "gates", version] as const,

  webhooks: (project: string) => [...queryKeys.project(project), "webhooks"] as const,
  webhookList: (project: string) => [...queryKeys.webhooks(project), "list"] as const,
  webhookDeliveries: (project: string, id: string) => [...queryKeys.webhooks(project), "deliveries", id] as const,

  /** Every schedule read of a project (lists, details, histories, backfills). */
  schedules: (project: string) => [...queryKeys.project(project), "schedules"] as const,
  scheduleList: (project: string) => [...queryKeys.schedules(project), "list"] as const,
  schedule: (project: string, id: string) => [...queryKeys.schedules(project), "detail", id] as const,
  /** The run history, page by page (an infinite query). */
  scheduledRuns: (project: string, id: string) => [...queryKeys.schedule(project, id), "runs"] as const,
  backfills: (project: string, id: string) => [...queryKeys.schedule(project, id), "backfills"] as const,
  /** Fire times of a trigger being edited (not tied to a saved schedule). */
  schedulePreview: (project: string, body: unknown) => [...queryKeys.schedules(project), "preview", body] as const,
};

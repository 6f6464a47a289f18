"use client";

import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQueries,
  useQuery,
  useQueryClient,
  type QueryClient,
  type UseQueryResult,
} from "@tanstack/react-query";
import { api } from "./api";
import type {
  CreateProjectRequest,
  CreateModelRequest,
  CreateModelVersionRequest,
  CreateWebhookRequest,
  StageTransitionRequest,
  UpdateModelRequest,
  DeleteRunsRequest,
  LineageDirection,
  ExperimentRunsPage,
  ExperimentRunsQuery,
  MetricSeries,
  RerunRequest,
  RetryRequest,
  RunDetail,
  RunListFilters,
  StartRunRequest,
  UpdateRunRequest,
  BackfillRequest,
  Schedule,
  ScheduledRun,
  SchedulePreviewRequest,
  ScheduleRequest,
} from "./api-types";
import { isActiveRunStatus } from "./api-types";
import { queryKeys } from "./query-keys";
import { useHydrated } from "./use-hydrated";

/** Workers page refresh interval. */
export const WORKERS_POLL_MS = 2000;
/** Run detail polling interval while the run is queued/running. */
export const RUN_POLL_MS = 1000;
/** Runs list refresh interval while any visible run is queued/running. */
export const RUN_LIST_POLL_MS = 3000;
export const RUNS_PAGE_SIZE = 50;

/**
 * The projects list, a project's detail and who is signed in are read by the top bar and by the
 * page, which hydrate at different times: the query can answer between the two. Until this
 * component has hydrated it reads as still loading, so it renders what the server did and React
 * keeps the server's HTML.
 */
function untilHydrated<T>(result: UseQueryResult<T>, hydrated: boolean): UseQueryResult<T> {
  if (hydrated) return result;
  return { ...result, data: undefined, error: null, status: "pending", isPending: true, isLoading: true, isSuccess: false, isError: false } as UseQueryResult<T>;
}

export function useProjects() {
  const result = useQuery({
    queryKey: queryKeys.projects(),
    queryFn: ({ signal }) => api.listProjects(signal),
    staleTime: 60_000,
  });
  return untilHydrated(result, useHydrated());
}

/** The project and the caller's role on it (404 when the caller cannot see it). */
export function useProject(project: string, enabled = true) {
  const result = useQuery({
    queryKey: queryKeys.projectDetail(project),
    queryFn: ({ signal }) => api.getProject(project, signal),
    staleTime: 30_000,
    enabled,
  });
  return untilHydrated(result, useHydrated());
}

export function useCreateProject() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateProjectRequest) => api.createProject(body),
    onSuccess: (project) => {
      qc.setQueryData(queryKeys.projectDetail(project.name), project);
      void qc.invalidateQueries({ queryKey: queryKeys.projects() });
      void qc.invalidateQueries({ queryKey: queryKeys.me() });
    },
  });
}

/** How this server signs in (public: the sign-in and setup pages read it before anyone is signed in). */
export function useAuthStatus() {
  return useQuery({
    queryKey: queryKeys.authStatus(),
    queryFn: ({ signal }) => api.authStatus(signal),
    staleTime: 60_000,
  });
}

/** Who is signed in (a 401 sends the browser to the sign-in page). */
export function useMe() {
  const result = useQuery({
    queryKey: queryKeys.me(),
    queryFn: ({ signal }) => api.me(signal),
    staleTime: 30_000,
  });
  return untilHydrated(result, useHydrated());
}

export function usePipelines(project: string) {
  return useQuery({
    queryKey: queryKeys.pipelines(project),
    queryFn: ({ signal }) => api.listPipelines(project, signal),
  });
}

export function usePipeline(project: string, name: string | null) {
  return useQuery({
    queryKey: queryKeys.pipeline(project, name ?? ""),
    queryFn: ({ signal }) => api.getPipeline(project, name!, signal),
    enabled: !!name,
  });
}

export function usePipelineVersion(project: string, name: string | null, version: number | null) {
  return useQuery({
    queryKey: queryKeys.pipelineVersion(project, name ?? "", version ?? 0),
    queryFn: ({ signal }) => api.getPipelineVersion(project, name!, version!, signal),
    enabled: !!name && version !== null,
    // A pushed version is immutable.
    staleTime: Infinity,
  });
}

export function useRunList(project: string, filters: RunListFilters, cursor: string | null) {
  return useQuery({
    queryKey: queryKeys.runList(project, filters, cursor, RUNS_PAGE_SIZE),
    queryFn: ({ signal }) => api.listRuns(project, filters, { cursor, limit: RUNS_PAGE_SIZE }, signal),
    // Keep showing the previous page while the next one (or a new filter) loads: no table flash.
    placeholderData: keepPreviousData,
    // Only poll while something on *this* page can still change; one page = at most 50 rows.
    refetchInterval: (q) =>
      q.state.data?.items.some((r) => isActiveRunStatus(r.status)) ? RUN_LIST_POLL_MS : false,
  });
}

export function useRun(project: string, id: string) {
  return useQuery({
    queryKey: queryKeys.run(project, id),
    queryFn: ({ signal }) => api.getRun(project, id, signal),
    // Poll every second while queued/running; returning false stops polling once terminal.
    refetchInterval: (q) => {
      const status = q.state.data?.status;
      return status && isActiveRunStatus(status) ? RUN_POLL_MS : false;
    },
    refetchIntervalInBackground: false,
  });
}

/** A new run exists: seed its detail and refresh every list that may show it. */
function onRunStarted(qc: QueryClient, project: string, run: RunDetail) {
  qc.setQueryData(queryKeys.run(project, run.id), run);
  void qc.invalidateQueries({ queryKey: queryKeys.runLists(project) });
  // lastRun on the pipelines list changed.
  void qc.invalidateQueries({ queryKey: queryKeys.pipelines(project) });
  // Run counts of the experiments list, and the experiment's runs table.
  void qc.invalidateQueries({ queryKey: queryKeys.experiments(project) });
}

export function useStartRun(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: StartRunRequest) => api.startRun(project, body),
    onSuccess: (run: RunDetail) => onRunStarted(qc, project, run),
  });
}

/** New run of the same pipeline version in the same experiment, linked to its origin. */
export function useRerunRun(project: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: RerunRequest) => api.rerunRun(project, id, body),
    onSuccess: (run: RunDetail) => onRunStarted(qc, project, run),
  });
}

/** New run that runs only the failed, cancelled and skipped steps again. */
export function useRetryRun(project: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: RetryRequest) => api.retryRun(project, id, body),
    onSuccess: (run: RunDetail) => onRunStarted(qc, project, run),
  });
}

export function useUpdateRun(project: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateRunRequest) => api.updateRun(project, id, body),
    onSuccess: (run: RunDetail) => {
      qc.setQueryData(queryKeys.run(project, id), run);
      void qc.invalidateQueries({ queryKey: queryKeys.experiments(project) });
      void qc.invalidateQueries({ queryKey: queryKeys.runLists(project) });
    },
  });
}

// ---------------------------------------------------------------- experiments

export function useExperiments(project: string) {
  return useQuery({
    queryKey: queryKeys.experimentList(project),
    queryFn: ({ signal }) => api.listExperiments(project, signal),
  });
}

export function useExperiment(project: string, id: number) {
  return useQuery({
    queryKey: queryKeys.experiment(project, id),
    queryFn: ({ signal }) => api.getExperiment(project, id, signal),
  });
}

/** `live`: some run of the experiment is still running, so new keys may appear; refresh now and then. */
export function useExperimentColumns(project: string, id: number, live = false) {
  return useQuery({
    queryKey: queryKeys.experimentColumns(project, id),
    queryFn: ({ signal }) => api.getExperimentColumns(project, id, signal),
    refetchInterval: live ? 10_000 : false,
  });
}

/** Rows per server page of the experiment's runs table; the table fetches the windows it shows. */
export const EXPERIMENT_RUNS_WINDOW = 100;

const hasActiveRun = (page: ExperimentRunsPage | undefined) => !!page?.items.some((r) => isActiveRunStatus(r.status));

/**
 * The first window (rows 0–99) of an experiment's run search. It carries `total`, and keeps
 * showing the previous search's rows (as placeholder data) while a new filter or sort loads.
 * A window with queued or running runs refreshes itself.
 */
export function useExperimentRunsFirstWindow(project: string, id: number, q: ExperimentRunsQuery) {
  return useQuery({
    queryKey: queryKeys.experimentRunWindow(project, id, q, 0, EXPERIMENT_RUNS_WINDOW),
    queryFn: ({ signal }) => api.searchExperimentRuns(project, id, q, { offset: 0, limit: EXPERIMENT_RUNS_WINDOW }, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (hasActiveRun(query.state.data) ? RUN_LIST_POLL_MS : false),
  });
}

/**
 * Further windows (offsets > 0) of the same search, fetched as they scroll into view. Enabled
 * only once the first window has answered for this search, so an invalid filter fails once.
 */
export function useExperimentRunWindows(project: string, id: number, q: ExperimentRunsQuery, offsets: number[], enabled: boolean) {
  return useQueries({
    queries: offsets.map((offset) => ({
      queryKey: queryKeys.experimentRunWindow(project, id, q, offset, EXPERIMENT_RUNS_WINDOW),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api.searchExperimentRuns(project, id, q, { offset, limit: EXPERIMENT_RUNS_WINDOW }, signal),
      enabled,
      staleTime: 30_000,
      refetchInterval: (query: { state: { data?: ExperimentRunsPage } }) =>
        hasActiveRun(query.state.data) ? RUN_LIST_POLL_MS : false,
    })),
  });
}

const compareHasActiveRun = (runs: { status: RunDetail["status"] }[] | undefined) =>
  !!runs?.some((r) => isActiveRunStatus(r.status));

export function useCompare(project: string, runIds: string[]) {
  return useQuery({
    queryKey: queryKeys.compare(project, runIds),
    queryFn: ({ signal }) => api.compareRuns(project, runIds, signal),
    enabled: runIds.length > 0,
    // Removing a run from the comparison keeps the table in place while the new answer loads.
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (compareHasActiveRun(query.state.data?.runs) ? RUN_LIST_POLL_MS : false),
  });
}

/**
 * Downsampled histories, one query per metric key (toggling a chart does not refetch the
 * others). `live` polls while some of the runs are still running.
 */
export function useMetricHistories(project: string, runIds: string[], keys: string[], maxPoints: number, live: boolean) {
  return useQueries({
    queries: keys.map((key) => ({
      queryKey: queryKeys.metricHistory(project, runIds, key, maxPoints),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.metricHistory(project, runIds, [key], maxPoints, signal),
      enabled: runIds.length > 0,
      placeholderData: keepPreviousData,
      refetchInterval: live ? RUN_LIST_POLL_MS : (false as const),
    })),
    combine: (results) =>
      keys.map((key, i) => {
        const r = results[i]!;
        return {
          key,
          series: (r.data?.series ?? []) as MetricSeries[],
          isPending: r.isPending,
          error: r.error,
          refetch: r.refetch,
        };
      }),
  });
}

export function useCancelRun(project: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.cancelRun(project, id),
    onSuccess: (run: RunDetail) => {
      qc.setQueryData(queryKeys.run(project, id), run);
      void qc.invalidateQueries({ queryKey: queryKeys.runLists(project) });
    },
    onError: () => {
      // 409 means it finished meanwhile: refresh so the header shows the real status.
      void qc.invalidateQueries({ queryKey: queryKeys.run(project, id) });
    },
  });
}

/** The API takes up to 50 metric keys per history request. */
const HISTORY_KEYS_PER_REQUEST = 50;

/** Downsampled histories of every metric of one run (the run page's small charts), in few requests. */
export function useRunMetricHistory(project: string, runId: string, keys: string[], maxPoints: number, live: boolean) {
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += HISTORY_KEYS_PER_REQUEST) chunks.push(keys.slice(i, i + HISTORY_KEYS_PER_REQUEST));
  return useQueries({
    queries: chunks.map((chunk) => ({
      queryKey: queryKeys.metricHistory(project, [runId], chunk.join("\u0000"), maxPoints),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.metricHistory(project, [runId], chunk, maxPoints, signal),
      placeholderData: keepPreviousData,
      refetchInterval: live ? RUN_POLL_MS * 3 : (false as const),
    })),
    combine: (results) => ({
      series: results.flatMap((r) => r.data?.series ?? []) as MetricSeries[],
      isPending: results.some((r) => r.isPending),
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
}

// ---------------------------------------------------------------- artifacts and lineage

/** A run's artifacts: refreshed while the run is active (steps add outputs as they finish). */
export function useRunArtifacts(project: string, runId: string, live: boolean) {
  return useQuery({
    queryKey: queryKeys.runArtifacts(project, runId),
    queryFn: ({ signal }) => api.getRunArtifacts(project, runId, signal),
    refetchInterval: live ? RUN_POLL_MS * 2 : false,
  });
}

export function useRunLineage(project: string, runId: string, live: boolean) {
  return useQuery({
    queryKey: queryKeys.runLineage(project, runId),
    queryFn: ({ signal }) => api.getRunLineage(project, runId, signal),
    placeholderData: keepPreviousData,
    refetchInterval: live ? RUN_POLL_MS * 2 : false,
  });
}

export function useArtifact(project: string, id: string) {
  return useQuery({
    queryKey: queryKeys.artifact(project, id),
    queryFn: ({ signal }) => api.getArtifact(project, id, signal),
  });
}

export function useArtifactPreview(project: string, id: string | null, path: string | null) {
  return useQuery({
    queryKey: queryKeys.artifactPreview(project, id ?? "", path),
    queryFn: ({ signal }) => api.getArtifactPreview(project, id!, path, signal),
    enabled: !!id,
    // Content is addressed by its digest and never changes.
    staleTime: Infinity,
  });
}

/** `enabled`: once the artifact itself has loaded (an unknown id fails once, not twice). */
export function useArtifactLineage(project: string, id: string, direction: LineageDirection, depth: number, enabled = true) {
  return useQuery({
    queryKey: queryKeys.artifactLineage(project, id, direction, depth),
    queryFn: ({ signal }) => api.getArtifactLineage(project, id, direction, depth, signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** What deleting a run would free (a dry run): asked when the delete dialog opens. */
export function useDeleteRunPreview(project: string, runId: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.runDeletePreview(project, runId),
    queryFn: () => api.deleteRuns(project, { runIds: [runId], dryRun: true }),
    enabled,
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });
}

export function useDeleteRuns(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: DeleteRunsRequest) => api.deleteRuns(project, body),
    // The deleted run's own queries are left alone: its page is still mounted until the caller
    // navigates away, and a refetch now would only answer 404.
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.runLists(project) });
      void qc.invalidateQueries({ queryKey: queryKeys.experiments(project) });
      void qc.invalidateQueries({ queryKey: queryKeys.pipelines(project) });
      void qc.invalidateQueries({ queryKey: queryKeys.artifacts(project) });
    },
  });
}

// ---------------------------------------------------------------- resources and workers

/**
 * The environment of one attempt, fetched only when `enabled` (the panel's section is open).
 * Recorded once per attempt, so it is cached for good; a 404 ("not recorded") is an answer, not retried.
 */
export function useStepEnvironment(
  project: string,
  runId: string,
  step: string,
  attempt: number,
  digest: string | null,
  enabled: boolean,
) {
  return useQuery({
    queryKey: queryKeys.stepEnvironment(project, runId, step, attempt, digest),
    queryFn: ({ signal }) => api.getStepEnvironment(project, runId, step, attempt, signal),
    enabled: enabled && attempt > 0,
    staleTime: Infinity,
  });
}

/** Live workers, refreshed every 2 s while the page is visible. */
export function useWorkers() {
  return useQuery({
    queryKey: queryKeys.workers(),
    queryFn: ({ signal }) => api.listWorkers(signal),
    refetchInterval: WORKERS_POLL_MS,
    refetchIntervalInBackground: false,
  });
}

// ---------------------------------------------------------------- model registry

/** Audit trail page size. */
export const MODEL_EVENTS_PAGE = 50;
/** Delivery log refresh while some delivery is still pending (retries with backoff). */
export const WEBHOOK_POLL_MS = 3000;

export function useModels(project: string, q = "") {
  return useQuery({
    queryKey: queryKeys.modelList(project, q),
    queryFn: ({ signal }) => api.listModels(project, q, signal),
    // Typing in the search box keeps the previous rows until the new answer arrives.
    placeholderData: keepPreviousData,
  });
}

export function useModel(project: string, name: string) {
  return useQuery({
    queryKey: queryKeys.model(project, name),
    queryFn: ({ signal }) => api.getModel(project, name, signal),
  });
}

/** The audit trail, newest first, an older page at a time. */
export function useModelEvents(project: string, name: string, enabled = true) {
  return useInfiniteQuery({
    queryKey: queryKeys.modelEvents(project, name),
    queryFn: ({ pageParam, signal }) => api.listModelEvents(project, name, { before: pageParam, limit: MODEL_EVENTS_PAGE }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    enabled,
  });
}

/** The gate dry run of promoting `version` to Production; fetched while `enabled` (the dialog targets Production). */
export function useModelGates(project: string, name: string, version: number, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.modelGates(project, name, version),
    queryFn: ({ signal }) => api.checkModelGates(project, name, version, signal),
    enabled,
    // Metrics and the Production version change: always ask again when the dialog opens.
    staleTime: 0,
  });
}

/**
 * After any registry change: every list, detail, audit trail and dry run of the project's
 * models, and the webhooks (the change may have queued deliveries).
 */
function invalidateModels(qc: QueryClient, project: string) {
  return Promise.all([
    qc.invalidateQueries({ queryKey: queryKeys.models(project) }),
    qc.invalidateQueries({ queryKey: queryKeys.webhooks(project) }),
  ]);
}

export function useCreateModel(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateModelRequest) => api.createModel(project, body),
    onSuccess: (model) => {
      qc.setQueryData(queryKeys.model(project, model.name), model);
      void invalidateModels(qc, project);
    },
  });
}

export function useUpdateModel(project: string, name: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateModelRequest) => api.updateModel(project, name, body),
    onSuccess: () => invalidateModels(qc, project),
  });
}

export function useDeleteModel(project: string, name: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.deleteModel(project, name),
    // The page navigates away; refreshing the deleted model itself would only answer 404.
    onSuccess: () => {
      qc.removeQueries({ queryKey: queryKeys.model(project, name) });
      void qc.invalidateQueries({ queryKey: [...queryKeys.models(project), "list"] });
    },
  });
}

/** Registers a run's artifact output as a new version of `name` (the model is created if missing). */
export function useRegisterModelVersion(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, body }: { name: string; body: CreateModelVersionRequest }) => api.createModelVersion(project, name, body),
    onSuccess: () => invalidateModels(qc, project),
  });
}

export function useDeleteModelVersion(project: string, name: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (version: number) => api.deleteModelVersion(project, name, version),
    onSuccess: () => invalidateModels(qc, project),
  });
}

export function useTransitionModelVersion(project: string, name: string, version: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: StageTransitionRequest) => api.transitionModelVersion(project, name, version, body),
    onSuccess: () => invalidateModels(qc, project),
    // 409: blocked by a gate, or the version moved meanwhile: show the current state either way.
    onError: () => invalidateModels(qc, project),
  });
}

export function useSetModelAlias(project: string, name: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ alias, version }: { alias: string; version: number }) => api.setModelAlias(project, name, alias, version),
    onSuccess: () => invalidateModels(qc, project),
  });
}

export function useDeleteModelAlias(project: string, name: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (alias: string) => api.deleteModelAlias(project, name, alias),
    onSuccess: () => invalidateModels(qc, project),
  });
}

export function useWebhooks(project: string) {
  return useQuery({
    queryKey: queryKeys.webhookList(project),
    queryFn: ({ signal }) => api.listWebhooks(project, signal),
    // lastDelivery changes as the worker delivers.
    refetchInterval: (q) => (q.state.data?.items.some((w) => w.lastDelivery?.status === "pending") ? WEBHOOK_POLL_MS : false),
  });
}

export function useCreateWebhook(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateWebhookRequest) => api.createWebhook(project, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks(project) }),
  });
}

export function useDeleteWebhook(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.deleteWebhook(project, id),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks(project) }),
  });
}

/** One webhook's delivery log; refreshed while a delivery is pending (being retried). */
export function useWebhookDeliveries(project: string, id: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.webhookDeliveries(project, id),
    queryFn: ({ signal }) => api.listWebhookDeliveries(project, id, signal),
    enabled,
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === "pending") ? WEBHOOK_POLL_MS : false),
  });
}

export function useRedeliverWebhook(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (deliveryId: string) => api.redeliverWebhook(project, deliveryId),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks(project) }),
  });
}

// ---------------------------------------------------------------- schedules and backfills

/** Schedules list refresh: next fire times and last runs move on their own. */
export const SCHEDULES_POLL_MS = 10_000;
/** A schedule page refreshes this often (its history grows as it fires). */
export const SCHEDULE_POLL_MS = 5_000;
/** While a backfill or a run of the schedule is in flight. */
export const SCHEDULE_ACTIVE_POLL_MS = 2_000;
export const SCHEDULED_RUNS_PAGE = 50;

export function useSchedules(project: string) {
  return useQuery({
    queryKey: queryKeys.scheduleList(project),
    queryFn: ({ signal }) => api.listSchedules(project, signal),
    refetchInterval: SCHEDULES_POLL_MS,
    refetchIntervalInBackground: false,
  });
}

const scheduleIsBusy = (s: Schedule | undefined) => !!s && (s.activeBackfills > 0 || (!!s.lastRun && isActiveRunStatus(s.lastRun.status)));

export function useSchedule(project: string, id: string) {
  return useQuery({
    queryKey: queryKeys.schedule(project, id),
    queryFn: ({ signal }) => api.getSchedule(project, id, signal),
    refetchInterval: (q) => (q.state.error ? false : scheduleIsBusy(q.state.data) ? SCHEDULE_ACTIVE_POLL_MS : SCHEDULE_POLL_MS),
    refetchIntervalInBackground: false,
  });
}

const scheduledRunIsLive = (r: ScheduledRun) => r.state === "starting" || r.state === "waiting" || (!!r.run && isActiveRunStatus(r.run.status));

/** The schedule's run history, newest first, an older page at a time; polls faster while something is in flight (or `live`). */
export function useScheduledRuns(project: string, id: string, live: boolean) {
  return useInfiniteQuery({
    queryKey: queryKeys.scheduledRuns(project, id),
    queryFn: ({ pageParam, signal }) => api.listScheduledRuns(project, id, { before: pageParam, limit: SCHEDULED_RUNS_PAGE }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    refetchInterval: (q) =>
      q.state.error ? false : live || q.state.data?.pages[0]?.items.some(scheduledRunIsLive) ? SCHEDULE_ACTIVE_POLL_MS : SCHEDULE_POLL_MS,
    refetchIntervalInBackground: false,
  });
}

export function useBackfills(project: string, id: string) {
  return useQuery({
    queryKey: queryKeys.backfills(project, id),
    queryFn: ({ signal }) => api.listBackfills(project, id, signal),
    refetchInterval: (q) => (q.state.error ? false : q.state.data?.items.some((b) => b.state === "running") ? SCHEDULE_ACTIVE_POLL_MS : SCHEDULE_POLL_MS),
    refetchIntervalInBackground: false,
  });
}

/** Fire times and description of a trigger being edited; `body` null while the form has no valid trigger. */
export function useSchedulePreview(project: string, body: SchedulePreviewRequest | null) {
  return useQuery({
    queryKey: queryKeys.schedulePreview(project, body),
    queryFn: ({ signal }) => api.previewSchedule(project, body!, signal),
    enabled: body !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 30_000,
  });
}

function invalidateSchedules(qc: QueryClient, project: string) {
  return qc.invalidateQueries({ queryKey: queryKeys.schedules(project) });
}

export function useCreateSchedule(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ScheduleRequest) => api.createSchedule(project, body),
    onSuccess: (s) => {
      qc.setQueryData(queryKeys.schedule(project, s.id), s);
      void invalidateSchedules(qc, project);
    },
  });
}

export function useUpdateSchedule(project: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<ScheduleRequest>) => api.updateSchedule(project, id, body),
    onSuccess: (s) => {
      qc.setQueryData(queryKeys.schedule(project, id), s);
      void invalidateSchedules(qc, project);
    },
  });
}

/** Pause or resume any schedule of the project (the list's inline toggle and the schedule page). */
export function useSetSchedulePaused(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, paused }: { id: string; paused: boolean }) => (paused ? api.pauseSchedule(project, id) : api.resumeSchedule(project, id)),
    onSuccess: (s) => {
      qc.setQueryData(queryKeys.schedule(project, s.id), s);
      void invalidateSchedules(qc, project);
    },
    onError: () => invalidateSchedules(qc, project),
  });
}

export function useDeleteSchedule(project: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.deleteSchedule(project, id),
    // The page navigates away; refreshing the deleted schedule would only answer 404.
    onSuccess: () => {
      qc.removeQueries({ queryKey: queryKeys.schedule(project, id) });
      void qc.invalidateQueries({ queryKey: queryKeys.scheduleList(project) });
    },
  });
}

/** Starts a backfill, or (dryRun) lists what it would run. */
export function useCreateBackfill(project: string, scheduleId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: BackfillRequest) => api.createBackfill(project, scheduleId, body),
    onSuccess: (res) => {
      if (!res.backfill) return;
      void qc.invalidateQueries({ queryKey: queryKeys.schedule(project, scheduleId) });
      void qc.invalidateQueries({ queryKey: queryKeys.scheduleList(project) });
      void qc.invalidateQueries({ queryKey: queryKeys.runLists(project) });
    },
  });
}

export function useCancelBackfill(project: string, scheduleId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (backfillId: string) => api.cancelBackfill(project, backfillId),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.schedule(project, scheduleId) });
      void qc.invalidateQueries({ queryKey: queryKeys.runLists(project) });
    },
  });
}

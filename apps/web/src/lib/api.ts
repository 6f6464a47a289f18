import type {
  DeleteRunsRequest,
  DeleteRunsResponse,
  ArtifactDetail,
  ArtifactPreview,
  LineageDirection,
  LineageGraph,
  RunArtifacts,
  ApiErrorBody,
  ApiIssue,
  CompareResponse,
  Experiment,
  ExperimentColumns,
  ExperimentRunsPage,
  ExperimentRunsQuery,
  ExperimentSummary,
  ListResponse,
  MetricHistoryResponse,
  LogPage,
  PipelineDetailResponse,
  PipelineSummary,
  PipelineVersionDetail,
  Project,
  RunDetail,
  RunListFilters,
  RunListResponse,
  RerunRequest,
  RetryRequest,
  StartRunRequest,
  StepEnvironment,
  UpdateRunRequest,
  Worker,
  CreateModelRequest,
  CreateModelVersionRequest,
  CreateWebhookRequest,
  CreatedWebhook,
  GateResult,
  ModelDetail,
  ModelEventsPage,
  ModelSummary,
  ModelVersion,
  StageTransitionRequest,
  StageTransitionResponse,
  UpdateModelRequest,
  Webhook,
  WebhookDelivery,
  Backfill,
  BackfillRequest,
  BackfillResponse,
  Schedule,
  SchedulePreview,
  SchedulePreviewRequest,
  ScheduleRequest,
  ScheduledRunsPage,
  AuthStatus,
  CreateProjectRequest,
  Me,
  SetupRequest,
  SignInRequest,
  SignedInUser,
} from "./api-types";
import { CSRF_COOKIE, CSRF_HEADER, isAuthPage, isMutatingMethod, readCookie, signInHref } from "./auth";

/**
 * Same-origin base path. The route handler at src/app/api/v1/[...path]/route.ts proxies
 * `/api/v1/*` to the API server (TRELLIS_API_URL), so the browser never needs to know where the
 * API lives (and no CORS is involved).
 */
export const API_BASE = "/api/v1";

/** Every failed request surfaces as an ApiError so the UI can render message + issues uniformly. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: ApiIssue[];
  /** From a 429's Retry-After header: how long until the API takes the request again. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, issues: ApiIssue[] = [], retryAfterSeconds: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.issues = issues;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  /** The web server answered but could not reach the API behind it (or the browser can't reach either). */
  get isUnreachable(): boolean {
    return this.status === 0 || this.code === API_UNREACHABLE || this.code === "api_unavailable";
  }
}

/** Code of the proxy's 502 answer when the API behind the web server does not answer. */
export const API_UNREACHABLE = "API_UNREACHABLE";

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const err = (value as { error: unknown }).error;
  return typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string";
}

const enc = encodeURIComponent;

/** `authRedirect: false`: a 401 is the caller's to show (signing in, checking who is signed in). */
export type ApiRequestInit = RequestInit & { authRedirect?: boolean };

/** Set once the browser is on its way to the sign-in page: later 401s must not navigate again. */
let redirectingToSignIn = false;

/**
 * The session is gone (expired, signed out elsewhere, never signed in): go to the sign-in page,
 * which comes back here afterwards. Not from the sign-in and setup pages themselves.
 */
function goToSignIn(): boolean {
  if (typeof window === "undefined" || redirectingToSignIn) return redirectingToSignIn;
  const { pathname, search, hash } = window.location;
  if (isAuthPage(pathname)) return false;
  redirectingToSignIn = true;
  window.location.assign(signInHref(`${pathname}${search}${hash}`));
  return true;
}

/** Retry-After in seconds (the API sends seconds; an HTTP date is converted), or null. */
function retryAfter(res: Response): number | null {
  const value = res.headers.get("retry-after");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

async function request<T>(path: string, init?: ApiRequestInit): Promise<T> {
  const { authRedirect = true, ...fetchInit } = init ?? {};
  // The API refuses a cookie-signed change without the CSRF cookie's value echoed in a header
  // (another site can make the browser send the cookie, but cannot read it).
  const csrf = isMutatingMethod(fetchInit.method) && typeof document !== "undefined" ? readCookie(document.cookie, CSRF_COOKIE) : null;
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, {
      ...fetchInit,
      headers: {
        Accept: "application/json",
        ...(fetchInit.body ? { "Content-Type": "application/json" } : {}),
        ...(csrf ? { [CSRF_HEADER]: csrf } : {}),
        ...fetchInit.headers,
      },
    });
  } catch (err) {
    // Aborts are expected (React Query cancels on unmount); let them propagate untouched.
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "network_error", "Could not reach the Trellis API. Check your connection and try again.");
  }

  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }

  if (!res.ok) {
    if (res.status === 401 && authRedirect && (!isApiErrorBody(body) || body.error.code === "UNAUTHENTICATED") && goToSignIn()) {
      // The page is going away: settle nothing, so no error flashes before it does.
      return new Promise<T>(() => undefined);
    }
    if (isApiErrorBody(body)) {
      const { code, message, issues } = body.error;
      if (code === API_UNREACHABLE) {
        // "cannot reach the Trellis API at http://…": say what to check, keep the URL.
        throw new ApiError(
          res.status,
          code,
          `The web server ${message.replace(/\.$/, "")}. Check that the API server is running and that TRELLIS_API_URL points at it.`,
        );
      }
      throw new ApiError(res.status, code ?? "error", message, Array.isArray(issues) ? issues : [], retryAfter(res));
    }
    // A non-JSON error almost always comes from the proxy: the API is down or unreachable.
    if (res.status === 502 || res.status === 503 || res.status === 504 || res.status === 500) {
      throw new ApiError(
        res.status,
        "api_unavailable",
        `The Trellis API is unavailable (HTTP ${res.status}). Is the API server running?`,
      );
    }
    throw new ApiError(res.status, "http_error", `Request failed with HTTP ${res.status} ${res.statusText}`.trim());
  }

  if (body === undefined) {
    // 204 No Content (deletes) and 202 Accepted without a body are answers, not errors.
    if (res.status === 204 || res.status === 202) return undefined as T;
    throw new ApiError(res.status, "invalid_response", "The API returned an empty or non-JSON response.");
  }
  return body as T;
}

/** The one fetch wrapper, for API modules next to this one (lib/access-api.ts). */
export { request as apiRequest };

function query(params: Record<string, string | number | null | undefined>): string {
  const sp = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    sp.set(key, String(value));
  }
  const s = sp.toString();
  return s ? `?${s}` : "";
}

export const api = {
  // ------------------------------------------------------------ signing in
  // A 401 from these is an answer to show, not a reason to go to the sign-in page.

  authStatus: (signal?: AbortSignal) => request<AuthStatus>("/auth/status", { signal, authRedirect: false }),

  /** Creates the first (instance admin) user with the one-time setup code, and signs it in. */
  setup: (body: SetupRequest) =>
    request<{ user: SignedInUser }>("/auth/setup", { method: "POST", body: JSON.stringify(body), authRedirect: false }),

  signIn: (body: SignInRequest) =>
    request<{ user: SignedInUser }>("/auth/sign-in", { method: "POST", body: JSON.stringify(body), authRedirect: false }),

  signOut: () => request<void>("/auth/sign-out", { method: "POST", authRedirect: false }),

  me: (signal?: AbortSignal) => request<Me>("/auth/me", { signal }),

  // ------------------------------------------------------------ projects

  /** The projects the caller can see, each with the caller's role. */
  listProjects: (signal?: AbortSignal) => request<ListResponse<Project>>("/projects", { signal }),

  getProject: (project: string, signal?: AbortSignal) => request<Project>(`/projects/${enc(project)}`, { signal }),

  createProject: (body: CreateProjectRequest) => request<Project>("/projects", { method: "POST", body: JSON.stringify(body) }),

  listPipelines: (project: string, signal?: AbortSignal) =>
    request<ListResponse<PipelineSummary>>(`/projects/${enc(project)}/pipelines`, { signal }),

  getPipeline: (project: string, name: string, signal?: AbortSignal) =>
    request<PipelineDetailResponse>(`/projects/${enc(project)}/pipelines/${enc(name)}`, { signal }),

  getPipelineVersion: (project: string, name: string, version: number, signal?: AbortSignal) =>
    request<PipelineVersionDetail>(`/projects/${enc(project)}/pipelines/${enc(name)}/versions/${version}`, {
      signal,
    }),

  listRuns: (
    project: string,
    filters: RunListFilters,
    page: { cursor: string | null; limit: number },
    signal?: AbortSignal,
  ) =>
    request<RunListResponse>(
      `/projects/${enc(project)}/runs${query({
        // The API accepts comma-separated statuses.
        status: filters.status.length ? filters.status.join(",") : null,
        pipeline: filters.pipeline,
        limit: page.limit,
        cursor: page.cursor,
      })}`,
      { signal },
    ),

  getRun: (project: string, id: string, signal?: AbortSignal) =>
    request<RunDetail>(`/projects/${enc(project)}/runs/${enc(id)}`, { signal }),

  startRun: (project: string, body: StartRunRequest) =>
    request<RunDetail>(`/projects/${enc(project)}/runs`, { method: "POST", body: JSON.stringify(body) }),

  rerunRun: (project: string, id: string, body: RerunRequest) =>
    request<RunDetail>(`/projects/${enc(project)}/runs/${enc(id)}/rerun`, { method: "POST", body: JSON.stringify(body) }),

  retryRun: (project: string, id: string, body: RetryRequest) =>
    request<RunDetail>(`/projects/${enc(project)}/runs/${enc(id)}/retry`, { method: "POST", body: JSON.stringify(body) }),

  updateRun: (project: string, id: string, body: UpdateRunRequest) =>
    request<RunDetail>(`/projects/${enc(project)}/runs/${enc(id)}`, { method: "PATCH", body: JSON.stringify(body) }),

  listExperiments: (project: string, signal?: AbortSignal) =>
    request<ListResponse<ExperimentSummary>>(`/projects/${enc(project)}/experiments`, { signal }),

  getExperiment: (project: string, id: number, signal?: AbortSignal) =>
    request<Experiment>(`/projects/${enc(project)}/experiments/${id}`, { signal }),

  getExperimentColumns: (project: string, id: number, signal?: AbortSignal) =>
    request<ExperimentColumns>(`/projects/${enc(project)}/experiments/${id}/columns`, { signal }),

  searchExperimentRuns: (
    project: string,
    id: number,
    q: ExperimentRunsQuery,
    page: { offset: number; limit: number },
    signal?: AbortSignal,
  ) =>
    request<ExperimentRunsPage>(
      `/projects/${enc(project)}/experiments/${id}/runs${query({
        filter: q.filter.trim() || null,
        orderBy: q.orderBy,
        offset: page.offset,
        limit: page.limit,
      })}`,
      { signal },
    ),

  compareRuns: (project: string, runIds: string[], signal?: AbortSignal) =>
    request<CompareResponse>(`/projects/${enc(project)}/compare${query({ runs: runIds.join(",") })}`, { signal }),

  metricHistory: (project: string, runIds: string[], keys: string[], maxPoints: number, signal?: AbortSignal) =>
    request<MetricHistoryResponse>(
      `/projects/${enc(project)}/metrics/history${query({ runs: runIds.join(","), keys: keys.join(","), maxPoints })}`,
      { signal },
    ),

  getRunArtifacts: (project: string, runId: string, signal?: AbortSignal) =>
    request<RunArtifacts>(`/projects/${enc(project)}/runs/${enc(runId)}/artifacts`, { signal }),

  getRunLineage: (project: string, runId: string, signal?: AbortSignal) =>
    request<LineageGraph>(`/projects/${enc(project)}/runs/${enc(runId)}/lineage`, { signal }),

  getArtifact: (project: string, id: string, signal?: AbortSignal) =>
    request<ArtifactDetail>(`/projects/${enc(project)}/artifacts/${enc(id)}`, { signal }),

  getArtifactPreview: (project: string, id: string, path: string | null, signal?: AbortSignal) =>
    request<ArtifactPreview>(`/projects/${enc(project)}/artifacts/${enc(id)}/preview${query({ path })}`, { signal }),

  getArtifactLineage: (project: string, id: string, direction: LineageDirection, depth: number, signal?: AbortSignal) =>
    request<LineageGraph>(`/projects/${enc(project)}/artifacts/${enc(id)}/lineage${query({ direction, depth })}`, { signal }),

  /** Deletes finished runs and the artifacts only they use (dryRun: only says what would go). */
  deleteRuns: (project: string, body: DeleteRunsRequest) =>
    request<DeleteRunsResponse>(`/projects/${enc(project)}/runs/delete`, { method: "POST", body: JSON.stringify(body) }),

  cancelRun: (project: string, id: string) =>
    request<RunDetail>(`/projects/${enc(project)}/runs/${enc(id)}/cancel`, { method: "POST" }),

  getStepLogs: (
    project: string,
    runId: string,
    step: string,
    opts: { attempt?: number; after?: number; limit?: number },
    signal?: AbortSignal,
  ) =>
    request<LogPage>(
      `/projects/${enc(project)}/runs/${enc(runId)}/steps/${enc(step)}/logs${query({
        attempt: opts.attempt,
        after: opts.after,
        limit: opts.limit,
      })}`,
      { signal },
    ),

  /** The environment a step's attempt ran in (404 when none was recorded). */
  getStepEnvironment: (project: string, runId: string, step: string, attempt: number, signal?: AbortSignal) =>
    request<StepEnvironment>(
      `/projects/${enc(project)}/runs/${enc(runId)}/steps/${enc(step)}/environment${query({ attempt })}`,
      { signal },
    ),

  /** Live workers (every project's steps run on the same workers). */
  listWorkers: (signal?: AbortSignal) => request<ListResponse<Worker>>("/workers", { signal }),

  // ------------------------------------------------------------ model registry

  listModels: (project: string, q: string, signal?: AbortSignal) =>
    request<ListResponse<ModelSummary>>(`/projects/${enc(project)}/models${query({ q: q.trim() || null })}`, { signal }),

  createModel: (project: string, body: CreateModelRequest) =>
    request<ModelDetail>(`/projects/${enc(project)}/models`, { method: "POST", body: JSON.stringify(body) }),

  getModel: (project: string, name: string, signal?: AbortSignal) =>
    request<ModelDetail>(`/projects/${enc(project)}/models/${enc(name)}`, { signal }),

  updateModel: (project: string, name: string, body: UpdateModelRequest) =>
    request<ModelDetail>(`/projects/${enc(project)}/models/${enc(name)}`, { method: "PATCH", body: JSON.stringify(body) }),

  deleteModel: (project: string, name: string) =>
    request<void>(`/projects/${enc(project)}/models/${enc(name)}`, { method: "DELETE" }),

  createModelVersion: (project: string, name: string, body: CreateModelVersionRequest) =>
    request<ModelVersion>(`/projects/${enc(project)}/models/${enc(name)}/versions`, { method: "POST", body: JSON.stringify(body) }),

  updateModelVersion: (project: string, name: string, version: number, body: { description?: string; tags?: Record<string, string> }) =>
    request<ModelVersion>(`/projects/${enc(project)}/models/${enc(name)}/versions/${version}`, { method: "PATCH", body: JSON.stringify(body) }),

  deleteModelVersion: (project: string, name: string, version: number) =>
    request<void>(`/projects/${enc(project)}/models/${enc(name)}/versions/${version}`, { method: "DELETE" }),

  transitionModelVersion: (project: string, name: string, version: number, body: StageTransitionRequest) =>
    request<StageTransitionResponse>(`/projects/${enc(project)}/models/${enc(name)}/versions/${version}/stage`, {
      method: "POST",
      body: JSON.stringify(body),
    }),

  /** What promoting this version to Production would meet (a dry run: changes nothing). */
  checkModelGates: (project: string, name: string, version: number, signal?: AbortSignal) =>
    request<{ gateResults: GateResult[] }>(`/projects/${enc(project)}/models/${enc(name)}/versions/${version}/gates`, { signal }),

  setModelAlias: (project: string, name: string, alias: string, version: number) =>
    request<unknown>(`/projects/${enc(project)}/models/${enc(name)}/aliases/${enc(alias)}`, {
      method: "PUT",
      body: JSON.stringify({ version }),
    }),

  deleteModelAlias: (project: string, name: string, alias: string) =>
    request<void>(`/projects/${enc(project)}/models/${enc(name)}/aliases/${enc(alias)}`, { method: "DELETE" }),

  listModelEvents: (project: string, name: string, page: { before: string | null; limit: number }, signal?: AbortSignal) =>
    request<ModelEventsPage>(`/projects/${enc(project)}/models/${enc(name)}/events${query({ before: page.before, limit: page.limit })}`, {
      signal,
    }),

  listWebhooks: (project: string, signal?: AbortSignal) =>
    request<ListResponse<Webhook>>(`/projects/${enc(project)}/webhooks`, { signal }),

  createWebhook: (project: string, body: CreateWebhookRequest) =>
    request<CreatedWebhook>(`/projects/${enc(project)}/webhooks`, { method: "POST", body: JSON.stringify(body) }),

  deleteWebhook: (project: string, id: string) =>
    request<void>(`/projects/${enc(project)}/webhooks/${enc(id)}`, { method: "DELETE" }),

  listWebhookDeliveries: (project: string, id: string, signal?: AbortSignal) =>
    request<ListResponse<WebhookDelivery>>(`/projects/${enc(project)}/webhooks/${enc(id)}/deliveries`, { signal }),

  redeliverWebhook: (project: string, deliveryId: string) =>
    request<unknown>(`/projects/${enc(project)}/webhook-deliveries/${enc(deliveryId)}/redeliver`, { method: "POST" }),

  // ------------------------------------------------------------ schedules and backfills

  listSchedules: (project: string, signal?: AbortSignal) =>
    request<ListResponse<Schedule>>(`/projects/${enc(project)}/schedules`, { signal }),

  getSchedule: (project: string, id: string, signal?: AbortSignal) =>
    request<Schedule>(`/projects/${enc(project)}/schedules/${enc(id)}`, { signal }),

  createSchedule: (project: string, body: ScheduleRequest) =>
    request<Schedule>(`/projects/${enc(project)}/schedules`, { method: "POST", body: JSON.stringify(body) }),

  updateSchedule: (project: string, id: string, body: Partial<ScheduleRequest>) =>
    request<Schedule>(`/projects/${enc(project)}/schedules/${enc(id)}`, { method: "PATCH", body: JSON.stringify(body) }),

  deleteSchedule: (project: string, id: string) =>
    request<void>(`/projects/${enc(project)}/schedules/${enc(id)}`, { method: "DELETE" }),

  pauseSchedule: (project: string, id: string) =>
    request<Schedule>(`/projects/${enc(project)}/schedules/${enc(id)}/pause`, { method: "POST" }),

  resumeSchedule: (project: string, id: string) =>
    request<Schedule>(`/projects/${enc(project)}/schedules/${enc(id)}/resume`, { method: "POST" }),

  /** Fire times and description of a trigger (nothing is saved). */
  previewSchedule: (project: string, body: SchedulePreviewRequest, signal?: AbortSignal) =>
    request<SchedulePreview>(`/projects/${enc(project)}/schedules/preview`, { method: "POST", body: JSON.stringify(body), signal }),

  listScheduledRuns: (project: string, id: string, page: { before: string | null; limit: number }, signal?: AbortSignal) =>
    request<ScheduledRunsPage>(`/projects/${enc(project)}/schedules/${enc(id)}/runs${query({ limit: page.limit, before: page.before })}`, {
      signal,
    }),

  listBackfills: (project: string, scheduleId: string, signal?: AbortSignal) =>
    request<ListResponse<Backfill>>(`/projects/${enc(project)}/schedules/${enc(scheduleId)}/backfills`, { signal }),

  /** Starts a backfill, or with dryRun only lists its intervals (backfill: null). */
  createBackfill: (project: string, scheduleId: string, body: BackfillRequest, signal?: AbortSignal) =>
    request<BackfillResponse>(`/projects/${enc(project)}/schedules/${enc(scheduleId)}/backfills`, {
      method: "POST",
      body: JSON.stringify(body),
      signal,
    }),

  cancelBackfill: (project: string, id: string) =>
    request<unknown>(`/projects/${enc(project)}/backfills/${enc(id)}/cancel`, { method: "POST" }),
};

/** URL for the live log stream (Server-Sent Events), same-origin through the API proxy route. */
export function stepLogStreamUrl(
  project: string,
  runId: string,
  step: string,
  opts: { attempt?: number; after?: number },
): string {
  return `${API_BASE}/projects/${enc(project)}/runs/${enc(runId)}/steps/${enc(step)}/logs/stream${query({
    attempt: opts.attempt,
    after: opts.after,
  })}`;
}

/** Download URL of an artifact's content (a directory without `path` downloads as a tar archive); also an <img> source. */
export function artifactContentUrl(project: string, id: string, path?: string | null): string {
  return `${API_BASE}/projects/${enc(project)}/artifacts/${enc(id)}/content${query({ path })}`;
}

/** Download URL of a model version's artifact (the API redirects to the artifact's content). */
export function modelVersionDownloadUrl(project: string, name: string, version: number): string {
  return `${API_BASE}/projects/${enc(project)}/models/${enc(name)}/versions/${version}/download`;
}

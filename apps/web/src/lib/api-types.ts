/**
 * Wire types of the Trellis REST API (`/api/v1`), written from the API contract.
 * Timestamps are ISO-8601 strings; the UI never assumes a timezone.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = ["pending", "queued", "running", "succeeded", "failed", "cancelled", "skipped"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export type FailureKind = "retryable" | "terminal";
export type ParamType = "string" | "number" | "integer" | "boolean" | "json";
export type LogStream = "stdout" | "stderr";

/** A run is "active" while the UI must keep polling it. */
export function isActiveRunStatus(status: RunStatus): boolean {
  return status === "queued" || status === "running";
}

export function isActiveStepStatus(status: StepStatus): boolean {
  return status === "pending" || status === "queued" || status === "running";
}

// ---------------------------------------------------------------- errors

export interface ApiIssue {
  /** Dotted path into the request body, e.g. `params.day`. */
  path: string;
  message: string;
}

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    issues?: ApiIssue[];
  };
}

// ---------------------------------------------------------------- projects

/** A caller's role on a project; each includes what the one before it may do. */
export type ProjectRole = "viewer" | "editor" | "admin";

export interface Project {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  /** The caller's role on it (the API lists only projects the caller can see). */
  role: ProjectRole;
}

export interface CreateProjectRequest {
  name: string;
  description?: string;
}

// ---------------------------------------------------------------- sign-in

export interface AuthStatus {
  /** No user exists yet: the one-time setup page creates the first admin. */
  setupRequired: boolean;
  oidc: { enabled: boolean; label: string };
}

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  instanceAdmin: boolean;
}

export interface Me {
  /** null for a service token. */
  user: SignedInUser | null;
  via: "session" | "token";
  token: { name: string; kind: "personal" | "service"; project: string | null; role: ProjectRole } | null;
  projects: { name: string; role: ProjectRole }[];
}

export interface SignInRequest {
  email: string;
  password: string;
}

export interface SetupRequest {
  code: string;
  email: string;
  name: string;
  password: string;
}

export interface ListResponse<T> {
  items: T[];
}

// ---------------------------------------------------------------- pipelines

export interface RunRef {
  id: string;
  status: RunStatus;
  createdAt: string;
}

export interface PipelineSummary {
  id: string;
  name: string;
  description: string | null;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
  lastRun: RunRef | null;
}

export interface PipelineVersionSummary {
  version: number;
  createdAt: string;
  contentDigest: string;
  codeDigest: string | null;
}

export interface PipelineDetailResponse {
  pipeline: PipelineSummary;
  /** Newest first. */
  versions: PipelineVersionSummary[];
}

export interface ParamSpec {
  type: ParamType;
  /** A param without a default is required when starting a run. */
  default?: JsonValue;
  description?: string;
  enum?: JsonValue[];
}

export interface RetrySpec {
  limit: number;
  backoff: string;
  delayMs: number;
  maxDelayMs: number;
}

export interface StepSpec {
  name: string;
  needs: string[];
  /** Absent in specs pushed before executors existed (shared). */
  executor?: Executor;
  /** Container image of container steps; null for shared steps. */
  image?: string | null;
  resources?: ResourceRequest;
  run?: string;
  shell?: string;
  script?: string;
  env: Record<string, string>;
  outputs: Record<string, { type: string }>;
  retries: RetrySpec;
  timeoutMs: number | null;
}

export interface PipelineSpec {
  name: string;
  description: string | null;
  failFast: boolean;
  params: Record<string, ParamSpec>;
  steps: Record<string, StepSpec>;
}

export interface PipelineVersionDetail {
  version: number;
  createdAt: string;
  specText: string;
  spec: PipelineSpec;
  codeDigest: string | null;
}

// ---------------------------------------------------------------- runs

export type RunSource = "pipeline" | "mlflow";
export type RunOriginKind = "rerun" | "retry";

/** The run a run was started from: rerun (every step, cached ones reused unless No cache) or retry (failed, cancelled and skipped steps only; the succeeded ones reused). */
export interface RunOrigin {
  runId: string;
  kind: RunOriginKind;
}

export interface ExperimentRef {
  id: number;
  name: string;
}

export interface RunSummary {
  id: string;
  name: string | null;
  /** pipeline: run by Trellis workers; mlflow: logged through the MLflow-compatible API (no pipeline, no steps). */
  source: RunSource;
  pipeline: string | null;
  version: number | null;
  experiment: ExperimentRef;
  origin: RunOrigin | null;
  status: RunStatus;
  params: Record<string, JsonValue>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  stepCounts: Partial<Record<StepStatus, number>>;
}

export interface RunListResponse {
  items: RunSummary[];
  /** Opaque; null when there is no further page. */
  nextCursor: string | null;
}

export interface StepAttempt {
  attempt: number;
  status: StepStatus;
  workerId: string | null;
  startedAt: string;
  finishedAt: string | null;
  exitCode: number | null;
  error: string | null;
  failureKind: FailureKind | null;
  /** What this attempt asked of its worker (null: a shared step with no requests). */
  placement: Placement | null;
  /** GPU device ids given to this attempt. */
  gpuDevices: string[];
  /** Peaks observed while it ran; null (or null fields) when nothing was sampled. */
  usage: ResourceUsage | null;
  /** Killed by the kernel for exceeding its memory limit. */
  oomKilled: boolean;
  /** Digest of the recorded environment (see `GET …/steps/:step/environment`). */
  environmentDigest: string | null;
}

export interface Step {
  name: string;
  template: string;
  needs: string[];
  status: StepStatus;
  /** Current (latest) attempt number, 1-based; 0 before the first attempt starts. */
  attempt: number;
  maxAttempts: number;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  outputs: Record<string, JsonValue>;
  error: string | null;
  failureKind: FailureKind | null;
  command: string | null;
  /** Set when the step was not run again: its outputs come from that run (retry of failed steps). */
  reusedFromRunId: string | null;
  attempts: StepAttempt[];
  cache: StepCache;
  /** Why the step ran instead of reusing a cached result; null for cache hits and steps that have not run. */
  runReason: RunReason | null;
  /** Where it runs: a process on the worker's host, or a container. */
  executor: Executor;
  /** Container image (container steps). */
  image: string | null;
  /** The current attempt's request; out-of-memory retries raise memoryBytes. */
  placement: Placement | null;
  /** For a queued step: why no worker runs it yet (e.g. "waiting for 1 GPU: all 2 in use"). */
  waiting: string | null;
  /** Requests suggested from the peaks of this step's recent successful executions in the pipeline. */
  suggestion: ResourceSuggestion | null;
}

export interface StepCache {
  /** null: caching is off for this step. */
  key: string | null;
  /** The step did not run: a cached result was reused (from fromRunId / fromStep). */
  hit: boolean;
  fromRunId: string | null;
  fromStep: string | null;
}

/** A part of a step's cache key that changed: command, shell, image, code, outputs, `env.X`, `params.X`, `inputs.S.X`. */
export interface KeyChange {
  part: string;
  before: JsonValue;
  after: JsonValue;
}

export interface ComparedWith {
  runId: string;
  stepName: string;
}

export type RunReason =
  | { reason: "cache-disabled" }
  | { reason: "nondeterministic" }
  | { reason: "run-no-cache"; changes: KeyChange[] }
  | { reason: "first-execution" }
  | { reason: "changed"; changes: KeyChange[]; comparedWith: ComparedWith }
  | { reason: "expired"; maxAgeMs: number; cachedAt: string; comparedWith: ComparedWith | null }
  | { reason: "no-cached-result"; comparedWith: ComparedWith };

/** Summary of one metric's series. Values are null when NaN or infinite (JSON can't carry them). */
export interface MetricSummary {
  last: number | null;
  min: number | null;
  max: number | null;
  /** Step of the latest value. */
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  count: number;
}

export interface RunDetail extends RunSummary {
  failFast: boolean;
  /** Started with "no cache": no step reused a cached result. */
  noCache: boolean;
  tags: Record<string, string>;
  note: string;
  metrics: (MetricSummary & { key: string })[];
  steps: Step[];
}

export interface StartRunRequest {
  pipeline: string;
  version?: number;
  params?: Record<string, JsonValue>;
  /** Experiment name (default: the pipeline's name); created on first use. */
  experiment?: string;
  name?: string;
  /** A repeated request with the same key returns the first request's run (a double click starts one run). */
  idempotencyKey?: string;
  /** Run every step even when a cached result exists. */
  noCache?: boolean;
}

export interface RerunRequest {
  /** Replaces the origin run's params; default: the same params. */
  params?: Record<string, JsonValue>;
  name?: string;
  idempotencyKey?: string;
  noCache?: boolean;
}

export interface RetryRequest {
  idempotencyKey?: string;
}

export interface UpdateRunRequest {
  name?: string | null;
  note?: string;
  /** Tags to set; null removes a tag. */
  tags?: Record<string, string | null>;
}

export interface RunListFilters {
  status: RunStatus[];
  pipeline: string | null;
}

// ---------------------------------------------------------------- experiments

export interface ExperimentSummary {
  id: number;
  name: string;
  description: string;
  createdAt: string;
  runCount: number;
  lastRunAt: string | null;
}

export interface Experiment {
  id: number;
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: string;
  runCount: number;
}

export interface ExperimentColumns {
  params: string[];
  metrics: string[];
  tags: string[];
}

/** A run as the experiment's runs table and the compare view see it. */
export interface ExperimentRun {
  id: string;
  name: string | null;
  experimentId: number;
  source: RunSource;
  status: RunStatus;
  pipeline: string | null;
  version: number | null;
  params: Record<string, JsonValue>;
  tags: Record<string, string>;
  note: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  origin: RunOrigin | null;
  metrics: Record<string, MetricSummary>;
}

export interface ExperimentRunsPage {
  /** Every run matching the filter. */
  total: number;
  offset: number;
  items: ExperimentRun[];
}

export interface ExperimentRunsQuery {
  /** MLflow search syntax, e.g. `metrics.accuracy > 0.9 and params.lr = 0.01`. */
  filter: string;
  /** e.g. `metrics.accuracy DESC`; empty: newest first. */
  orderBy: string | null;
}

export interface CompareStep {
  name: string;
  status: StepStatus;
  attempt: number;
  exitCode: number | null;
  durationMs: number | null;
  command: string | null;
  outputs: Record<string, JsonValue>;
  reusedFromRunId: string | null;
}

export interface CompareRun extends ExperimentRun {
  experiment: ExperimentRef;
  steps: CompareStep[];
}

export interface CompareResponse {
  /** In the order asked for. */
  runs: CompareRun[];
  paramKeys: string[];
  metricKeys: string[];
}

/** One downsampled metric history: each point is a step range with its latest value and the range's min/max. */
export interface MetricSeries {
  runId: string;
  key: string;
  /** Points logged in all (before downsampling). */
  count: number;
  steps: number[];
  values: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

export interface MetricHistoryResponse {
  series: MetricSeries[];
}

// ---------------------------------------------------------------- logs

export interface LogLine {
  seq: number;
  ts: string;
  stream: LogStream;
  text: string;
}

export interface LogPage {
  attempt: number;
  lines: LogLine[];
  /** Pass as `after` to fetch the following page. */
  nextAfter: number;
  /** True when the attempt is finished and no lines remain after `nextAfter`. */
  complete: boolean;
}

// ---------------------------------------------------------------- artifacts and lineage

export type ArtifactKind = "file" | "directory";

/** What the worker recorded about an output (every field optional). */
export interface ArtifactMetadata {
  fileName?: string;
  mediaType?: string;
  /** CSV/TSV: the header's columns. */
  columns?: string[];
  /** CSV/TSV: data rows in the file. */
  rows?: number;
  fileCount?: number;
  [key: string]: JsonValue | undefined;
}

export interface StepRefPair {
  runId: string;
  stepName: string;
}

export interface ArtifactInfo {
  id: string;
  /** sha256 hex of the file, or of a directory's manifest. */
  digest: string;
  kind: ArtifactKind;
  size: number;
  fileCount: number;
  createdAt: string;
}

export interface RunArtifact extends ArtifactInfo {
  /** The step of the run that output it (inputs: that consumed it). */
  step: string;
  /** Output name; for inputs the reference (`prepare.data`). */
  name: string;
  /** dataset, model, metrics, file, directory. */
  type: string;
  metadata: ArtifactMetadata;
  /** The step that actually produced it (for cached and reused steps, the one that ran). */
  producedBy: StepRefPair | null;
  /** The step of this run did not run (cache hit or reused). */
  cached: boolean;
}

export interface RunArtifacts {
  outputs: RunArtifact[];
  inputs: RunArtifact[];
}

export interface ArtifactUse {
  runId: string;
  runName: string | null;
  runStatus: RunStatus;
  pipeline: string | null;
  version: number | null;
  stepName: string;
  name: string;
  at: string;
  /** A consumer that reused the result of a step that consumed it (a cache hit). */
  cached: boolean;
}

export interface ArtifactDetail extends ArtifactInfo {
  type: string | null;
  name: string | null;
  metadata: ArtifactMetadata;
  producers: ArtifactUse[];
  producerCount: number;
  consumers: ArtifactUse[];
  consumerCount: number;
  cacheEntries: number;
  files: { path: string; size: number; digest: string }[] | null;
  filesTruncated: boolean;
}

interface PreviewBase {
  path: string | null;
  size: number;
  mediaType: string;
}

export type ArtifactPreview = PreviewBase &
  (
    | { format: "csv" | "tsv"; columns: string[]; rows: string[][]; totalRows: number | null; truncated: boolean }
    | { format: "json"; value: JsonValue }
    | { format: "text"; text: string; truncated: boolean }
    | { format: "image" }
    | { format: "binary" }
    | { format: "directory"; files: { path: string; size: number }[]; fileCount: number }
  );

export type LineageDirection = "upstream" | "downstream" | "both";

export type LineageNode =
  | {
      id: string;
      kind: "artifact";
      artifactId: string;
      digest: string;
      type: string | null;
      name: string | null;
      storage: ArtifactKind;
      size: number;
      /** A raw dataset: its producers consumed no artifacts. */
      raw: boolean;
    }
  | {
      id: string;
      kind: "step";
      runId: string;
      runName: string | null;
      pipeline: string | null;
      version: number | null;
      stepName: string;
      status: StepStatus;
      cached: boolean;
      cachedFrom: StepRefPair | null;
      createdAt: string;
    }
  | { id: string; kind: "code"; pipeline: string; version: number; codeDigest: string | null; contentDigest: string };

export interface LineageEdge {
  id: string;
  source: string;
  target: string;
  kind: "produced" | "consumed" | "code";
  label: string | null;
}

export interface LineageGraph {
  root: string | null;
  nodes: LineageNode[];
  edges: LineageEdge[];
  /** The depth or node limit cut the graph short. */
  truncated: boolean;
}

// ---------------------------------------------------------------- resources, environments and workers

export type Executor = "shared" | "container";

/** Resources as written in a pipeline spec (parsed). */
export interface ResourceRequest {
  cpu: number | null;
  memoryBytes: number | null;
  gpu: number;
}

/** What an attempt needs from a worker. */
export interface Placement {
  executor: Executor;
  /** Cores requested; null: none. */
  cpu: number | null;
  memoryBytes: number | null;
  /** Whole GPU devices. */
  gpu: number;
}

/** Peaks observed while an attempt ran. */
export interface ResourceUsage {
  peakMemoryBytes: number | null;
  /** Highest CPU use over a sampling interval, in cores. */
  peakCpu: number | null;
  /** CPU time (user + system), in seconds. */
  cpuSeconds: number | null;
}

/** A request with headroom over the highest peaks of the step's recent successful executions. */
export interface ResourceSuggestion {
  memoryBytes: number | null;
  cpu: number | null;
  /** How many recent successful executions the peaks come from. */
  basedOn: number;
}

export interface PythonEnvironment {
  executable: string;
  version: string;
  implementation: string;
  /** Installed distributions and their versions. */
  packages: Record<string, string>;
}

export type EnvironmentInfo =
  | { executor: "shared"; hostname: string; os: string; arch: string; python: PythonEnvironment | null }
  | {
      executor: "container";
      image: string;
      /** The image's content digest (sha256:…). */
      imageId: string;
      repoDigests: string[];
      python: PythonEnvironment | null;
    };

export interface StepEnvironment {
  attempt: number;
  digest: string;
  environment: EnvironmentInfo;
}

/** A live worker: what it offers and what its running steps hold. */
export interface Worker {
  id: string;
  hostname: string;
  pid: number;
  startedAt: string;
  lastSeenAt: string;
  /** Step slots. */
  concurrency: number;
  running: number;
  capacity: { executors: Executor[]; cpu: number; memoryBytes: number; gpus: string[] };
  /** The sum of its running steps' requests. */
  inUse: { cpu: number; memoryBytes: number; gpus: number };
  gpusInUse: string[];
}

// ---------------------------------------------------------------- retention

export interface DeleteRunsRequest {
  runIds?: string[];
  /** ISO date-time: finished runs that finished before it. */
  finishedBefore?: string;
  dryRun?: boolean;
}

export interface DeleteRunsResponse {
  dryRun: boolean;
  runs: number;
  runIds: string[];
  /** More runs match finishedBefore than one call deletes. */
  more: boolean;
  /** Artifacts no remaining run or cache entry refers to. */
  artifacts: number;
  /** Stored bytes freed. */
  bytes: number;
}

// ---------------------------------------------------------------- model registry

export const MODEL_STAGES = ["None", "Staging", "Production", "Archived"] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export interface ModelAliasRef {
  alias: string;
  version: number;
}

export interface ModelSummary {
  name: string;
  description: string;
  latestVersion: number;
  versionCount: number;
  production: { version: number; runId: string | null } | null;
  /** Versions in Staging. */
  staging: number[];
  aliases: ModelAliasRef[];
  updatedAt: string;
  createdAt: string;
}

export interface ModelVersionRun {
  id: string;
  name: string | null;
  status: RunStatus;
  experimentId: number | null;
  experimentName: string | null;
}

export interface ModelVersion {
  version: number;
  stage: ModelStage;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  createdAt: string;
  createdBy: string;
  /** Where the version came from (trellis-artifact:DIGEST, runs:/…, a URI). */
  source: string;
  runId: string | null;
  run: ModelVersionRun | null;
  stepName: string | null;
  outputName: string | null;
  artifact: { id: string; digest: string; size: number; type: string | null } | null;
  /** Latest value of each metric of the version's run. */
  metrics: Record<string, number>;
}

export interface ModelDetail extends ModelSummary {
  tags: Record<string, string>;
  policy: { gates: string[] };
  /** Newest first. */
  versions: ModelVersion[];
}

export interface CreateModelRequest {
  name: string;
  description?: string;
  tags?: Record<string, string>;
  gates?: string[];
}

export interface UpdateModelRequest {
  description?: string;
  tags?: Record<string, string>;
  gates?: string[];
}

export interface CreateModelVersionRequest {
  runId: string;
  stepName?: string;
  outputName: string;
  description?: string;
  tags?: Record<string, string>;
  /** Create the model when it does not exist yet. */
  createModel?: boolean;
}

export interface GateResult {
  gate: string;
  passed: boolean;
  /** The candidate's value (null: its run has no such metric). */
  left: number | null;
  /** What it was compared with (null: nothing to compare with). */
  right: number | null;
  message: string;
}

export interface StageTransitionRequest {
  stage: ModelStage;
  comment?: string;
  /** Promoting to Production archives the current Production version unless false. */
  archiveExisting?: boolean;
  /** Apply although gates fail (recorded). */
  overrideReason?: string;
  /** Apply only if the version is still in this stage. */
  expectedStage?: ModelStage;
}

export interface StageTransitionResponse {
  version: ModelVersion;
  fromStage: ModelStage;
  toStage: ModelStage;
  gateResults: GateResult[];
  overridden: boolean;
  /** Versions this promotion moved to Archived. */
  archived: number[];
}

export const MODEL_EVENT_KINDS = [
  "model_created",
  "model_updated",
  "model_deleted",
  "version_created",
  "version_updated",
  "version_deleted",
  "stage_changed",
  "alias_set",
  "alias_deleted",
  "policy_changed",
] as const;
export type ModelEventKind = (typeof MODEL_EVENT_KINDS)[number];

export interface ModelEvent {
  id: string;
  kind: ModelEventKind | (string & {});
  actor: string;
  at: string;
  version: number | null;
  fromStage: ModelStage | null;
  toStage: ModelStage | null;
  alias: string | null;
  comment: string | null;
  gateResults: GateResult[] | null;
  overrideReason: string | null;
  details: Record<string, JsonValue>;
}

export interface ModelEventsPage {
  /** Newest first. */
  items: ModelEvent[];
  /** Pass as `before` for the next (older) page; null: no more. */
  nextBefore: string | null;
}

export const WEBHOOK_EVENTS = ["version_created", "stage_changed", "alias_set"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  /** Only this model's events; null: every model of the project. */
  modelName: string | null;
  active: boolean;
  createdAt: string;
  lastDelivery: { status: WebhookDeliveryStatus; at: string } | null;
}

export interface CreateWebhookRequest {
  url: string;
  events?: string[];
  modelName?: string | null;
  secret?: string;
}

/** The answer to a create: the only time the signing secret is shown. */
export interface CreatedWebhook extends Partial<Webhook> {
  id: string;
  secret: string;
}

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed";

export interface WebhookAttempt {
  at: string;
  durationMs: number | null;
  statusCode: number | null;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  event: string;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  attempts: WebhookAttempt[];
  payload: JsonValue;
}

// ---------------------------------------------------------------- schedules and backfills

export type ScheduleTrigger = { kind: "cron"; cron: string; timezone: string } | { kind: "interval"; everySeconds: number };
export type ConcurrencyPolicy = "allow" | "skip" | "queue";
export type ReprocessPolicy = "skip-succeeded" | "failed-only" | "all";

export interface ScheduleLastRun {
  runId: string;
  status: RunStatus;
  logicalTime: string;
}

export interface Schedule {
  id: string;
  name: string;
  pipeline: string;
  /** null: every run uses the pipeline's latest version. */
  version: number | null;
  trigger: ScheduleTrigger;
  /** The trigger in words: "every day at 02:00 (Europe/Berlin)". */
  description: string;
  params: Record<string, JsonValue>;
  startAt: string;
  endAt: string | null;
  paused: boolean;
  concurrency: ConcurrencyPolicy;
  maxConcurrent: number;
  catchup: boolean;
  lastFireAt: string | null;
  /** The next 5 fire times (empty when paused past its end). */
  nextFireTimes: string[];
  lastRun: ScheduleLastRun | null;
  activeBackfills: number;
  createdAt: string;
  updatedAt: string;
}

export interface ScheduleRequest {
  name: string;
  pipeline: string;
  version?: number | null;
  trigger: ScheduleTrigger;
  params?: Record<string, JsonValue>;
  startAt?: string | null;
  endAt?: string | null;
  concurrency?: ConcurrencyPolicy;
  maxConcurrent?: number;
  catchup?: boolean;
  paused?: boolean;
}

/** `failed`: its run could not be created (e.g. the params no longer fit the pinned version); the reason says why. */
export type ScheduledRunState = "starting" | "started" | "skipped" | "waiting" | "cancelled" | "failed";

export interface ScheduledRun {
  id: string;
  logicalTime: string;
  intervalStart: string;
  intervalEnd: string;
  state: ScheduledRunState;
  reason: string | null;
  backfillId: string | null;
  run: { id: string; status: RunStatus; createdAt: string; finishedAt: string | null } | null;
}

export interface ScheduledRunsPage {
  items: ScheduledRun[];
  nextBefore: string | null;
}

export interface SchedulePreviewRequest {
  trigger: ScheduleTrigger;
  startAt?: string;
  count?: number;
}

export interface SchedulePreview {
  fireTimes: string[];
  description: string;
  dstPolicy: string;
}

export type BackfillState = "running" | "succeeded" | "failed" | "cancelled";

export interface BackfillCounts {
  waiting: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  skipped: number;
}

export interface Backfill {
  id: string;
  scheduleId: string;
  rangeStart: string;
  rangeEnd: string;
  maxParallel: number;
  reprocess: ReprocessPolicy;
  state: BackfillState;
  total: number;
  counts: BackfillCounts;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface BackfillRequest {
  from: string;
  to: string;
  maxParallel?: number;
  reprocess?: ReprocessPolicy;
  dryRun?: boolean;
}

export interface BackfillInterval {
  logicalTime: string;
  intervalStart: string;
  intervalEnd: string;
  action: "run" | "skip";
  reason: string | null;
}

export interface BackfillResponse {
  backfill: Backfill | null;
  intervals: BackfillInterval[];
}

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

export interface Project {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
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

export interface RunSummary {
  id: string;
  pipeline: string;
  version: number;
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
  attempts: StepAttempt[];
}

export interface RunDetail extends RunSummary {
  failFast: boolean;
  steps: Step[];
}

export interface StartRunRequest {
  pipeline: string;
  version?: number;
  params?: Record<string, JsonValue>;
}

export interface RunListFilters {
  status: RunStatus[];
  pipeline: string | null;
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

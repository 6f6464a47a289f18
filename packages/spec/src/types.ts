/**
 * Shared types and constants of the pipeline spec.
 *
 * A `PipelineSpec` is the normalised form produced by `parsePipelineSpec`: every default is
 * filled in, durations are milliseconds and `needs` already includes the dependencies implied
 * by templates. It is plain JSON (no Maps, no undefined values inside arrays) because the API
 * stores it as-is and the engine and worker read it back from the database.
 */

export const PARAM_TYPES = ["string", "number", "integer", "boolean", "json"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export const OUTPUT_TYPES = [
  "string",
  "number",
  "boolean",
  "json",
  "dataset",
  "model",
  "metrics",
  "file",
  "directory",
] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

export const BACKOFF_KINDS = ["fixed", "exponential"] as const;
export type Backoff = (typeof BACKOFF_KINDS)[number];

export interface ParamSpec {
  type: ParamType;
  /** Absent means the parameter is required when a run starts. `null` is a valid default for `json`. */
  default?: unknown;
  description?: string;
  /** Non-empty when present; every entry has the declared type. */
  enum?: unknown[];
}

export interface OutputSpec {
  type: OutputType;
  description?: string;
  /** Register each artifact this output produces as a new version of this model (created if missing). */
  register?: { model: string };
}

/** Names of registered models (shared by the spec's `register:` and the registry). */
export const MODEL_NAME_RE = /^[A-Za-z0-9][\w.\- ]{0,127}$/;

export interface RetryPolicy {
  /** Retries after the first attempt; a step runs at most `limit + 1` times (out-of-memory retries aside). */
  limit: number;
  backoff: Backoff;
  delayMs: number;
  /** Always >= delayMs. */
  maxDelayMs: number;
  /** Retry an out-of-memory kill with more memory; null: an OOM kill is a terminal failure. */
  onOOM: OomRetryPolicy | null;
}

/**
 * `retries: { onOOM: { memoryFactor: 2, maxMemory: 8Gi } }`: after an out-of-memory kill the
 * step runs again at once with its memory multiplied by `memoryFactor`, up to `maxMemoryBytes`
 * (default: 4 × the step's memory request). These retries do not need `limit`: the cap bounds them.
 */
export interface OomRetryPolicy {
  /** > 1. */
  memoryFactor: number;
  maxMemoryBytes: number;
}

export const EXECUTORS = ["shared", "container"] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

/** What a step asks of the worker that runs it. Containers are limited to it; workers only take steps that fit. */
export interface ResourceRequest {
  /** Cores; null: no request (and no limit). */
  cpu: number | null;
  memoryBytes: number | null;
  /** Whole GPU devices, each given to one step at a time. */
  gpu: number;
}

export const NO_RESOURCES: Readonly<ResourceRequest> = Object.freeze({ cpu: null, memoryBytes: null, gpu: 0 });

/** Image used by container steps that name none (neither on the step nor the pipeline). */
export const DEFAULT_IMAGE = "trellis-python:latest";

export interface StepSpec {
  name: string;
  /** Exactly one of `run` and `script` is set. */
  run?: string;
  /** Set only for `script` steps (defaults to DEFAULT_SHELL there). */
  shell?: string;
  script?: string;
  /** Explicit needs ∪ steps referenced in templates, deduplicated and sorted; never contains `name`. */
  needs: string[];
  env: Record<string, string>;
  outputs: Record<string, OutputSpec>;
  retries: RetryPolicy;
  timeoutMs: number | null;
  cache: CachePolicy;
  /** Never cached (its results are neither reused nor recorded for reuse): it samples, reads the clock, … */
  nondeterministic: boolean;
  /** Where it runs: a process on the worker's host (`shared`) or a container (`container`). */
  executor: ExecutorName;
  /** Container image: the step's, else the pipeline's, else DEFAULT_IMAGE; null for shared steps. */
  image: string | null;
  resources: ResourceRequest;
  /**
   * Names of project secrets the step gets as environment variables (its own `secrets:`, else
   * the pipeline's); absent when none. Only names: values live encrypted in the project and are
   * decrypted by the worker that runs the step.
   */
  secrets?: string[];
}

/** `cache: false`, `cache: { maxAge: 7d }` or `cache: { enabled: false }`; default: enabled, no age limit. */
export interface CachePolicy {
  enabled: boolean;
  /** A cached result older than this is not reused; null: any age. */
  maxAgeMs: number | null;
}

export const DEFAULT_CACHE_POLICY: CachePolicy = Object.freeze({ enabled: true, maxAgeMs: null });

export interface PipelineSpec {
  name: string;
  description: string;
  failFast: boolean;
  params: Record<string, ParamSpec>;
  steps: Record<string, StepSpec>;
}

export interface SpecIssue {
  path: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; issues: SpecIssue[] };

export const DEFAULT_SHELL = "bash";

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  limit: 0,
  backoff: "fixed",
  delayMs: 1000,
  maxDelayMs: 300_000,
  onOOM: null,
});

/** Upper bound on `retries.limit`; a guard against typos like `retries: 1000`. */
export const MAX_RETRY_LIMIT = 100;

export const PIPELINE_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const STEP_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
/**
 * Parameter and output names follow the step-name rule so that every declared name can be
 * written in a template expression (`params.NAME`, `steps.S.outputs.NAME`).
 */
export const PARAM_NAME_RE = STEP_NAME_RE;
export const OUTPUT_NAME_RE = STEP_NAME_RE;
/** POSIX-portable environment variable names. */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Project secret names (spec `secrets:` entries and the secrets API): upper-case environment variable names. */
export const SECRET_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;
export const MAX_SECRET_NAME_LENGTH = 128;

/**
 * Allowed keys of every mapping in a spec — the single place to extend when a feature adds a
 * key. Any other key is reported as an error, so typos (`retry:`, `need:`) never pass silently.
 */
export const SPEC_KEYS = {
  pipeline: ["name", "description", "failFast", "executor", "image", "secrets", "params", "steps"],
  param: ["type", "default", "description", "enum"],
  step: ["run", "script", "shell", "needs", "env", "outputs", "retries", "timeout", "cache", "nondeterministic", "executor", "image", "resources", "secrets"],
  resources: ["cpu", "memory", "gpu"],
  onOOM: ["memoryFactor", "maxMemory"],
  cache: ["enabled", "maxAge"],
  output: ["type", "description", "register"],
  register: ["model"],
  retries: ["limit", "backoff", "delay", "maxDelay", "onOOM"],
} as const satisfies Record<string, readonly string[]>;

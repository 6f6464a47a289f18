import { z } from "zod";
import { CONCURRENCY_POLICIES, MODEL_STAGES, ROLES, REPROCESS_POLICIES, RUN_STATUSES, STEP_STATUSES, WEBHOOK_EVENTS } from "@trellis/engine";

/** Request and response schemas: they validate, serialise and generate the OpenAPI document. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

/** 401: not signed in (or a dead token); 403: the role is too low; 404 also when the project is not visible. */
export const errorResponses = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export const ProjectParams = z.object({ project: z.string().min(1).max(100) });

export const Role = z.enum(ROLES);

/** A project with the caller's role on it (the UI hides what the role cannot do). */
export const Project = z.object({ id: z.string(), name: z.string(), description: z.string(), createdAt: z.string(), role: Role }).meta({ id: "Project" });

export const User = z
  .object({ id: z.string(), email: z.string(), name: z.string(), instanceAdmin: z.boolean(), disabled: z.boolean(), createdAt: z.string(), lastSignInAt: z.string().nullable() })
  .meta({ id: "User" });

export const Member = z.object({ userId: z.string(), email: z.string(), name: z.string(), role: Role, createdAt: z.string() }).meta({ id: "Member" });

export const ApiToken = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["personal", "service"]),
    project: z.string().nullable(),
    role: Role,
    prefix: z.string(),
    owner: z.object({ email: z.string(), name: z.string() }).nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: "ApiToken" });

export const CreatedApiToken = z.object({ token: ApiToken, secret: z.string().describe("The token itself: shown this once, stored only as a hash.") });

export const CreateTokenFields = {
  name: z.string().trim().min(1, "give the token a name").max(100),
  role: Role,
  expiresInDays: z.number().int().min(1).max(3650).optional().describe("Omit for a token that does not expire."),
};

export const AuditEvent = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    project: z.string().nullable().describe("The project it concerns (null for sign-ins and accounts; the id when the project was deleted)."),
    details: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
  })
  .meta({ id: "AuditEvent" });

export const AuditPage = z.object({ items: z.array(AuditEvent), nextCursor: z.string().nullable() });
export const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().regex(/^\d+$/, "cursor must come from nextCursor").optional() });

export const RunStatus = z.enum(RUN_STATUSES);
export const StepStatus = z.enum(STEP_STATUSES);
const FailureKind = z.enum(["retryable", "terminal"]).nullable();

export const PipelineSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    latestVersion: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastRun: z.object({ id: z.string(), status: RunStatus, createdAt: z.string() }).nullable(),
  })
  .meta({ id: "PipelineSummary" });

export const VersionSummary = z
  .object({ version: z.number().int(), createdAt: z.string(), contentDigest: z.string(), codeDigest: z.string().nullable() })
  .meta({ id: "PipelineVersionSummary" });

export const VersionDetail = VersionSummary.extend({ specText: z.string(), spec: z.record(z.string(), z.unknown()) }).meta({ id: "PipelineVersion" });

export const CodeFile = z.object({
  path: z.string().min(1).max(1024),
  content: z.string().describe("file content, base64"),
  mode: z.number().int().min(0).max(0o777).optional(),
});

export const PushPipelineBody = z.object({
  spec: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).describe("the pipeline spec: YAML/JSON text or a JSON object"),
  code: z.object({ files: z.array(CodeFile).max(5000) }).optional().describe("a directory snapshot, used as the steps' working directory"),
});

export const PushPipelineResponse = z.object({ pipeline: PipelineSummary, version: VersionSummary, created: z.boolean() });

export const StepCounts = z.record(z.string(), z.number().int());

export const RunOriginRef = z
  .object({ runId: z.string(), kind: z.enum(["rerun", "retry"]) })
  .nullable()
  .describe("the run this one was started from: rerun (every step, cached results reused unless noCache) or retry (failed steps only)");

export const ExperimentRef = z.object({ id: z.number().int(), name: z.string() });

export const RunSummary = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    source: z.enum(["pipeline", "mlflow"]).describe("pipeline: run by Trellis workers; mlflow: logged through the MLflow-compatible API"),
    pipeline: z.string().nullable(),
    version: z.number().int().nullable(),
    experiment: ExperimentRef,
    origin: RunOriginRef,
    status: RunStatus,
    params: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable(),
    stepCounts: StepCounts,
  })
  .meta({ id: "RunSummary" });

export const Executor = z.enum(["shared", "container"]);

export const Placement = z
  .object({
    executor: Executor,
    cpu: z.number().nullable().describe("cores requested (null: none)"),
    memoryBytes: z.number().nullable().describe("memory requested; out-of-memory retries raise it"),
    gpu: z.number().int(),
  })
  .describe("what the attempt needs from a worker (null: a shared step with no requests)")
  .meta({ id: "Placement" });

export const ResourceUsage = z
  .object({
    peakMemoryBytes: z.number().nullable(),
    peakCpu: z.number().nullable().describe("highest CPU use over a sampling interval, in cores"),
    cpuSeconds: z.number().nullable(),
  })
  .describe("peaks observed while the attempt ran (container stats, or the process tree of a shared step)")
  .meta({ id: "ResourceUsage" });

export const StepAttempt = z.object({
  attempt: z.number().int(),
  status: StepStatus,
  workerId: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  error: z.string().nullable(),
  failureKind: FailureKind,
  placement: Placement.nullable(),
  gpuDevices: z.array(z.string()).describe("GPU devices given to this attempt"),
  usage: ResourceUsage.nullable(),
  oomKilled: z.boolean().describe("killed by the kernel for exceeding its memory limit"),
  environmentDigest: z.string().nullable().describe("see GET …/steps/:step/environment"),
});

export const ResourceSuggestion = z
  .object({
    memoryBytes: z.number().nullable(),
    cpu: z.number().nullable(),
    basedOn: z.number().int().describe("how many recent successful executions of this step the peaks come from"),
  })
  .describe("a request with 20% headroom over the highest peaks of the step's recent successful executions in this pipeline")
  .meta({ id: "ResourceSuggestion" });

export const KeyChange = z
  .object({
    part: z.string().describe('what changed: command, shell, image, code, project, outputs, "env.NAME", "params.NAME" or "inputs.STEP.OUTPUT"'),
    before: z.unknown().describe("its value in the execution compared with (artifact inputs: sha256:DIGEST)"),
    after: z.unknown().describe("its value now"),
  })
  .meta({ id: "CacheKeyChange" });

const ComparedWith = z.object({ runId: z.string(), stepName: z.string() }).describe("the latest earlier execution of this step");

/** Why a step ran instead of reusing a cached result (null: it was a cache hit, or it ran before caching existed). */
export const RunReason = z
  .discriminatedUnion("reason", [
    z.object({ reason: z.literal("cache-disabled") }).describe("caching is off for this step (cache: false)"),
    z.object({ reason: z.literal("nondeterministic") }).describe("the step is marked nondeterministic: never cached"),
    z.object({ reason: z.literal("run-no-cache"), changes: z.array(KeyChange) }).describe("the run was started with noCache"),
    z.object({ reason: z.literal("first-execution") }).describe("no earlier execution of this step"),
    z.object({ reason: z.literal("changed"), changes: z.array(KeyChange), comparedWith: ComparedWith }).describe("parts of the cache key changed"),
    z
      .object({ reason: z.literal("expired"), maxAgeMs: z.number(), cachedAt: z.string(), comparedWith: ComparedWith.nullable() })
      .describe("a cached result existed but was older than the step's cache.maxAge"),
    z.object({ reason: z.literal("no-cached-result"), comparedWith: ComparedWith }).describe("same key as before, but no reusable result was recorded (e.g. it failed)"),
  ])
  .meta({ id: "RunReason" });

export const StepCache = z
  .object({
    key: z.string().nullable().describe("the step's cache key (null: caching is off for it)"),
    hit: z.boolean().describe("the step did not run: a cached result was reused"),
    fromRunId: z.string().nullable().describe("on a hit: the run whose step produced the reused result"),
    fromStep: z.string().nullable(),
  })
  .meta({ id: "StepCache" });

export const Step = z
  .object({
    name: z.string(),
    template: z.string(),
    needs: z.array(z.string()),
    status: StepStatus,
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    queuedAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    exitCode: z.number().int().nullable(),
    outputs: z.record(z.string(), z.unknown()),
    error: z.string().nullable(),
    failureKind: FailureKind,
    reusedFromRunId: z.string().nullable().describe("set when this step was not run again: its outputs come from that run"),
    command: z.string().nullable(),
    attempts: z.array(StepAttempt),
    cache: StepCache,
    runReason: RunReason.nullable(),
    executor: Executor,
    image: z.string().nullable().describe("container image (container steps)"),
    placement: Placement.nullable(),
    waiting: z.string().nullable().describe('for a queued step: why no worker runs it yet, e.g. "waiting for 1 GPU: all 2 in use"'),
    suggestion: ResourceSuggestion.nullable(),
  })
  .meta({ id: "Step" });

export const MetricSummary = z
  .object({
    last: z.number().nullable().describe("latest value: greatest step, then latest timestamp (null: NaN or infinite, which JSON cannot carry)"),
    min: z.number().nullable(),
    max: z.number().nullable(),
    step: z.number().describe("step of the latest value"),
    timestamp: z.number().describe("milliseconds since the epoch"),
    count: z.number().int(),
  })
  .meta({ id: "MetricSummary" });

export const RunDetail = RunSummary.extend({
  failFast: z.boolean(),
  noCache: z.boolean().describe("started with no cache: no step reused a cached result"),
  tags: z.record(z.string(), z.string()),
  note: z.string(),
  metrics: z.array(MetricSummary.extend({ key: z.string() })),
  steps: z.array(Step),
}).meta({ id: "RunDetail" });

const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe("a second request with the same key returns the first request's run instead of starting another (the Idempotency-Key header works too)");

const NoCache = z
  .boolean()
  .optional()
  .describe("run every step even when a cached result exists (results are still recorded for later runs); default false");

export const CreateRunBody = z.object({
  pipeline: z.string().min(1).max(100),
  version: z.number().int().positive().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  experiment: z.string().min(1).max(500).optional().describe("experiment name (default: the pipeline's name); created on first use"),
  name: z.string().max(250).optional(),
  idempotencyKey: IdempotencyKey,
  noCache: NoCache,
});

export const RerunBody = z.object({
  params: z.record(z.string(), z.unknown()).optional().describe("replaces the origin run's params; default: the same params"),
  name: z.string().max(250).optional(),
  idempotencyKey: IdempotencyKey,
  noCache: NoCache,
});

export const RetryBody = z.object({ idempotencyKey: IdempotencyKey }).optional();

export const UpdateRunBody = z.object({
  name: z.string().max(250).nullable().optional(),
  note: z.string().max(50_000).optional(),
  tags: z.record(z.string(), z.string().nullable()).optional().describe("tags to set; null removes a tag"),
});

export const ListRunsQuery = z.object({
  status: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).filter(Boolean)))
    .pipe(z.array(RunStatus)),
  pipeline: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

export const RunParams = ProjectParams.extend({ id: z.uuid({ message: "run id must be a UUID" }) });
export const StepParams = RunParams.extend({ step: z.string().min(1).max(100) });

export const LogLine = z.object({ seq: z.number().int(), ts: z.string(), stream: z.enum(["stdout", "stderr"]), text: z.string() });

export const LogsQuery = z.object({
  attempt: z.coerce.number().int().positive().optional(),
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

export const LogsResponse = z.object({ attempt: z.number().int(), lines: z.array(LogLine), nextAfter: z.number().int(), complete: z.boolean() });

export const ExperimentSummary = z
  .object({ id: z.number().int(), name: z.string(), description: z.string(), createdAt: z.string(), runCount: z.number().int(), lastRunAt: z.string().nullable() })
  .meta({ id: "ExperimentSummary" });

export const Experiment = z
  .object({ id: z.number().int(), name: z.string(), description: z.string(), tags: z.record(z.string(), z.string()), createdAt: z.string(), runCount: z.number().int() })
  .meta({ id: "Experiment" });

export const ExperimentParams = ProjectParams.extend({ id: z.coerce.number({ message: "experiment id must be a number" }).int().positive() });

export const ExperimentRun = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    experimentId: z.number().int(),
    source: z.enum(["pipeline", "mlflow"]),
    status: RunStatus,
    pipeline: z.string().nullable(),
    version: z.number().int().nullable(),
    params: z.record(z.string(), z.unknown()),
    tags: z.record(z.string(), z.string()),
    note: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    origin: RunOriginRef,
    metrics: z.record(z.string(), MetricSummary),
  })
  .meta({ id: "ExperimentRun" });

const stringList = (max: number, what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string()).max(max, `at most ${max} ${what}`));

export const ExperimentRunsQuery = z.object({
  filter: z.string().max(4000).default("").describe("e.g. metrics.accuracy > 0.9 and params.lr = 0.01 (MLflow search syntax)"),
  orderBy: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .describe("e.g. metrics.accuracy DESC; repeatable; default: newest first"),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ExperimentColumns = z.object({ params: z.array(z.string()), metrics: z.array(z.string()), tags: z.array(z.string()) });

const RunIdList = stringList(200, "runs").pipe(z.array(z.uuid({ message: "run ids must be UUIDs" })).min(1, "name at least one run"));

export const CompareQuery = z.object({ runs: RunIdList });

export const CompareStep = z.object({
  name: z.string(),
  status: StepStatus,
  attempt: z.number().int(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  command: z.string().nullable(),
  outputs: z.record(z.string(), z.unknown()),
  reusedFromRunId: z.string().nullable(),
});

export const CompareResponse = z.object({
  runs: z.array(ExperimentRun.extend({ experiment: ExperimentRef, steps: z.array(CompareStep) })),
  paramKeys: z.array(z.string()),
  metricKeys: z.array(z.string()),
});

export const MetricHistoryQuery = z.object({
  runs: RunIdList,
  keys: stringList(50, "metric keys"),
  maxPoints: z.coerce.number().int().min(2).max(5000).default(500),
  envelope: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .describe("also send min and max of each step range (for a band around the line)"),
});

export const MetricHistoryResponse = z.object({
  series: z.array(
    z.object({
      runId: z.string(),
      key: z.string(),
      count: z.number().int().describe("points logged in all"),
      steps: z.array(z.number()),
      values: z.array(z.number().nullable()).describe("the latest value in each step range; null: NaN or infinite"),
      min: z.array(z.number().nullable()).optional().describe("with envelope=true"),
      max: z.array(z.number().nullable()).optional().describe("with envelope=true"),
    }),
  ),
});

export const LogBatchBody = z.object({
  metrics: z
    .array(z.object({ key: z.string(), value: z.number(), step: z.number().int().optional(), timestamp: z.number().int().optional() }))
    .max(1000)
    .optional(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

// ---------------------------------------------------------------- artifacts and lineage

export const ArtifactParams = ProjectParams.extend({ id: z.uuid({ message: "artifact id must be a UUID" }) });

const ArtifactType = z.string().describe("the output's declared type: dataset, model, metrics, file or directory");
const ArtifactMetadata = z
  .record(z.string(), z.unknown())
  .describe("what the worker recorded about the output: fileName, mediaType, columns and rows (CSV/TSV), fileCount (directories)");
const StepRef = z.object({ runId: z.string(), stepName: z.string() });

export const ArtifactInfo = z.object({
  id: z.string(),
  digest: z.string().describe("sha256 hex of the file, or of a directory's canonical manifest"),
  kind: z.enum(["file", "directory"]),
  size: z.number().describe("bytes (all files of a directory)"),
  fileCount: z.number().int(),
  createdAt: z.string(),
});

export const RunArtifact = ArtifactInfo.extend({
  step: z.string().describe("the step of this run that has it as an output (or, for inputs, that consumed it)"),
  name: z.string().describe('the output name; for inputs the reference it came through ("prepare.data")'),
  type: ArtifactType,
  metadata: ArtifactMetadata,
  producedBy: StepRef.nullable().describe("the step that actually produced it (for cached and reused steps, the one that ran)"),
  cached: z.boolean().describe("the step of this run did not run: a cached result or a reused output of an earlier run"),
}).meta({ id: "RunArtifact" });

export const RunArtifactsResponse = z.object({
  outputs: z.array(RunArtifact).describe("every artifact output of the run's steps, cached and reused steps included, in step order"),
  inputs: z.array(RunArtifact).describe("artifacts the run's steps consumed"),
});

const ArtifactUse = z.object({
  runId: z.string(),
  runName: z.string().nullable(),
  runStatus: RunStatus,
  pipeline: z.string().nullable(),
  version: z.number().int().nullable(),
  stepName: z.string(),
  name: z.string().describe("output name (producers) or input reference (consumers)"),
  at: z.string(),
  cached: z.boolean().describe("a consumer that reused the result of a step that consumed it (a cache hit)"),
});

export const ArtifactDetail = ArtifactInfo.extend({
  type: ArtifactType.nullable(),
  name: z.string().nullable().describe("output name of its latest producer"),
  metadata: ArtifactMetadata,
  producers: z.array(ArtifactUse).describe("steps that produced it, newest first (at most 50)"),
  producerCount: z.number().int(),
  consumers: z.array(ArtifactUse).describe("steps that consumed it, cache hits of those included, newest first (at most 50)"),
  consumerCount: z.number().int(),
  cacheEntries: z.number().int().describe("cache entries that keep it (retention does not delete it while any does)"),
  files: z
    .array(z.object({ path: z.string(), size: z.number(), digest: z.string() }))
    .nullable()
    .describe("a directory's files, sorted by path (at most 1000); null for a file"),
  filesTruncated: z.boolean(),
}).meta({ id: "ArtifactDetail" });

export const ArtifactFileQuery = z.object({
  path: z.string().min(1).max(4096).optional().describe("a file inside a directory artifact"),
});

const previewOf = {
  path: z.string().nullable().describe("the file inside a directory artifact"),
  size: z.number().describe("bytes of the whole file"),
  mediaType: z.string(),
};

export const ArtifactPreview = z
  .discriminatedUnion("format", [
    z.object({
      ...previewOf,
      format: z.enum(["csv", "tsv"]),
      columns: z.array(z.string()),
      rows: z.array(z.array(z.string())).describe("the first rows after the header (at most 50)"),
      totalRows: z.number().int().nullable().describe("data rows in the whole file, when the worker counted them"),
      truncated: z.boolean(),
    }),
    z.object({ ...previewOf, format: z.literal("json"), value: z.unknown() }),
    z.object({ ...previewOf, format: z.literal("text"), text: z.string(), truncated: z.boolean() }),
    z.object({ ...previewOf, format: z.literal("image") }).describe("show it from the content endpoint"),
    z.object({ ...previewOf, format: z.literal("binary") }).describe("no preview: download it"),
    z
      .object({
        ...previewOf,
        format: z.literal("directory"),
        files: z.array(z.object({ path: z.string(), size: z.number() })),
        fileCount: z.number().int(),
      })
      .describe("a directory without path: its files (preview one with ?path=)"),
  ])
  .meta({ id: "ArtifactPreview" });

export const LineageNode = z
  .discriminatedUnion("kind", [
    z.object({
      id: z.string(),
      kind: z.literal("artifact"),
      artifactId: z.string(),
      digest: z.string(),
      type: z.string().nullable(),
      name: z.string().nullable().describe("output name it was produced as"),
      storage: z.enum(["file", "directory"]),
      size: z.number(),
      raw: z.boolean().describe("a raw dataset: every step of the project that produced it consumed no artifacts (false when none did)"),
    }),
    z.object({
      id: z.string(),
      kind: z.literal("step"),
      runId: z.string(),
      runName: z.string().nullable(),
      pipeline: z.string().nullable(),
      version: z.number().int().nullable(),
      stepName: z.string(),
      status: StepStatus,
      cached: z.boolean(),
      cachedFrom: StepRef.nullable(),
      createdAt: z.string(),
    }),
    z.object({
      id: z.string(),
      kind: z.literal("code"),
      pipeline: z.string(),
      version: z.number().int(),
      codeDigest: z.string().nullable().describe("sha256 of the code snapshot (null: the version has no code)"),
      contentDigest: z.string(),
    }),
  ])
  .meta({ id: "LineageNode" });

export const LineageEdge = z
  .object({
    id: z.string(),
    source: z.string(),
    target: z.string(),
    kind: z.enum(["produced", "consumed", "code"]).describe("produced: step → artifact; consumed: artifact → step; code: code version → step"),
    label: z.string().nullable().describe("output name or input reference"),
  })
  .meta({ id: "LineageEdge" });

export const LineageGraph = z
  .object({
    root: z.string().nullable().describe("the node the traversal started from"),
    nodes: z.array(LineageNode),
    edges: z.array(LineageEdge),
    truncated: z.boolean().describe("the depth or node limit cut the graph short"),
  })
  .meta({ id: "LineageGraph" });

export const LineageQuery = z.object({
  direction: z.enum(["upstream", "downstream", "both"]).default("both"),
  depth: z.coerce.number().int().min(1).max(50).default(10).describe("steps to follow from the artifact"),
});

export const DeleteRunsBody = z
  .object({
    runIds: z.array(z.uuid({ message: "run ids must be UUIDs" })).min(1).max(1000).optional(),
    finishedBefore: z.iso.datetime({ offset: true, message: "an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z" }).optional(),
    dryRun: z.boolean().default(false).describe("only say what would be deleted"),
  })
  .refine((b) => b.runIds !== undefined || b.finishedBefore !== undefined, { message: "give runIds, finishedBefore or both", path: ["runIds"] });

export const DeleteRunsResponse = z.object({
  dryRun: z.boolean(),
  runs: z.number().int(),
  runIds: z.array(z.string()),
  more: z.boolean().describe("more runs match finishedBefore than one call deletes (1000): call again"),
  artifacts: z.number().int().describe("artifacts no remaining run or cache entry refers to"),
  bytes: z.number().describe("stored bytes freed"),
});

export const WorkerView = z
  .object({
    id: z.string(),
    hostname: z.string(),
    pid: z.number().int(),
    startedAt: z.string(),
    lastSeenAt: z.string(),
    concurrency: z.number().int().describe("step slots"),
    running: z.number().int(),
    capacity: z.object({ executors: z.array(Executor), cpu: z.number(), memoryBytes: z.number(), gpus: z.array(z.string()) }),
    inUse: z.object({ cpu: z.number(), memoryBytes: z.number(), gpus: z.number().int() }).describe("the sum of its running steps' requests"),
    gpusInUse: z.array(z.string()),
  })
  .meta({ id: "Worker" });

export const WorkersResponse = z.object({ items: z.array(WorkerView) });

const PythonEnvironment = z.object({
  executable: z.string(),
  version: z.string(),
  implementation: z.string(),
  packages: z.record(z.string(), z.string()).describe("installed distributions and their versions"),
});

export const StepEnvironment = z
  .object({
    attempt: z.number().int(),
    digest: z.string(),
    environment: z.discriminatedUnion("executor", [
      z.object({ executor: z.literal("shared"), hostname: z.string(), os: z.string(), arch: z.string(), python: PythonEnvironment.nullable() }),
      z.object({
        executor: z.literal("container"),
        image: z.string(),
        imageId: z.string().describe("the image's content digest (sha256:…)"),
        repoDigests: z.array(z.string()),
        python: PythonEnvironment.nullable(),
      }),
    ]),
  })
  .meta({ id: "StepEnvironment" });

export const AttemptQuery = z.object({ attempt: z.coerce.number().int().min(1).optional() });

// ---------------------------------------------------------------- model registry

export const ModelStage = z.enum(MODEL_STAGES).meta({ id: "ModelStage" });

const MAX_INT4 = 2_147_483_647;
const ModelName = z.string().min(1, "name the model").max(128);
const Description = z.string().max(5000);
const Tags = z
  .record(z.string().min(1).max(250), z.string().max(5000))
  .refine((tags) => Object.keys(tags).length <= 100, { message: "at most 100 tags" })
  .describe("key → value");
const VersionNumber = z.number().int().positive().max(MAX_INT4);

export const ModelParams = ProjectParams.extend({ name: ModelName });
export const ModelVersionParams = ModelParams.extend({
  version: z.coerce.number({ message: "version must be a number" }).int("version must be a whole number").positive().max(MAX_INT4),
});
export const ModelAliasParams = ModelParams.extend({ alias: z.string().min(1).max(64) });

export const GateResult = z
  .object({
    gate: z.string().describe('the gate as written, e.g. "f1 >= production.f1"'),
    passed: z.boolean(),
    left: z.number().nullable().describe("the candidate's value (null: its run did not log the metric)"),
    right: z.number().nullable().describe("what it was compared with (null: nothing to compare with, e.g. no Production version)"),
    message: z.string().describe("what happened, with how much a failed gate missed by"),
  })
  .meta({ id: "GateResult" });

const VersionRun = z
  .object({ id: z.string(), name: z.string().nullable(), status: RunStatus, experimentId: z.number().int(), experimentName: z.string() })
  .nullable()
  .describe("the run it was registered from (null: not from a run, or the run was deleted)");

const VersionArtifact = z
  .object({
    id: z.string(),
    digest: z.string(),
    size: z.number(),
    type: z.string().nullable().describe("the output's declared type (model, …); null when no run records it any more"),
  })
  .nullable()
  .describe("the stored artifact (null: registered from a source Trellis does not store)");

export const ModelVersionView = z
  .object({
    version: z.number().int(),
    stage: ModelStage,
    description: z.string(),
    tags: z.record(z.string(), z.string()),
    aliases: z.array(z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
    source: z.string().describe('as given by an MLflow client, or "trellis-artifact:<digest>"'),
    runId: z.string().nullable(),
    run: VersionRun,
    stepName: z.string().nullable(),
    outputName: z.string().nullable(),
    artifact: VersionArtifact,
    metrics: z.record(z.string(), z.number()).describe("latest value of each metric of the run (NaN and infinite values left out)"),
  })
  .meta({ id: "ModelVersion" });

export const ModelSummary = z
  .object({
    name: z.string(),
    description: z.string(),
    latestVersion: z.number().int().describe("the highest version number that exists (0: none)"),
    versionCount: z.number().int(),
    production: z
      .object({ version: z.number().int(), runId: z.string().nullable() })
      .nullable()
      .describe("the Production version (the newest, should several be)"),
    staging: z.array(z.number().int()).describe("versions in Staging, newest first"),
    aliases: z.array(z.object({ alias: z.string(), version: z.number().int() })),
    updatedAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: "ModelSummary" });

export const ModelDetail = ModelSummary.extend({
  tags: z.record(z.string(), z.string()),
  policy: z.object({ gates: z.array(z.string()).describe("gates a version must pass to be promoted to Production") }),
  versions: z.array(ModelVersionView).describe("newest first"),
}).meta({ id: "ModelDetail" });

export const ListModelsQuery = z.object({ q: z.string().max(200).optional().describe("part of the name (case-insensitive)") });

const Gates = z
  .array(z.string().max(500))
  .max(50)
  .describe('one gate per entry: METRIC OP VALUE, e.g. "accuracy >= 0.8", "f1 >= production.f1", "loss <= production.loss + 0.01"');

export const CreateModelBody = z.object({ name: ModelName, description: Description.optional(), tags: Tags.optional(), gates: Gates.optional() });

export const UpdateModelBody = z.object({
  description: Description.optional(),
  tags: Tags.optional().describe("replaces every tag"),
  gates: Gates.optional().describe("replaces the promotion gates"),
});

export const CreateModelVersionBody = z.object({
  runId: z.uuid({ message: "run id must be a UUID" }),
  stepName: z.string().min(1).max(100).optional().describe("needed when several steps of the run have an output of that name"),
  outputName: z.string().min(1).max(100).describe("the artifact output of the step, e.g. model"),
  description: Description.optional(),
  tags: Tags.optional(),
  createModel: z.boolean().optional().describe("create the model if it does not exist (default false: 404)"),
});

export const UpdateModelVersionBody = z.object({ description: Description.optional(), tags: Tags.optional().describe("replaces every tag") });

export const TransitionBody = z.object({
  stage: ModelStage,
  comment: z.string().max(5000).optional(),
  archiveExisting: z.boolean().optional().describe("promoting to Production archives the current Production version unless false (default true)"),
  overrideReason: z.string().max(5000).optional().describe("promote even though gates fail; the reason is recorded (must not be empty)"),
  expectedStage: ModelStage.optional().describe("apply only if the version is still in this stage (409 otherwise)"),
});

export const TransitionResponse = z.object({
  version: ModelVersionView,
  fromStage: ModelStage,
  toStage: ModelStage,
  gateResults: z.array(GateResult).describe("every gate evaluated (promotions to Production only)"),
  overridden: z.boolean().describe("a failing gate was overridden"),
  archived: z.array(z.number().int()).describe("versions this promotion moved to Archived"),
});

export const GateCheckResponse = z.object({ gateResults: z.array(GateResult) });

/** A 409 of a promotion blocked by gates: the issues name each failing gate (policy.gates[i]); gateResults has all of them. */
export const PromotionBlockedResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      gateResults: z.array(GateResult).optional(),
    }),
  })
  .meta({ id: "PromotionBlockedError" });

export const SetAliasBody = z.object({ version: VersionNumber });

export const ModelEventView = z
  .object({
    id: z.string(),
    kind: z
      .string()
      .describe(
        "model_created, model_updated, model_deleted, model_renamed, policy_changed, version_created, version_updated, version_deleted, stage_changed, alias_set, alias_deleted",
      ),
    actor: z.string(),
    at: z.string(),
    version: z.number().int().nullable(),
    fromStage: z.string().nullable(),
    toStage: z.string().nullable(),
    alias: z.string().nullable(),
    comment: z.string().nullable(),
    gateResults: z.array(GateResult).nullable(),
    overrideReason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "ModelAuditEvent" });

export const ModelEventsQuery = z.object({
  before: z.string().regex(/^\d{1,18}$/, "an event id returned as nextBefore").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const ModelEventsResponse = z.object({ items: z.array(ModelEventView), nextBefore: z.string().nullable().describe("pass as before for older events") });

// ---------------------------------------------------------------- webhooks

export const WebhookEvent = z.enum(WEBHOOK_EVENTS);
export const WebhookParams = ProjectParams.extend({ id: z.uuid({ message: "webhook id must be a UUID" }) });
export const DeliveryParams = ProjectParams.extend({ id: z.uuid({ message: "delivery id must be a UUID" }) });

const WebhookBase = {
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  modelName: z.string().nullable().describe("null: every model of the project"),
  active: z.boolean(),
  createdAt: z.string(),
};

export const WebhookView = z
  .object({ ...WebhookBase, lastDelivery: z.object({ status: z.string(), at: z.string() }).nullable() })
  .meta({ id: "Webhook" });

export const CreatedWebhook = z.object({ ...WebhookBase, secret: z.string().describe("the HMAC-SHA256 key of the signature header; shown only here") });

export const CreateWebhookBody = z.object({
  url: z.string().min(1).max(2000),
  events: z.array(z.string()).max(10).optional().describe(`default: all (${WEBHOOK_EVENTS.join(", ")})`),
  modelName: ModelName.nullish().describe("only this model's events (default, or null: every model)"),
  secret: z.string().max(200).optional().describe("at least 16 characters; default: generated"),
});

export const WebhookDeliveryView = z
  .object({
    id: z.string(),
    event: z.string(),
    status: z.string().describe("pending, succeeded or failed"),
    attemptCount: z.number().int(),
    nextAttemptAt: z.string().nullable().describe("when a pending delivery is tried next (null once it succeeded or failed)"),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    attempts: z.array(z.object({ at: z.string(), durationMs: z.number().nullable(), statusCode: z.number().int().nullable(), error: z.string().nullable() })),
    payload: z.unknown(),
  })
  .meta({ id: "WebhookDelivery" });

export const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

// ---------------------------------------------------------------- schedules and backfills

export const ScheduleParams = ProjectParams.extend({ id: z.uuid({ message: "schedule id must be a UUID" }) });
export const BackfillParams = ProjectParams.extend({ id: z.uuid({ message: "backfill id must be a UUID" }) });

const DATE_TIME_MESSAGE = "an ISO 8601 date-time with an offset, e.g. 2026-01-31T00:00:00Z";
const DateTimeInput = z.iso.datetime({ offset: true, message: DATE_TIME_MESSAGE }).transform((s) => new Date(s));

export const ConcurrencyPolicy = z
  .enum(CONCURRENCY_POLICIES)
  .describe("when a fire time comes while earlier runs are in flight: allow (up to maxConcurrent, then skip), skip (skip while one runs), queue (wait for a free slot)");
export const ReprocessPolicy = z
  .enum(REPROCESS_POLICIES)
  .describe("skip-succeeded: run intervals whose latest run did not succeed; failed-only: only intervals whose latest run failed or was cancelled; all: every interval");

const ScheduleName = z.string().min(1, "name the schedule").max(100);
const PipelineVersionInput = z
  .number()
  .int("version must be a whole number")
  .positive()
  .max(MAX_INT4)
  .nullable()
  .describe("a pinned pipeline version; null (default): the latest version at each fire time");

export const TriggerInput = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("cron"),
      cron: z.string().min(1, "give a cron expression").max(200).describe('5 fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *"'),
      timezone: z.string().min(1).max(100).optional().describe('IANA time zone of the cron fields, e.g. "Europe/Berlin" (default UTC)'),
    }),
    z.object({
      kind: z.literal("interval"),
      everySeconds: z.number().int("a whole number of seconds").min(60, "at least 60 seconds").max(MAX_INT4).describe("fires at startAt + k * everySeconds"),
    }),
  ])
  .describe("cron: 5 fields in an IANA time zone; interval: every everySeconds from startAt");

export const TriggerView = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("cron"), cron: z.string(), timezone: z.string() }),
    z.object({ kind: z.literal("interval"), everySeconds: z.number().int() }),
  ])
  .meta({ id: "Trigger" });

const ScheduleParamsInput = z
  .record(z.string(), z.unknown())
  .describe("run params; strings may use ${{ schedule.logical_date }}, ${{ schedule.interval_start }} and ${{ schedule.interval_end }} (ISO 8601, UTC)");

const scheduleFields = {
  name: ScheduleName,
  pipeline: z.string().min(1, "name the pipeline").max(100),
  version: PipelineVersionInput.optional(),
  trigger: TriggerInput,
  params: ScheduleParamsInput.optional(),
  startAt: DateTimeInput.optional().describe("fire times before it are not due; the anchor of interval triggers (default: now)"),
  endAt: DateTimeInput.nullable().optional().describe("no fire times after it (default null: none)"),
  concurrency: ConcurrencyPolicy.optional(),
  maxConcurrent: z.number().int("a whole number").min(1).max(100).optional().describe("runs of the schedule in flight at once (default 1)"),
  catchup: z.boolean().optional().describe("run every fire time missed while Trellis was down or the schedule paused (default false: only the latest)"),
  paused: z.boolean().optional(),
};

export const CreateScheduleBody = z.object(scheduleFields);

export const UpdateScheduleBody = z.object({
  name: scheduleFields.name.optional(),
  pipeline: scheduleFields.pipeline.optional(),
  version: scheduleFields.version,
  trigger: scheduleFields.trigger.optional(),
  params: scheduleFields.params.describe("replaces every param"),
  startAt: scheduleFields.startAt,
  endAt: scheduleFields.endAt,
  concurrency: scheduleFields.concurrency,
  maxConcurrent: scheduleFields.maxConcurrent,
  catchup: scheduleFields.catchup,
  paused: scheduleFields.paused.describe("as POST …/pause and …/resume"),
});

/** failed: its run could not be created (the reason says why, e.g. params the pipeline no longer accepts). */
const ScheduledRunState = z.enum(["starting", "started", "skipped", "waiting", "cancelled", "failed"]);

export const ScheduleView = z
  .object({
    id: z.string(),
    name: z.string(),
    pipeline: z.string(),
    version: z.number().int().nullable().describe("null: the latest version"),
    trigger: TriggerView,
    description: z.string().describe('the trigger in words, e.g. "every day at 02:00 (Europe/Berlin)"'),
    params: z.record(z.string(), z.unknown()),
    startAt: z.string(),
    endAt: z.string().nullable(),
    paused: z.boolean(),
    concurrency: ConcurrencyPolicy,
    maxConcurrent: z.number().int(),
    catchup: z.boolean(),
    lastFireAt: z.string().nullable().describe("every fire time up to this one has been decided"),
    nextFireTimes: z.array(z.string()).describe("the next 5 fire times (empty when paused or past endAt)"),
    lastRun: z
      .object({ runId: z.string(), status: RunStatus, logicalTime: z.string() })
      .nullable()
      .describe("the run of the latest logical time that has one (the schedule's own or a backfill's)"),
    activeBackfills: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Schedule" });

export const SchedulesResponse = z.object({ items: z.array(ScheduleView) });

export const ScheduleRunsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true, message: DATE_TIME_MESSAGE }).optional().describe("a logical time returned as nextBefore: older rows only"),
});

export const ScheduledRunView = z
  .object({
    id: z.string(),
    logicalTime: z.string(),
    intervalStart: z.string(),
    intervalEnd: z.string(),
    state: ScheduledRunState.describe("starting: its run is being created; waiting: queued behind running runs or a backfill's parallelism"),
    reason: z.string().nullable().describe("why it was skipped, waits or was cancelled"),
    backfillId: z.string().nullable().describe("null: the schedule's own tick"),
    run: z.object({ id: z.string(), status: RunStatus, createdAt: z.string(), finishedAt: z.string().nullable() }).nullable(),
  })
  .meta({ id: "ScheduledRun" });

export const ScheduleRunsResponse = z.object({
  items: z.array(ScheduledRunView).describe("newest logical time first"),
  nextBefore: z.string().nullable().describe("pass as before for older rows"),
});

export const PreviewScheduleBody = z.object({
  trigger: TriggerInput,
  startAt: DateTimeInput.optional().describe("fire times before it are left out; the anchor of interval triggers (default: now)"),
  count: z.number().int().min(1).max(20).default(5),
});

export const PreviewScheduleResponse = z.object({
  fireTimes: z.array(z.string()),
  description: z.string(),
  dstPolicy: z.string().describe("how cron times behave across daylight-saving changes"),
});

export const CreateBackfillBody = z.object({
  from: DateTimeInput.describe("the first logical time included"),
  to: DateTimeInput.describe("logical times before it are included"),
  maxParallel: z.number().int("a whole number").min(1).max(50).default(2),
  reprocess: ReprocessPolicy.default("skip-succeeded"),
  dryRun: z.boolean().default(false).describe("only plan: say which intervals would run"),
});

export const BackfillView = z
  .object({
    id: z.string(),
    scheduleId: z.string(),
    rangeStart: z.string(),
    rangeEnd: z.string(),
    maxParallel: z.number().int(),
    reprocess: ReprocessPolicy,
    state: z.enum(["running", "succeeded", "failed", "cancelled"]),
    total: z.number().int().describe("intervals to run (skipped ones not counted)"),
    counts: z.object({
      waiting: z.number().int(),
      running: z.number().int().describe("runs being created, queued or running"),
      succeeded: z.number().int(),
      failed: z.number().int(),
      cancelled: z.number().int(),
      skipped: z.number().int(),
    }),
    createdBy: z.string(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: "Backfill" });

export const BackfillIntervalView = z.object({
  logicalTime: z.string(),
  intervalStart: z.string(),
  intervalEnd: z.string(),
  action: z.enum(["run", "skip"]),
  reason: z.string().nullable().describe("why it is skipped, or how its latest run ended"),
});

export const CreateBackfillResponse = z.object({
  backfill: BackfillView.nullable().describe("null on a dry run"),
  intervals: z.array(BackfillIntervalView),
});

export const BackfillsResponse = z.object({ items: z.array(BackfillView).describe("newest first") });

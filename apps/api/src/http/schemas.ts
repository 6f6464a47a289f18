import { z } from "zod";
import { RUN_STATUSES, STEP_STATUSES } from "@trellis/engine";

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

export const errorResponses = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export const ProjectParams = z.object({ project: z.string().min(1).max(100) });

export const Project = z.object({ id: z.string(), name: z.string(), description: z.string(), createdAt: z.string() }).meta({ id: "Project" });

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
  .describe("the run this one was started from: rerun (every step again) or retry (failed steps only)");

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

export const StepAttempt = z.object({
  attempt: z.number().int(),
  status: StepStatus,
  workerId: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  error: z.string().nullable(),
  failureKind: FailureKind,
});

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

export const CreateRunBody = z.object({
  pipeline: z.string().min(1).max(100),
  version: z.number().int().positive().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  experiment: z.string().min(1).max(500).optional().describe("experiment name (default: the pipeline's name); created on first use"),
  name: z.string().max(250).optional(),
  idempotencyKey: IdempotencyKey,
});

export const RerunBody = z.object({
  params: z.record(z.string(), z.unknown()).optional().describe("replaces the origin run's params; default: the same params"),
  name: z.string().max(250).optional(),
  idempotencyKey: IdempotencyKey,
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

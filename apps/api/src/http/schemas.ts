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

export const RunSummary = z
  .object({
    id: z.string(),
    pipeline: z.string(),
    version: z.number().int(),
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
    command: z.string().nullable(),
    attempts: z.array(StepAttempt),
  })
  .meta({ id: "Step" });

export const RunDetail = RunSummary.extend({ failFast: z.boolean(), steps: z.array(Step) }).meta({ id: "RunDetail" });

export const CreateRunBody = z.object({
  pipeline: z.string().min(1).max(100),
  version: z.number().int().positive().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
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

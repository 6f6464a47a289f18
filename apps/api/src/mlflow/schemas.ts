import { z } from "zod";
import { MLFLOW_STATUSES, type MlflowStatus } from "@trellis/tracking";

/**
 * Request schemas of the MLflow-compatible API, accepting what protobuf's JSON mapping accepts
 * (MLflow's server parses requests with it): int64 as a number or its decimal text, doubles as
 * numbers or the strings "NaN", "Infinity", "-Infinity" (how the Python client sends them),
 * enums by name or number, null as "not set", unknown fields ignored. GET requests carry the
 * same fields in the query string.
 */

const INT_TEXT = /^[+-]?\d+$/;
const DOUBLE_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

function toInt64(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === "string" && INT_TEXT.test(v.trim())) {
    const n = Number(v.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** A 64-bit integer (within JavaScript's safe range): a number without fraction or its decimal text. */
export const int64 = z
  .custom<number | string>((v) => toInt64(v) !== undefined, { error: "expected an integer" })
  .transform((v) => toInt64(v)!);

/** A double: any number (NaN and ±Infinity included), or its text, or "NaN" / "Infinity" / "-Infinity". */
export const double = z
  .custom<number | string>((v) => typeof v === "number" || (typeof v === "string" && (v in NON_FINITE || DOUBLE_TEXT.test(v.trim()))), {
    error: 'expected a number (a double, or "NaN", "Infinity", "-Infinity")',
  })
  .transform((v) => (typeof v === "number" ? v : (NON_FINITE[v] ?? Number(v.trim()))));

/** Postgres text cannot hold NUL characters; such a string is rejected here rather than failing in the database. */
const text = z.string().refine((s) => !s.includes("\u0000"), { error: "must not contain NUL characters" });

/** A required string: absent, null and "" are all "missing" (MLflow's _assert_required). */
export const requiredString = text.min(1);
export const optionalString = text.nullish();

const RUN_STATUS_NUMBERS: Record<number, MlflowStatus> = { 1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED" };

function toRunStatus(v: unknown): MlflowStatus | undefined {
  if (typeof v === "number") return RUN_STATUS_NUMBERS[v];
  if (typeof v !== "string") return undefined;
  const upper = v.trim().toUpperCase();
  return (MLFLOW_STATUSES as readonly string[]).includes(upper) ? (upper as MlflowStatus) : RUN_STATUS_NUMBERS[Number(upper)];
}

/** MLflow's RunStatus enum, by name (any case) or number. */
export const runStatus = z
  .custom<string | number>((v) => toRunStatus(v) !== undefined, { error: `expected a run status (${MLFLOW_STATUSES.join(", ")})` })
  .transform((v) => toRunStatus(v)!);

export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
const VIEW_TYPES: readonly ViewType[] = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"];

function toViewType(v: unknown): ViewType | undefined {
  if (typeof v === "number") return VIEW_TYPES[v - 1];
  if (typeof v !== "string") return undefined;
  const upper = v.trim().toUpperCase();
  return (VIEW_TYPES as readonly string[]).includes(upper) ? (upper as ViewType) : toViewType(INT_TEXT.test(upper) ? Number(upper) : undefined);
}

/** MLflow's ViewType enum, by name (any case) or number. */
export const viewType = z
  .custom<string | number>((v) => toViewType(v) !== undefined, { error: `expected a view type (${VIEW_TYPES.join(", ")})` })
  .transform((v) => toViewType(v)!);

const keyValue = z.object({ key: requiredString, value: optionalString });
export type KeyValue = z.output<typeof keyValue>;

/** A JSON body; an empty body is `{}`, as MLflow's server reads it. */
const body = <S extends z.ZodRawShape>(shape: S) => z.preprocess((v) => v ?? {}, z.object(shape));

/**
 * A query string: a field given twice keeps its first value (as Flask's `args.get`), except
 * the repeated fields named, which are always lists.
 */
const query = <S extends z.ZodRawShape>(shape: S, repeated: readonly string[] = []) =>
  z.preprocess((v) => {
    if (typeof v !== "object" || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(v)) {
      if (repeated.includes(key)) out[key] = Array.isArray(value) ? value : [value];
      else out[key] = Array.isArray(value) ? value[0] : value;
    }
    return out;
  }, z.object(shape));

export const CreateExperimentBody = body({ name: requiredString, artifact_location: optionalString, tags: z.array(keyValue).nullish() });
export const GetExperimentQuery = query({ experiment_id: requiredString });
export const GetExperimentByNameQuery = query({ experiment_name: requiredString });

const searchExperimentsShape = {
  max_results: int64.nullish(),
  page_token: optionalString,
  filter: optionalString,
  order_by: z.array(text).nullish(),
  view_type: viewType.nullish(),
};
export const SearchExperimentsBody = body(searchExperimentsShape);
export const SearchExperimentsQuery = query(searchExperimentsShape, ["order_by"]);

export const CreateRunBody = body({
  experiment_id: optionalString,
  user_id: optionalString,
  run_name: optionalString,
  start_time: int64.nullish(),
  tags: z.array(keyValue).nullish(),
});

/** run_id, or the deprecated run_uuid that MLflow clients send alongside it. */
const runRef = { run_id: optionalString, run_uuid: optionalString };

export const UpdateRunBody = body({ ...runRef, status: runStatus.nullish(), end_time: int64.nullish(), run_name: optionalString });
export const GetRunQuery = query(runRef);

export const LogMetricBody = body({ ...runRef, key: requiredString, value: double, timestamp: int64, step: int64.nullish() });
export const LogParamBody = body({ ...runRef, key: requiredString, value: optionalString });
export const SetTagBody = body({ ...runRef, key: requiredString, value: optionalString });

export const LogBatchBody = body({
  run_id: requiredString,
  metrics: z.array(z.object({ key: requiredString, value: double, timestamp: int64, step: int64.nullish() })).nullish(),
  params: z.array(keyValue).nullish(),
  tags: z.array(keyValue).nullish(),
});

export const SearchRunsBody = body({
  experiment_ids: z.array(text).nullish(),
  filter: optionalString,
  run_view_type: viewType.nullish(),
  max_results: int64.nullish(),
  order_by: z.array(text).nullish(),
  page_token: optionalString,
});

export const GetMetricHistoryQuery = query({ ...runRef, metric_key: requiredString, max_results: int64.nullish(), page_token: optionalString });

// ---- model registry (model_registry.proto) ---------------------------------------------------

/** A model version number as MLflow sends it (a string, or a number from some clients); checked by the route. */
export const versionText = z
  .custom<string | number>((v) => (typeof v === "string" && v.trim() !== "") || (typeof v === "number" && Number.isFinite(v)), { error: "expected a version number" })
  .transform((v) => String(v).trim());

function toBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === "true";
  return undefined;
}

/** A bool: true / false, or their text. */
export const bool = z.custom<boolean | string>((v) => toBool(v) !== undefined, { error: "expected true or false" }).transform((v) => toBool(v)!);

const modelTags = z.array(keyValue).nullish();
const modelName = { name: requiredString };
const versionRef = { name: requiredString, version: versionText };

export const CreateRegisteredModelBody = body({ ...modelName, tags: modelTags, description: optionalString });
export const RegisteredModelQuery = query(modelName);
export const RenameRegisteredModelBody = body({ ...modelName, new_name: optionalString });
export const UpdateRegisteredModelBody = body({ ...modelName, description: optionalString });
/** DELETE requests: the fields come from the JSON body (the Python client) or the query string. */
export const DeleteRegisteredModelInput = query(modelName);

const searchRegistryShape = { filter: optionalString, max_results: int64.nullish(), order_by: z.array(text).nullish(), page_token: optionalString };
export const SearchRegistryBody = body(searchRegistryShape);
export const SearchRegistryQuery = query(searchRegistryShape, ["order_by"]);

const latestVersionsShape = { ...modelName, stages: z.array(text).nullish() };
export const GetLatestVersionsBody = body(latestVersionsShape);
export const GetLatestVersionsQuery = query(latestVersionsShape, ["stages"]);

export const CreateModelVersionBody = body({
  ...modelName,
  source: requiredString,
  run_id: optionalString,
  tags: modelTags,
  run_link: optionalString,
  description: optionalString,
});
export const ModelVersionQuery = query(versionRef);
export const UpdateModelVersionBody = body({ ...versionRef, description: optionalString });
export const DeleteModelVersionInput = query(versionRef);
export const TransitionStageBody = body({ ...versionRef, stage: requiredString, archive_existing_versions: bool.nullish() });

export const SetRegisteredModelTagBody = body({ ...modelName, key: requiredString, value: optionalString });
export const DeleteRegisteredModelTagInput = query({ ...modelName, key: requiredString });
export const SetModelVersionTagBody = body({ ...versionRef, key: requiredString, value: optionalString });
export const DeleteModelVersionTagInput = query({ ...versionRef, key: requiredString });

export const SetModelAliasBody = body({ ...modelName, alias: requiredString, version: versionText });
export const ModelAliasInput = query({ ...modelName, alias: requiredString });

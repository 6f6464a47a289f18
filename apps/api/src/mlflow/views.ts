import { NOTE_TAG, paramText, RUN_NAME_TAG, type RunStatusName } from "@trellis/engine";
import { mlflowStatusOf } from "@trellis/tracking";

/**
 * Trellis records in MLflow's response shapes (service.proto, written as MLflow's server writes
 * them: snake_case, int64 as numbers, and fields that are unset or empty lists left out).
 */

/** The tag MLflow clients set to the user who started a run; RunInfo.user_id mirrors it. */
export const USER_TAG = "mlflow.user";

export interface ExperimentRecord {
  id: number;
  name: string;
  description: string;
  tags: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export interface RunRecord {
  id: string;
  name: string | null;
  experimentId: number;
  status: RunStatusName;
  params: unknown;
  tags: unknown;
  note: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface LatestMetric {
  last: number;
  step: number;
  timestamp: number;
}

interface KeyValue {
  key: string;
  value: string;
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function stringRecord(value: unknown): Record<string, string> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, string>) : {};
}

export const experimentArtifactLocation = (experimentId: number) => `trellis-artifacts:/${experimentId}`;

/** The experiment's description is MLflow's experiment note, the tag mlflow.note.content. */
export function experimentView(e: ExperimentRecord) {
  const tags: KeyValue[] = Object.entries(stringRecord(e.tags)).map(([key, value]) => ({ key, value: String(value) }));
  if (e.description !== "") tags.push({ key: NOTE_TAG, value: e.description });
  tags.sort(byKey);
  return {
    experiment_id: String(e.id),
    name: e.name,
    artifact_location: experimentArtifactLocation(e.id),
    lifecycle_stage: "active",
    last_update_time: e.updatedAt.getTime(),
    creation_time: e.createdAt.getTime(),
    ...(tags.length > 0 ? { tags } : {}),
  };
}

/** A run's tags as MLflow reports them: stored tags plus mlflow.runName and mlflow.note.content from their columns. */
export function runTags(run: Pick<RunRecord, "name" | "note" | "tags">): KeyValue[] {
  const tags: KeyValue[] = Object.entries(stringRecord(run.tags)).map(([key, value]) => ({ key, value: String(value) }));
  if (run.name !== null) tags.push({ key: RUN_NAME_TAG, value: run.name });
  if (run.note !== "") tags.push({ key: NOTE_TAG, value: run.note });
  return tags.sort(byKey);
}

export function runInfoView(run: RunRecord) {
  const start = run.startedAt ?? run.createdAt;
  return {
    run_uuid: run.id,
    experiment_id: String(run.experimentId),
    ...(run.name !== null ? { run_name: run.name } : {}),
    user_id: stringRecord(run.tags)[USER_TAG] ?? "",
    status: mlflowStatusOf(run.status),
    start_time: start.getTime(),
    ...(run.finishedAt ? { end_time: run.finishedAt.getTime() } : {}),
    artifact_uri: `${experimentArtifactLocation(run.experimentId)}/${run.id}/artifacts`,
    lifecycle_stage: "active",
    run_id: run.id,
  };
}

/** A run with its data: the latest value of each metric, params as text, tags. */
export function runView(run: RunRecord, metrics: Record<string, LatestMetric>) {
  const metricList = Object.entries(metrics)
    .map(([key, m]) => ({ key, value: m.last, timestamp: m.timestamp, step: m.step }))
    .sort(byKey);
  const params = Object.entries(stringRecord(run.params))
    .map(([key, value]) => ({ key, value: paramText(value) }))
    .sort(byKey);
  const tags = runTags(run);
  return {
    info: runInfoView(run),
    data: {
      ...(metricList.length > 0 ? { metrics: metricList } : {}),
      ...(params.length > 0 ? { params } : {}),
      ...(tags.length > 0 ? { tags } : {}),
    },
    inputs: {},
  };
}

// ---- model registry (model_registry.proto) ---------------------------------------------------

export interface ModelVersionRecord {
  modelName: string;
  version: number;
  stage: string;
  description: string;
  tags: unknown;
  source: string;
  runId: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  aliases: string[];
}

export interface RegisteredModelRecord {
  name: string;
  description: string;
  tags: unknown;
  createdAt: Date;
  updatedAt: Date;
  /** The newest version in each stage. */
  latestVersions: ModelVersionRecord[];
  aliases: { alias: string; version: number }[];
}

const tagList = (tags: unknown): KeyValue[] =>
  Object.entries(stringRecord(tags))
    .map(([key, value]) => ({ key, value: String(value) }))
    .sort(byKey);

/** A model version; every Trellis version is READY (registration is synchronous). */
export function modelVersionView(v: ModelVersionRecord) {
  const tags = tagList(v.tags);
  return {
    name: v.modelName,
    version: String(v.version),
    creation_timestamp: v.createdAt.getTime(),
    last_updated_timestamp: v.updatedAt.getTime(),
    user_id: v.createdBy,
    current_stage: v.stage,
    description: v.description,
    source: v.source,
    ...(v.runId ? { run_id: v.runId } : {}),
    status: "READY",
    ...(tags.length > 0 ? { tags } : {}),
    ...(v.aliases.length > 0 ? { aliases: v.aliases } : {}),
  };
}

export function registeredModelView(m: RegisteredModelRecord) {
  const tags = tagList(m.tags);
  return {
    name: m.name,
    creation_timestamp: m.createdAt.getTime(),
    last_updated_timestamp: m.updatedAt.getTime(),
    description: m.description,
    ...(m.latestVersions.length > 0 ? { latest_versions: m.latestVersions.map(modelVersionView) } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(m.aliases.length > 0 ? { aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })) } : {}),
  };
}

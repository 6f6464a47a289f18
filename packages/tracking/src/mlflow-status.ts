/**
 * MLflow run statuses and Trellis run statuses, one to one. Filters accept either spelling,
 * in any case.
 */
export const MLFLOW_STATUSES = ["SCHEDULED", "RUNNING", "FINISHED", "FAILED", "KILLED"] as const;
export type MlflowStatus = (typeof MLFLOW_STATUSES)[number];
export type TrellisRunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

const TO_TRELLIS: Record<MlflowStatus, TrellisRunStatus> = {
  SCHEDULED: "queued",
  RUNNING: "running",
  FINISHED: "succeeded",
  FAILED: "failed",
  KILLED: "cancelled",
};

const TO_MLFLOW = Object.fromEntries(Object.entries(TO_TRELLIS).map(([m, t]) => [t, m])) as Record<TrellisRunStatus, MlflowStatus>;

export function mlflowStatusOf(status: TrellisRunStatus): MlflowStatus {
  return TO_MLFLOW[status];
}

/** "FINISHED", "finished" and "succeeded" all give "succeeded"; unknown names give null. */
export function trellisStatusOf(name: string): TrellisRunStatus | null {
  const upper = name.toUpperCase();
  if (upper in TO_TRELLIS) return TO_TRELLIS[upper as MlflowStatus];
  const lower = name.toLowerCase();
  return lower in TO_MLFLOW ? (lower as TrellisRunStatus) : null;
}

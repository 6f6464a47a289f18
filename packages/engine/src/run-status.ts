/** Pure rules that derive a run's status from its steps. Used by every transition. */
export const STEP_STATUSES = ["pending", "queued", "running", "succeeded", "failed", "cancelled", "skipped"] as const;
export type StepStatusName = (typeof STEP_STATUSES)[number];
export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatusName = (typeof RUN_STATUSES)[number];

export const ACTIVE_STEP_STATUSES: readonly StepStatusName[] = ["pending", "queued", "running"];
export const TERMINAL_RUN_STATUSES: readonly RunStatusName[] = ["succeeded", "failed", "cancelled"];

export type StepCounts = Partial<Record<StepStatusName, number>>;

export function isTerminalRunStatus(status: string): boolean {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);
}

/**
 * - Some step still pending/queued/running: "running" once any step has started, else "queued".
 * - All steps finished: "cancelled" if the user asked to cancel, else "failed" if any step
 *   failed (skipped steps only exist downstream of a failure), else "cancelled" if any step was
 *   cancelled, else "succeeded".
 */
export function deriveRunStatus(counts: StepCounts, cancelRequested: boolean): RunStatusName {
  const n = (s: StepStatusName) => counts[s] ?? 0;
  const active = n("pending") + n("queued") + n("running");
  if (active > 0) {
    const started = n("running") + n("succeeded") + n("failed") + n("cancelled") + n("skipped");
    return started > 0 ? "running" : "queued";
  }
  if (cancelRequested) return "cancelled";
  if (n("failed") > 0 || n("skipped") > 0) return "failed";
  if (n("cancelled") > 0) return "cancelled";
  return "succeeded";
}

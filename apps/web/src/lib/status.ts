import type { RunStatus, StepStatus } from "./api-types";

/**
 * Single source of truth for status colours, shared by badges, DAG nodes and the minimap,
 * so a status looks the same everywhere.
 */
export interface StatusStyle {
  label: string;
  /** Badge classes (background + text + ring). */
  badge: string;
  /** Small dot colour. */
  dot: string;
  /** DAG node container classes. */
  node: string;
  /** Raw colour for canvas consumers (minimap, edges). */
  color: string;
}

export const STATUS_STYLES: Record<StepStatus | RunStatus, StatusStyle> = {
  pending: {
    label: "Pending",
    badge: "bg-slate-100 text-slate-600 ring-slate-200",
    dot: "bg-slate-400",
    node: "border-slate-300 bg-white",
    color: "#94a3b8",
  },
  queued: {
    label: "Queued",
    badge: "bg-slate-200/70 text-slate-700 ring-slate-300",
    dot: "bg-slate-500",
    node: "border-slate-400 bg-slate-100",
    color: "#64748b",
  },
  running: {
    label: "Running",
    badge: "bg-blue-50 text-blue-700 ring-blue-200",
    dot: "bg-blue-500",
    node: "border-blue-500 bg-blue-50 animate-node-pulse",
    color: "#3b82f6",
  },
  succeeded: {
    label: "Succeeded",
    badge: "bg-emerald-50 text-emerald-700 ring-emerald-200",
    dot: "bg-emerald-500",
    node: "border-emerald-500 bg-emerald-50",
    color: "#10b981",
  },
  failed: {
    label: "Failed",
    badge: "bg-red-50 text-red-700 ring-red-200",
    dot: "bg-red-500",
    node: "border-red-500 bg-red-50",
    color: "#ef4444",
  },
  cancelled: {
    label: "Cancelled",
    badge: "bg-amber-50 text-amber-800 ring-amber-200",
    dot: "bg-amber-500",
    node: "border-amber-500 bg-amber-50",
    color: "#f59e0b",
  },
  skipped: {
    label: "Skipped",
    badge: "bg-slate-50 text-slate-500 ring-slate-200",
    dot: "bg-slate-300",
    node: "border-dashed border-slate-300 bg-slate-50 text-slate-500",
    color: "#cbd5e1",
  },
};

export function statusStyle(status: StepStatus | RunStatus): StatusStyle {
  // Unknown statuses (a newer API) fall back to the neutral style instead of crashing.
  return STATUS_STYLES[status] ?? STATUS_STYLES.pending;
}

/**
 * Plain-words explanation of a step failure's kind. `willRetry` = the run is still active and
 * the step has attempts left, so the engine is going to try again on its own.
 */
export function explainFailure(
  kind: "retryable" | "terminal" | null,
  opts: { willRetry: boolean; attemptsLeft: number },
): { title: string; body: string } | null {
  if (kind === "retryable") {
    if (opts.willRetry) {
      return {
        title: "Retryable — Trellis will retry",
        body: "This looks like a transient problem (for example a lost worker, a timeout or an infrastructure hiccup). Trellis retries the step automatically.",
      };
    }
    return {
      title: "Retryable — could be retried",
      body:
        opts.attemptsLeft > 0
          ? "This looks like a transient problem (for example a lost worker, a timeout or an infrastructure hiccup), so running it again may well succeed."
          : "This looks like a transient problem (for example a lost worker, a timeout or an infrastructure hiccup). Running it again may succeed, but all retry attempts were used.",
    };
  }
  if (kind === "terminal") {
    return {
      title: "Terminal — retrying won't help",
      body: "The failure isn't transient: the same code, data and parameters would fail the same way. Fix the cause, then start a new run.",
    };
  }
  return null;
}

import type { Placement, ResourceSuggestion, ResourceUsage, Step, StepAttempt } from "./api-types";
import { formatCores, formatMemoryRequest } from "./format";

/** Whether the step asks anything of its worker beyond a slot. */
export function hasRequests(p: Placement | null | undefined): p is Placement {
  return !!p && (p.cpu !== null || p.memoryBytes !== null || p.gpu > 0);
}

/** Usage with at least one sampled value (a very short step may have none). */
export function hasUsage(u: ResourceUsage | null | undefined): u is ResourceUsage {
  return !!u && (u.peakMemoryBytes !== null || u.peakCpu !== null || u.cpuSeconds !== null);
}

/** A suggestion worth showing: it suggests something. */
export function hasSuggestion(s: ResourceSuggestion | null | undefined): s is ResourceSuggestion {
  return !!s && s.basedOn > 0 && (s.memoryBytes !== null || s.cpu !== null);
}

/** Peak as a share of the request, 0–1 (clamped); null without both. */
export function usageFraction(peak: number | null | undefined, request: number | null | undefined): number | null {
  if (peak === null || peak === undefined || request === null || request === undefined || request <= 0) return null;
  return Math.max(0, Math.min(1, peak / request));
}

/**
 * The suggestion as a line of pipeline YAML, ready to paste: `resources: { cpu: 0.6, memory: 640Mi }`.
 * `gpu` (the step's current GPU request) is kept, so pasting it does not drop the GPUs.
 */
export function resourcesYaml(s: { cpu: number | null; memoryBytes: number | null }, gpu = 0): string {
  const parts: string[] = [];
  if (s.cpu !== null) parts.push(`cpu: ${formatCores(s.cpu)}`);
  if (s.memoryBytes !== null) parts.push(`memory: ${formatMemoryRequest(s.memoryBytes)}`);
  if (gpu > 0) parts.push(`gpu: ${gpu}`);
  return `resources: { ${parts.join(", ")} }`;
}

/** The suggestion in words: "memory 640Mi, cpu 0.6". */
export function describeSuggestion(s: ResourceSuggestion): string {
  const parts: string[] = [];
  if (s.memoryBytes !== null) parts.push(`memory ${formatMemoryRequest(s.memoryBytes)}`);
  if (s.cpu !== null) parts.push(`cpu ${formatCores(s.cpu)}`);
  return parts.join(", ");
}

/**
 * Whether the attempts' memory requests differ (out-of-memory retries raise it): then each
 * attempt in the list shows its own.
 */
export function memoryRequestChanged(attempts: Pick<StepAttempt, "placement">[]): boolean {
  return new Set(attempts.map((a) => a.placement?.memoryBytes ?? null)).size > 1;
}

/**
 * "2/3", or "#2" once out-of-memory retries (which don't count against retries.limit) have taken
 * the attempt past maxAttempts, where "2/1" would read as an error.
 */
export function attemptLabel(step: Pick<Step, "attempt" | "maxAttempts">): string {
  return step.attempt > step.maxAttempts ? `#${step.attempt}` : `${step.attempt}/${step.maxAttempts}`;
}

/**
 * An out-of-memory failure in plain words (instead of "terminal", which it is not: more memory
 * fixes it). `retrying`: retries.onOOM is running it again with more memory.
 */
export function explainOom(retrying: boolean): { title: string; body: string } {
  return retrying
    ? {
        title: "Out of memory — retrying with more memory",
        body: "The container reached its memory limit and the kernel killed it. retries.onOOM runs it again at once with a larger limit.",
      }
    : {
        title: "Out of memory",
        body: "The step used all the memory it requested and the kernel killed it. Raise resources.memory (see its peak under Resources), or add retries.onOOM (e.g. { memoryFactor: 2 }) to retry with more memory automatically.",
      };
}

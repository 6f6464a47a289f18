/**
 * The contract between the step worker and its executors. The worker prepares a `ProcessSpec`
 * (argv, cwd, env, timeout; for container steps also the image, mounts and limits), an executor
 * runs it and reports how it ended plus the resources it used. Executors never touch the
 * database: outcomes are classified and reported by the worker.
 */
import type { ResourceUsage } from "@trellis/engine";

export interface ProcessSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number | null;
  /** GPU devices assigned to this step (ids from the worker's inventory); empty: none. */
  gpuDevices: string[];
  /** Set for `executor: container` steps; absent for shared steps. */
  container?: ContainerSettings;
}

export interface ContainerSettings {
  image: string;
  /** Bind mounts; `source` is a host path. Paths inside the container are what the step sees. */
  mounts: { source: string; target: string; readOnly: boolean }[];
  /** Hard limits; null: unlimited. */
  cpu: number | null;
  memoryBytes: number | null;
  /** Labels put on the container (which worker, run and step it belongs to). */
  labels: Record<string, string>;
}

export type ProcessResult =
  | { kind: "exited"; exitCode: number }
  | { kind: "signalled"; signal: string }
  /** The kernel killed it for exceeding its memory limit (containers with a memory limit). */
  | { kind: "oom-killed"; memoryLimitBytes: number }
  | { kind: "timed-out"; timeoutMs: number }
  | { kind: "cancelled" }
  /** Could not be started at all: bad command, missing image. */
  | { kind: "spawn-failed"; message: string; retryable: boolean }
  | { kind: "launcher-lost" };

/** Peaks observed while the step ran (the engine records them); null fields: nothing could be sampled (very short steps). */
export type { ResourceUsage };

export const NO_USAGE: ResourceUsage = Object.freeze({ peakMemoryBytes: null, peakCpu: null, cpuSeconds: null });

export interface RunningProcess {
  /** Resolves when the step has ended and its output is drained. */
  result: Promise<ProcessResult>;
  /** Stops the step: SIGTERM, SIGKILL after the grace period. */
  cancel(): void;
  /** Peak usage observed so far; final once `result` has resolved. */
  usage(): ResourceUsage;
}

export type LineHandler = (stream: "stdout" | "stderr", line: string) => void;

export interface Executor {
  run(spec: ProcessSpec, onLine: LineHandler): RunningProcess;
  /** Stops everything still running and releases the executor's resources. */
  close(): Promise<void>;
}

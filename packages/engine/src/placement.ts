import { formatBytes, formatCpu, type ExecutorName, type StepSpec } from "@trellis/spec";

/**
 * What an attempt needs from a worker. Stored on the step (`Step.placement`, raised by
 * out-of-memory retries) and carried in its job, so a worker can decline a step that does not
 * fit without a database round trip. Null placement: a shared step with no requests, which
 * any worker takes.
 */
export interface Placement {
  executor: ExecutorName;
  /** Cores; null: no request. */
  cpu: number | null;
  memoryBytes: number | null;
  gpu: number;
}

/** What a worker offers (Worker.capacity). */
export interface WorkerCapacity {
  executors: ExecutorName[];
  cpu: number;
  memoryBytes: number;
  /** GPU device ids (inventory), e.g. ["0", "1"]. */
  gpus: string[];
}

/** The sum of the placements a worker is running now. */
export interface ResourcesInUse {
  cpu: number;
  memoryBytes: number;
  gpus: number;
}

export const NOTHING_IN_USE: Readonly<ResourcesInUse> = Object.freeze({ cpu: 0, memoryBytes: 0, gpus: 0 });

/** Peaks observed while an attempt ran (StepAttempt.usage); null where nothing was sampled. */
export interface ResourceUsage {
  peakMemoryBytes: number | null;
  /** Highest CPU use over a sampling interval, in cores. */
  peakCpu: number | null;
  /** CPU time (user + system), in seconds. */
  cpuSeconds: number | null;
}

export function placementOf(spec: Pick<StepSpec, "executor" | "resources">): Placement | null {
  // Specs stored before executors existed have neither field: they are plain shared steps.
  const executor = spec.executor ?? "shared";
  const resources = spec.resources ?? { cpu: null, memoryBytes: null, gpu: 0 };
  if (executor === "shared" && resources.cpu === null && resources.memoryBytes === null && resources.gpu === 0) return null;
  return { executor, cpu: resources.cpu, memoryBytes: resources.memoryBytes, gpu: resources.gpu };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Why `placement` can never run on a worker with this capacity (executor missing, or a request
 * larger than the whole worker); null when it could run there once enough is free.
 */
export function neverFits(capacity: WorkerCapacity, placement: Placement | null): string | null {
  const p = placement ?? { executor: "shared", cpu: null, memoryBytes: null, gpu: 0 };
  if (!capacity.executors.includes(p.executor)) return `does not support the ${p.executor} executor`;
  if (p.gpu > capacity.gpus.length) return `has ${plural(capacity.gpus.length, "GPU")}, the step needs ${p.gpu}`;
  if (p.memoryBytes !== null && p.memoryBytes > capacity.memoryBytes) return `has ${formatBytes(capacity.memoryBytes)} memory, the step needs ${formatBytes(p.memoryBytes)}`;
  if (p.cpu !== null && p.cpu > capacity.cpu) return `has ${plural(capacity.cpu, "CPU")}, the step needs ${formatCpu(p.cpu)}`;
  return null;
}

/** What is missing right now for `placement` on a worker that could run it; null when it fits. */
export function shortfall(capacity: WorkerCapacity, inUse: ResourcesInUse, placement: Placement | null): string | null {
  if (!placement) return null;
  if (placement.gpu > 0 && inUse.gpus + placement.gpu > capacity.gpus.length) {
    return `waiting for ${plural(placement.gpu, "GPU")}: ${inUse.gpus === capacity.gpus.length ? `all ${capacity.gpus.length} in use` : `${inUse.gpus} of ${capacity.gpus.length} in use`}`;
  }
  if (placement.memoryBytes !== null && inUse.memoryBytes + placement.memoryBytes > capacity.memoryBytes) {
    return `waiting for ${formatBytes(placement.memoryBytes)} memory: ${formatBytes(inUse.memoryBytes)} of ${formatBytes(capacity.memoryBytes)} in use`;
  }
  if (placement.cpu !== null && inUse.cpu + placement.cpu > capacity.cpu + 1e-9) {
    return `waiting for ${formatCpu(placement.cpu)} CPU: ${formatCpu(inUse.cpu)} of ${formatCpu(capacity.cpu)} in use`;
  }
  return null;
}

/** For several workers none of which is big enough: the first resource that no worker has enough of, with the most any has. */
function largestShortfall(capacities: WorkerCapacity[], p: Placement): string {
  const most = (pick: (c: WorkerCapacity) => number) => Math.max(...capacities.map(pick));
  const of = `of the ${capacities.length} workers`;
  const gpus = most((c) => c.gpus.length);
  if (p.gpu > gpus) return `it needs ${plural(p.gpu, "GPU")}, the most any ${of} has is ${gpus}`;
  const memory = most((c) => c.memoryBytes);
  if (p.memoryBytes !== null && p.memoryBytes > memory) return `it needs ${formatBytes(p.memoryBytes)} memory, the most any ${of} has is ${formatBytes(memory)}`;
  const cpu = most((c) => c.cpu);
  if (p.cpu !== null && p.cpu > cpu) return `it needs ${formatCpu(p.cpu)} CPU, the most any ${of} has is ${formatCpu(cpu)}`;
  return `none ${of} has all it needs at once (${p.gpu} GPU, ${p.memoryBytes === null ? "any" : formatBytes(p.memoryBytes)} memory, ${p.cpu === null ? "any" : formatCpu(p.cpu)} CPU)`;
}

export interface LiveWorker {
  id: string;
  capacity: WorkerCapacity;
  inUse: ResourcesInUse;
  concurrency: number;
  running: number;
}

/**
 * Why a queued step is not running yet, in words, judged against the live workers; null when
 * some worker has room for it (it starts as soon as that worker takes its job).
 */
export function waitingReason(placement: Placement | null, workers: LiveWorker[]): string | null {
  if (workers.length === 0) return "waiting for a worker: none is running";
  const capable = workers.filter((w) => neverFits(w.capacity, placement) === null);
  if (capable.length === 0) {
    const executor = placement?.executor ?? "shared";
    const withExecutor = workers.filter((w) => w.capacity.executors.includes(executor));
    if (withExecutor.length === 0) {
      return `no worker can run it: none of the ${plural(workers.length, "live worker")} supports the ${executor} executor`;
    }
    if (withExecutor.length === 1) return `no worker can run it: the only worker ${neverFits(withExecutor[0]!.capacity, placement)}`;
    return `no worker can run it: ${largestShortfall(withExecutor.map((w) => w.capacity), placement!)}`;
  }
  const free = capable.filter((w) => w.running < w.concurrency);
  if (free.length === 0) {
    const slots = capable.reduce((n, w) => n + w.concurrency, 0);
    return `waiting for a free slot: all ${slots} step slots of ${plural(capable.length, "worker")} are busy`;
  }
  const reasons = free.map((w) => shortfall(w.capacity, w.inUse, placement));
  if (reasons.some((r) => r === null)) return null;
  return free.length === 1 ? reasons[0]! : `${reasons[0]!} (on each of ${free.length} workers)`;
}

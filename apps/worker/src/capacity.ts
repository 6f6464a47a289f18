import os from "node:os";
import { execFileSync } from "node:child_process";
import { neverFits, shortfall, type Placement, type ResourcesInUse, type WorkerCapacity } from "@trellis/engine";
import { EXECUTORS, parseCpu, parseMemory, type ExecutorName } from "@trellis/spec";

/**
 * What this worker offers, from the environment:
 * - TRELLIS_WORKER_CPUS (default: the host's CPUs), TRELLIS_WORKER_MEMORY (default: the host's
 *   memory; `32Gi`, `16G`, bytes);
 * - TRELLIS_WORKER_GPUS: the GPU inventory as device ids, `0,1` or `GPU-3f…,GPU-9a…`; `none`
 *   for no GPUs; default: the devices `nvidia-smi` lists, else none;
 * - TRELLIS_WORKER_EXECUTORS: `shared`, `container` or both (default: both when a container
 *   engine answers, else shared).
 * Invalid values stop the worker at start, naming the variable.
 */
export function capacityFromEnv(env: NodeJS.ProcessEnv, containerEngineAvailable: boolean): WorkerCapacity {
  const cpu = env.TRELLIS_WORKER_CPUS ? parseCpu(env.TRELLIS_WORKER_CPUS) : os.availableParallelism();
  if (cpu === null) throw new Error(`TRELLIS_WORKER_CPUS must be a positive number of cores, got "${env.TRELLIS_WORKER_CPUS}"`);
  const memoryBytes = env.TRELLIS_WORKER_MEMORY ? parseMemory(env.TRELLIS_WORKER_MEMORY) : os.totalmem();
  if (memoryBytes === null) throw new Error(`TRELLIS_WORKER_MEMORY must be a memory size such as 32Gi, got "${env.TRELLIS_WORKER_MEMORY}"`);
  const gpus = env.TRELLIS_WORKER_GPUS !== undefined ? parseGpuInventory(env.TRELLIS_WORKER_GPUS) : detectNvidiaGpus();

  let executors: ExecutorName[];
  if (env.TRELLIS_WORKER_EXECUTORS) {
    const names = env.TRELLIS_WORKER_EXECUTORS.split(",").map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !(EXECUTORS as readonly string[]).includes(n));
    if (unknown.length > 0 || names.length === 0) {
      throw new Error(`TRELLIS_WORKER_EXECUTORS must list ${EXECUTORS.join(" and/or ")}, got "${env.TRELLIS_WORKER_EXECUTORS}"`);
    }
    if (names.includes("container") && !containerEngineAvailable) {
      throw new Error("TRELLIS_WORKER_EXECUTORS includes container, but no container engine answers (set DOCKER_HOST, or start Docker or `podman system service`)");
    }
    executors = [...new Set(names)] as ExecutorName[];
  } else {
    executors = containerEngineAvailable ? ["shared", "container"] : ["shared"];
  }
  return { executors, cpu, memoryBytes, gpus };
}

export function parseGpuInventory(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed === "none") return [];
  const ids = trimmed.split(",").map((s) => s.trim());
  if (ids.some((id) => !/^[A-Za-z0-9][A-Za-z0-9:._-]*$/.test(id)) || new Set(ids).size !== ids.length) {
    throw new Error(`TRELLIS_WORKER_GPUS must be distinct device ids separated by commas (e.g. 0,1), got "${value}"`);
  }
  return ids;
}

function detectNvidiaGpus(): string[] {
  try {
    const out = execFileSync("nvidia-smi", ["--query-gpu=index", "--format=csv,noheader"], { encoding: "utf8", timeout: 5_000, stdio: ["ignore", "pipe", "ignore"] });
    return out.split("\n").map((s) => s.trim()).filter(Boolean);
  } catch {
    return []; // no driver, no GPUs
  }
}

export type Reservation = { ok: true; gpuDevices: string[] } | { ok: false; reason: string; /** It can never run on this worker. */ never: boolean };

/**
 * This worker's bookkeeping of what its running steps hold. Only this process runs steps on
 * its share of the host, so the ledger is authoritative for it: a step is taken only when its
 * placement fits what is left, and GPU devices go to one step at a time, lowest free id first.
 */
export class ResourceLedger {
  private readonly held = new Map<string, { placement: Placement | null; gpuDevices: string[] }>();

  constructor(readonly capacity: WorkerCapacity) {}

  inUse(): ResourcesInUse {
    const total = { cpu: 0, memoryBytes: 0, gpus: 0 };
    for (const { placement } of this.held.values()) {
      total.cpu += placement?.cpu ?? 0;
      total.memoryBytes += placement?.memoryBytes ?? 0;
      total.gpus += placement?.gpu ?? 0;
    }
    return total;
  }

  reserve(stepId: string, placement: Placement | null): Reservation {
    const never = neverFits(this.capacity, placement);
    if (never) return { ok: false, reason: `this worker ${never}`, never: true };
    const missing = shortfall(this.capacity, this.inUse(), placement);
    if (missing) return { ok: false, reason: missing, never: false };
    const taken = new Set([...this.held.values()].flatMap((h) => h.gpuDevices));
    const gpuDevices = this.capacity.gpus.filter((id) => !taken.has(id)).slice(0, placement?.gpu ?? 0);
    this.held.set(stepId, { placement, gpuDevices });
    return { ok: true, gpuDevices };
  }

  release(stepId: string): void {
    if (!this.held.delete(stepId)) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private waiters: (() => void)[] = [];

  /** Resolves when a reservation is released, or after `timeoutMs`. */
  released(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

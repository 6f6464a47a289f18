import path from "node:path";

/** Settings shared by the API and workers, read from the environment once per call site. */
export interface EngineConfig {
  /** Root of run workspaces, step outputs and materialised code snapshots. */
  dataDir: string;
  /** A running step whose worker has not heartbeated for this long is failed as "worker lost". */
  workerLeaseMs: number;
  /** How often a worker heartbeats and checks its running steps for cancellation. */
  heartbeatMs: number;
  /** How often a worker runs the reconciler (lost workers, queued steps without a job). */
  reconcileMs: number;
  /** A queued step older than this without being claimed has its job re-added (idempotently). */
  requeueAfterMs: number;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export function loadEngineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    dataDir: path.resolve(process.env.TRELLIS_DATA_DIR ?? path.join(process.cwd(), ".trellis", "data")),
    workerLeaseMs: intFromEnv("TRELLIS_WORKER_LEASE_MS", 15_000),
    heartbeatMs: intFromEnv("TRELLIS_HEARTBEAT_MS", 1_000),
    reconcileMs: intFromEnv("TRELLIS_RECONCILE_MS", 2_000),
    requeueAfterMs: intFromEnv("TRELLIS_REQUEUE_AFTER_MS", 10_000),
    ...overrides,
  };
}

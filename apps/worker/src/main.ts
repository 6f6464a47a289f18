import { createPrismaClient } from "@trellis/db";
import { loadEngineConfig } from "@trellis/engine";
import { startStepWorker } from "./step-worker.js";

const log = (message: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), msg: message, ...fields }));

const db = createPrismaClient();
const config = loadEngineConfig();
const worker = await startStepWorker({ db, config, log });
log("worker started", { workerId: worker.workerId, dataDir: config.dataDir, capacity: worker.capacity, containerEngine: worker.containerEngine });
if (!worker.containerEngine) {
  log("no container engine: container steps wait for a worker that has one (set DOCKER_HOST, or start Docker or `podman system service`; see the README)");
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log("worker stopping", { signal });
  await worker.stop();
  await db.$disconnect();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

import { createApiServer } from "./server.js";

const port = Number(process.env.API_PORT ?? 4000);
const host = process.env.API_HOST ?? "0.0.0.0";

const server = await createApiServer({ logger: process.env.TRELLIS_API_LOG !== "0" });
await server.app.listen({ port, host });
console.log(`Trellis API listening on http://localhost:${port}/api/v1`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

import { createApiServer } from "./server.js";

const port = Number(process.env.API_PORT ?? 4000);
const host = process.env.API_HOST ?? "0.0.0.0";

const server = await createApiServer({ logger: process.env.TRELLIS_API_LOG !== "0" });
await server.app.listen({ port, host });
console.log(`Trellis API listening on http://localhost:${port}/api/v1`);
const ui = process.env.TRELLIS_PUBLIC_URL ?? "http://localhost:3000";
const hint = server.signIn;
if (hint.kind === "setup") console.log(`No account exists yet: create the first admin at ${ui}/setup?code=${hint.code}`);
else if (hint.kind === "admin-from-env") console.log(`Sign in at ${ui} as ${hint.email} (password: TRELLIS_ADMIN_PASSWORD)${hint.created ? "; the account was just created" : ""}`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

#!/usr/bin/env node
// `npm start`: sets up a fresh clone and runs Trellis.
//
//   1. installs dependencies when node_modules is missing (npm ci)
//   2. finds Postgres and Redis (DATABASE_URL / REDIS_URL); a local one that does not answer
//      is started project-locally under .trellis/
//   3. applies migrations, builds (skipped when the outputs are newer than the sources;
//      `npm start -- --rebuild` forces it), starts api, worker and web, waits for the API
//      health check, pushes examples/* into project `default`, and prints the URLs
//   4. meanwhile makes sure Debian's python3 has scikit-learn and pandas for the examples
//      (apt-get when root), and seeds the sweep of each example with a sweep.json (runs over a
//      grid of params) when its pipeline has no runs yet
//   5. Ctrl-C stops everything it started; if any process dies, the rest are stopped too.
//
// Only Node built-ins and ./lib/{log,processes,examples}.mjs are imported statically:
// everything else is imported after `npm ci` may have run.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, lstatSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { box, c, duration, fail, info, ok, redactUrl, warn } from "./lib/log.mjs";
import { Supervisor, runTask, stopAllChildren } from "./lib/processes.mjs";
import { ensureExamplePython, seedSweep, sweepOf } from "./lib/examples.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const args = new Set(process.argv.slice(2));
if (args.has("--help") || args.has("-h")) {
  console.log(`usage: npm start [-- --rebuild] [-- --no-seed]

  --rebuild   run \`npm run build\` even when the outputs look current
  --no-seed   do not push examples/* into project "default" nor seed their sweeps

Environment: DATABASE_URL, REDIS_URL, TRELLIS_DATA_DIR, API_PORT (4000), WEB_PORT (3000), TRELLIS_API_URL,
TRELLIS_ADMIN_EMAIL / TRELLIS_ADMIN_PASSWORD (first admin), TRELLIS_SECRETS_KEY, TRELLIS_BOOTSTRAP_TOKEN`);
  process.exit(0);
}

const API_PORT = Number(process.env.API_PORT ?? 4000);
const WEB_PORT = Number(process.env.WEB_PORT ?? 3000);
/** How this script and the web server reach the API (127.0.0.1 avoids IPv6 surprises of "localhost"). */
const apiInternal = process.env.TRELLIS_API_URL ?? `http://127.0.0.1:${API_PORT}`;

let stopping = false;
/** @type {{ stop(): Promise<void>, stopSync(): void } | null} */
let services = null;
const supervisor = new Supervisor({
  onExit: (name, code, signal) => {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    void shutdown(1, `${name} ${how} — stopping everything else`);
  },
});

async function shutdown(code, message) {
  if (stopping) return;
  stopping = true;
  if (message) (code === 0 ? info : fail)(message);
  await supervisor.stopAll({ timeoutMs: 10_000 });
  await stopAllChildren({ timeoutMs: 5_000 });
  if (services) {
    const s = services;
    services = null;
    await s.stop();
  }
  if (code === 0) ok("stopped");
  process.exit(code);
}

let interrupts = 0;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    interrupts += 1;
    if (interrupts > 1) {
      // Second Ctrl-C: do not wait for graceful shutdowns.
      services?.stopSync();
      process.exit(130);
    }
    console.log("");
    void shutdown(0, `${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping Trellis…`);
  });
}

/** Runs a set-up command; on failure shuts down with its name. Returns false when stopping. */
async function task(label, cmd, argv, opts = {}) {
  if (stopping) return false;
  const started = Date.now();
  info(`${label} ${c.dim(`(${[path.basename(cmd), ...argv].join(" ")})`)}`);
  let result;
  try {
    result = await runTask(cmd, argv, { cwd: root, ...opts });
  } catch (err) {
    await shutdown(1, `${label} could not start: ${err.message}`);
    return false;
  }
  if (stopping) return false;
  if (result.code !== 0) {
    await shutdown(1, `${label} failed (${result.signal ?? `exit code ${result.code}`})`);
    return false;
  }
  ok(`${label} ${c.dim(duration(Date.now() - started))}`);
  return true;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20) {
    fail(`Trellis needs Node.js 20.19 or newer; this is ${process.version}.`);
    process.exit(1);
  }
  if (major === 20 && minor < 19) warn(`Trellis is tested on Node.js ≥ 20.19; this is ${process.version}.`);
}

/** Makes `npx trellis` work in a node_modules installed before the CLI declared its bin. */
function linkCliBin() {
  const link = path.join(root, "node_modules", ".bin", "trellis");
  const target = path.join(root, "apps", "cli", "bin", "trellis.js");
  try {
    lstatSync(link);
    return;
  } catch {
    /* missing */
  }
  if (!existsSync(target)) return;
  try {
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.relative(path.dirname(link), target), link);
  } catch {
    /* not essential */
  }
}

async function portFree(port) {
  const { isPortFree } = await import("./lib/services.mjs");
  return isPortFree(port, null);
}

/** Polls `url` until `accept(response)`; returns false when stopping or after `timeoutMs`. */
async function waitFor(url, { timeoutMs, accept, onWait }) {
  const deadline = Date.now() + timeoutMs;
  let lastNote = Date.now();
  let last = "no answer yet";
  while (!stopping && Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const body = await res.text();
      if (accept(res)) return true;
      last = `HTTP ${res.status} ${body.slice(0, 200)}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    if (onWait && Date.now() - lastNote > 10_000) {
      lastNote = Date.now();
      onWait(last);
    }
    await sleep(500);
  }
  if (!stopping) fail(`${url} did not become ready within ${duration(timeoutMs)} (last answer: ${last})`);
  return false;
}

/**
 * Local credentials of this install, kept under .trellis/ (never committed) unless the
 * environment sets them: the key that encrypts project secrets, and an instance-admin token
 * that seeds the examples and that the CLI can use. Created once, mode 600.
 */
function localCredential(file, make) {
  const full = path.join(root, ".trellis", file);
  if (existsSync(full)) return readFileSync(full, "utf8").trim();
  mkdirSync(path.dirname(full), { recursive: true });
  const value = make();
  writeFileSync(full, `${value}\n`, { mode: 0o600 });
  return value;
}

/**
 * Pushes examples/* into project "default"; for an example with a sweep.json, also starts its
 * sweep when its pipeline has no runs yet and `pythonReady` (its packages are installed).
 */
async function seedExamples(pythonReady, token) {
  const examplesDir = path.join(root, "examples");
  if (!existsSync(examplesDir)) return;
  const dirs = readdirSync(examplesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && ["pipeline.yaml", "pipeline.yml", "pipeline.json"].some((f) => existsSync(path.join(examplesDir, d.name, f))))
    .map((d) => path.join(examplesDir, d.name));
  if (!dirs.length) return;
  const { pushDirectory } = await import(pathToFileURL(path.join(root, "apps/cli/dist/push.js")).href);
  for (const dir of dirs) {
    if (stopping) return;
    try {
      const result = await pushDirectory(dir, { apiUrl: apiInternal, token, project: "default" });
      ok(`example ${result.name} v${result.version} ${c.dim(result.created ? "(new)" : "(unchanged)")}`);
      const runs = sweepOf(dir);
      if (!runs || stopping) continue;
      if (!(await pythonReady)) {
        warn(`not seeding the ${result.name} sweep: its steps need scikit-learn and pandas (see above)`);
        continue;
      }
      const started = await seedSweep({ apiUrl: apiInternal, token, project: "default", pipeline: result.name, runs });
      const grid = Object.keys(runs[0] ?? {}).join(" × ");
      if (started > 0) ok(`seeded a sweep of ${started} ${result.name} runs over ${grid} ${c.dim(`(compare them in experiment "${result.name}": http://localhost:${WEB_PORT}/projects/default/experiments)`)}`);
      else info(`${result.name} already has runs: no sweep seeded`);
    } catch (err) {
      warn(`could not push or seed example ${path.relative(root, dir)}: ${err.message}`);
    }
  }
}

async function main() {
  await checkNode();
  const t0 = Date.now();

  if (!existsSync(path.join(root, "node_modules"))) {
    if (!(await task("installing dependencies", "npm", ["ci"]))) return;
  }
  linkCliBin();

  const { ensureServices, ServiceError } = await import("./lib/services.mjs");
  info("looking for Postgres and Redis");
  try {
    services = await ensureServices({
      root,
      databaseUrl: process.env.DATABASE_URL || undefined,
      redisUrl: process.env.REDIS_URL || undefined,
      log: (msg) => info(msg),
      onUnexpectedExit: (name) => void shutdown(1, `the project-local ${name} stopped unexpectedly — stopping everything else`),
    });
  } catch (err) {
    if (err instanceof ServiceError) {
      fail(err.message);
      await shutdown(1);
      return;
    }
    throw err;
  }
  if (stopping) return;
  // Runs alongside migrations and the build; only the sweep seeding waits for it.
  const examplePython = args.has("--no-seed") ? Promise.resolve(false) : ensureExamplePython({ info, ok, warn });

  const dataDir = path.resolve(process.env.TRELLIS_DATA_DIR ?? path.join(root, ".trellis", "data"));
  mkdirSync(dataDir, { recursive: true });
  const env = {
    ...process.env,
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    TRELLIS_DATA_DIR: dataDir,
    API_PORT: String(API_PORT),
    WEB_PORT: String(WEB_PORT),
    TRELLIS_API_URL: apiInternal,
    NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? "1",
    TRELLIS_PUBLIC_URL: process.env.TRELLIS_PUBLIC_URL ?? `http://localhost:${WEB_PORT}`,
    TRELLIS_SECRETS_KEY: process.env.TRELLIS_SECRETS_KEY || localCredential("secrets.key", () => randomBytes(32).toString("base64")),
    TRELLIS_BOOTSTRAP_TOKEN: process.env.TRELLIS_BOOTSTRAP_TOKEN || localCredential("bootstrap-token", () => `trl_boot_${randomBytes(24).toString("base64url")}`),
    // Valid while no account exists: only someone who sees this output can create the first admin.
    TRELLIS_SETUP_CODE: randomBytes(9).toString("base64url"),
  };

  if (!(await task("applying database migrations", process.execPath, ["--experimental-wasm-modules", "--no-warnings=ExperimentalWarning", "scripts/migrate.mjs", "deploy"], { env }))) return;

  const { buildReason, markBuilt } = await import("./lib/build.mjs");
  const reason = args.has("--rebuild") ? "--rebuild" : buildReason(root);
  if (reason) {
    const buildStarted = Date.now();
    info(`building: ${reason}`);
    if (!(await task("building", "npm", ["run", "build"], { env }))) return;
    markBuilt(root, buildStarted);
  } else {
    ok(`build is up to date ${c.dim("(npm start -- --rebuild to force)")}`);
  }
  for (const file of ["apps/api/dist/main.js", "apps/worker/dist/main.js"]) {
    if (!existsSync(path.join(root, file))) return shutdown(1, `the build did not produce ${file}`);
  }

  for (const [name, port, variable] of [["API", API_PORT, "API_PORT"], ["web UI", WEB_PORT, "WEB_PORT"]]) {
    if (!(await portFree(port))) {
      return shutdown(1, `port ${port} (${name}) is already in use — is Trellis already running? Stop that process or set ${variable}.`);
    }
  }
  if (stopping) return;

  let nextBin;
  try {
    nextBin = createRequire(path.join(root, "apps/web/package.json")).resolve("next/dist/bin/next");
  } catch {
    nextBin = null;
  }
  supervisor.spawn("api", process.execPath, ["apps/api/dist/main.js"], { cwd: root, env });
  supervisor.spawn("worker", process.execPath, ["apps/worker/dist/main.js"], { cwd: root, env });
  const webArgs = ["start", "-p", String(WEB_PORT)];
  if (nextBin) supervisor.spawn("web", process.execPath, [nextBin, ...webArgs], { cwd: path.join(root, "apps/web"), env });
  else supervisor.spawn("web", "npx", ["next", ...webArgs], { cwd: path.join(root, "apps/web"), env });

  info("waiting for the API health check");
  const healthy = await waitFor(`http://127.0.0.1:${API_PORT}/api/v1/health`, {
    timeoutMs: 120_000,
    accept: (res) => res.status === 200,
    onWait: (last) => info(`still waiting for the API (${last})`),
  });
  if (!healthy) return shutdown(1, stopping ? undefined : "the API did not become healthy");
  ok("API is healthy");

  if (!args.has("--no-seed")) await seedExamples(examplePython, env.TRELLIS_BOOTSTRAP_TOKEN);
  if (stopping) return;
  const signIn = await signInHint(env);

  const webReady = await waitFor(`http://127.0.0.1:${WEB_PORT}/`, { timeoutMs: 60_000, accept: (res) => res.status < 500 });
  if (!webReady) return shutdown(1, stopping ? undefined : "the web UI did not start");

  console.log(
    `\n${box([
      c.bold(c.green("Trellis is running")) + c.dim(`  (ready in ${duration(Date.now() - t0)})`),
      "",
      `UI   ${c.bold(c.cyan(`http://localhost:${WEB_PORT}`))}`,
      `API  ${c.bold(c.cyan(`http://localhost:${API_PORT}/api/v1`))}`,
      "",
      ...signIn,
      "",
      c.dim(`Postgres  ${redactUrl(services.databaseUrl)}`),
      c.dim(`Redis     ${redactUrl(services.redisUrl)}`),
      c.dim(`Data      ${path.relative(root, dataDir) || dataDir}`),
      "",
      `Try:  export TRELLIS_TOKEN=$(cat .trellis/bootstrap-token)   ${c.dim("(an instance-admin token for the CLI)")}`,
      `      npx trellis run hello --wait`,
      `      npx trellis run digits-sweep -p learning_rate=0.05 --wait`,
      c.dim("Press Ctrl-C to stop."),
    ])}\n`,
  );
}

/** How to sign in, for the ready box: the one-time setup link, the admin from the environment, or the sign-in page. */
async function signInHint(env) {
  const ui = env.TRELLIS_PUBLIC_URL;
  let setupRequired = false;
  try {
    const res = await fetch(`http://127.0.0.1:${API_PORT}/api/v1/auth/status`, { signal: AbortSignal.timeout(5_000) });
    setupRequired = (await res.json()).setupRequired === true;
  } catch {
    /* the API answered its health check; this only picks the message */
  }
  if (setupRequired) return [`Sign in: create the first admin at ${c.bold(c.cyan(`${ui}/setup?code=${env.TRELLIS_SETUP_CODE}`))}`];
  if (env.TRELLIS_ADMIN_EMAIL) return [`Sign in at ${ui} as ${c.bold(env.TRELLIS_ADMIN_EMAIL)} ${c.dim("(password: TRELLIS_ADMIN_PASSWORD)")}`];
  return [`Sign in at ${ui} with your account ${c.dim("(an instance admin creates accounts under Admin → Users)")}`];
}

main().catch(async (err) => {
  fail(err?.stack ?? String(err));
  await shutdown(1);
});

#!/usr/bin/env node
// `npm test`: the whole suite, fail-fast, each stage announced and timed.
//
//   services     Postgres + Redis answer (started project-locally if needed, like npm start);
//                tests use the database `trellis_test` on that server (or TEST_DATABASE_URL)
//   tsc          npx tsc -b, then the tests, benchmarks and e2e (tsconfig.tests.json, e2e/)
//   web types    npm run typecheck -w @trellis/web
//   lint         npx eslint .
//   unit         npx vitest run --project unit
//   integration  npx vitest run --project integration
//   e2e          npm run build && npx playwright test -c e2e/playwright.config.ts
//
// The last line is `N passed, M failed` (stages). Only Node built-ins and ./lib/{log,processes}
// are imported statically: the services library needs node_modules.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { c, duration, fail, info, ok, warn } from "./lib/log.mjs";
import { runTask, stopAllChildren } from "./lib/processes.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const results = { passed: 0, failed: 0, skipped: 0 };
let services = null;
let interrupted = false;

function summary() {
  const skipped = results.skipped ? `, ${results.skipped} skipped` : "";
  console.log(`\n${results.passed} passed, ${results.failed} failed${skipped}`);
}

async function finish(code) {
  if (services) {
    const s = services;
    services = null;
    await s.stop();
  }
  summary();
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    if (interrupted) {
      services?.stopSync();
      process.exit(130);
    }
    interrupted = true;
    console.log("");
    fail(`${signal}: stopping the test run`);
    await stopAllChildren({ timeoutMs: 5_000 });
    results.failed += 1;
    await finish(130);
  });
}

/** Local binaries (node_modules/.bin) run directly: `npx` could fall back to the registry. */
function bin(name) {
  const local = path.join(root, "node_modules", ".bin", name);
  return existsSync(local) ? local : null;
}

/**
 * Runs one stage: `commands` is a list of [display, cmd, args] run in order.
 * Returns true on success; on failure records it and ends the run.
 */
async function stage(name, commands, env) {
  if (interrupted) return false;
  const started = Date.now();
  console.log(`\n${c.bold(c.cyan(`▶ ${name}`))} ${c.dim(commands.map(([display]) => display).join(" && "))}`);
  for (const [display, cmd, args] of commands) {
    let result;
    try {
      result = await runTask(cmd, args, { cwd: root, env });
    } catch (err) {
      result = { code: null, signal: null, error: err };
    }
    if (interrupted) return false;
    if (result.code !== 0) {
      const why = result.error ? `could not start: ${result.error.message}` : result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
      fail(`${name} failed after ${duration(Date.now() - started)}: \`${display}\` ${why}`);
      results.failed += 1;
      await finish(1);
      return false;
    }
  }
  ok(`${name} ${c.dim(duration(Date.now() - started))}`);
  results.passed += 1;
  return true;
}

async function main() {
  const t0 = Date.now();
  if (!existsSync(path.join(root, "node_modules"))) {
    if (!(await stage("install", [["npm ci", "npm", ["ci"]]], process.env))) return;
  }

  // Stage 1: services.
  console.log(`\n${c.bold(c.cyan("▶ services"))} ${c.dim("Postgres and Redis")}`);
  const servicesStarted = Date.now();
  const { ensureServices, withDatabase, ServiceError, DEFAULT_DATABASE_URL } = await import("./lib/services.mjs");
  const explicitTestDb = process.env.TEST_DATABASE_URL || undefined;
  try {
    services = await ensureServices({
      root,
      databaseUrl: explicitTestDb ?? (process.env.DATABASE_URL || DEFAULT_DATABASE_URL),
      redisUrl: process.env.REDIS_URL || undefined,
      log: (msg) => info(msg),
      onUnexpectedExit: (name) => warn(`the project-local ${name} stopped unexpectedly`),
    });
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    fail(err.message);
    results.failed += 1;
    return finish(1);
  }
  const testDatabaseUrl = explicitTestDb ? services.databaseUrl : withDatabase(services.databaseUrl, "trellis_test");
  const env = {
    ...process.env,
    DATABASE_URL: testDatabaseUrl,
    TEST_DATABASE_URL: testDatabaseUrl,
    REDIS_URL: services.redisUrl,
    NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? "1",
  };
  info(`tests use ${testDatabaseUrl} and ${services.redisUrl}`);
  ok(`services ${c.dim(duration(Date.now() - servicesStarted))}`);
  results.passed += 1;

  const npx = (name, args) => {
    const local = bin(name);
    return [`npx ${[name, ...args].join(" ")}`, local ?? "npx", local ? args : ["--no-install", name, ...args]];
  };
  const npm = (args) => [`npm ${args.join(" ")}`, "npm", args];

  if (!(await stage("typecheck", [npx("tsc", ["-b"]), npx("tsc", ["-p", "tsconfig.tests.json"]), npx("tsc", ["-p", "e2e"])], env))) return;
  if (!(await stage("web typecheck", [npm(["run", "typecheck", "-w", "@trellis/web"])], env))) return;
  if (!(await stage("lint", [npx("eslint", ["."])], env))) return;
  if (!(await stage("unit tests", [npx("vitest", ["run", "--project", "unit"])], env))) return;
  if (!(await stage("integration tests", [npx("vitest", ["run", "--project", "integration"])], env))) return;

  if (existsSync(path.join(root, "e2e/playwright.config.ts"))) {
    if (!(await stage("end-to-end tests", [npm(["run", "build"]), npx("playwright", ["test", "-c", "e2e/playwright.config.ts"])], env))) return;
  } else {
    console.log(`\n${c.yellow("▷ end-to-end tests skipped")}: e2e/playwright.config.ts does not exist yet`);
    results.skipped += 1;
  }

  console.log(`\n${c.green(c.bold("all stages passed"))} ${c.dim(`in ${duration(Date.now() - t0)}`)}`);
  await finish(0);
}

main().catch(async (err) => {
  fail(err?.stack ?? String(err));
  results.failed += 1;
  await finish(1);
});

/**
 * End-to-end tests: the real API, the real worker and the real web UI, driven through Chromium.
 *
 *   npm run build                                  # the tests run the *built* apps (see below)
 *   npx playwright test -c e2e/playwright.config.ts
 *
 * Playwright starts (in this order, each waiting for the previous one to be ready):
 *   api      migrates the database `trellis_e2e`, then `node apps/api/dist/main.js` on port 4100
 *   worker   `node apps/worker/dist/main.js`, consuming only the queue `e2e`, with a configured
 *            inventory of 2 GPUs and the container engine found at the local Podman/Docker socket
 *   web      `next start` of the existing apps/web build on port 3100, TRELLIS_API_URL=http://localhost:4100
 *   web-down a second `next start` (port 3101) whose TRELLIS_API_URL points at a closed port
 *            (4199), to check how the UI reports an unreachable API
 * and stops them all at the end. Nothing is reused: the ports must be free. The database
 * outlives a session; global-setup.ts empties its step cache first, so no test finds results
 * cached by an earlier session.
 *
 * Environment:
 *   DATABASE_URL        server to use; the database name in it is replaced by `trellis_e2e`
 *                       (default postgresql://postgres@127.0.0.1:5432). E2E_DATABASE_URL overrides it whole.
 *   REDIS_URL           passed through (default redis://127.0.0.1:6379). The queue `e2e` keeps a
 *                       dev worker on the default queue from taking e2e jobs.
 *   E2E_FROM_SOURCE=1   run the API and worker from TypeScript sources (tsx) instead of dist/;
 *                       the web app always needs `next build` (`npm run build -w @trellis/web`).
 *   CHROMIUM_PATH       browser binary (default /usr/bin/chromium).
 *   E2E_WEB_DIR         the built web app to serve (default apps/web), e.g. a copy built on its
 *                       own so that rebuilding apps/web meanwhile does not pull files from under it.
 *   TRELLIS_E2E_DATA_DIR TRELLIS_DATA_DIR of the API and worker, and where tests put gate files;
 *                       default: a fresh temp dir, removed at the end.
 *
 * Access: the API starts with the instance admin ADMIN_EMAIL / ADMIN_PASSWORD (support/env.ts), a
 * bootstrap token and a secrets key, both random per run (TRELLIS_E2E_BOOTSTRAP_TOKEN and
 * TRELLIS_E2E_SECRETS_KEY in the tests' environment). global-setup.ts signs the admin in through
 * the web server and saves its cookies: every test's browser starts signed in as the admin (a
 * test that needs someone else makes a fresh context); the tests' own API calls send the token.
 *
 * `npm test` runs `npm run build` right before this stage, so dist/ and .next are fresh there.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  API_PORT,
  DEAD_API_URL,
  WEB_DOWN_PORT,
  WEB_PORT,
  adminStorageState,
  bootstrapToken,
  e2eDatabaseUrl,
  e2eSecretsKey,
} from "./support/env";

const root = path.resolve(import.meta.dirname, "..");
const webDir = path.resolve(root, process.env.E2E_WEB_DIR || "apps/web");

// The config is evaluated by the runner and again by each test worker; workers inherit the
// runner's environment, so the temp dir is created once and shared (tests write gate files in it).
if (!process.env.TRELLIS_E2E_DATA_DIR) {
  process.env.TRELLIS_E2E_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), "trellis-e2e-"));
  process.env.TRELLIS_E2E_OWNS_DATA_DIR = "1"; // global-teardown.ts removes only a dir made here
}
const dataDir = process.env.TRELLIS_E2E_DATA_DIR;
// Made once, by the runner, like the data dir: the workers inherit them.
process.env.TRELLIS_E2E_BOOTSTRAP_TOKEN ||= `e2e-${randomBytes(24).toString("base64url")}`;
process.env.TRELLIS_E2E_SECRETS_KEY ||= randomBytes(32).toString("base64");

const fromSource = process.env.E2E_FROM_SOURCE === "1";
const node = JSON.stringify(process.execPath);
const entry = (app: "api" | "worker") =>
  fromSource
    ? `${node} --import tsx --conditions=source apps/${app}/src/main.ts`
    : `${node} ${JSON.stringify(path.join(root, `apps/${app}/dist/main.js`))}`;

const missing = [
  ...(fromSource ? [] : ["apps/api/dist/main.js", "apps/worker/dist/main.js"]),
  path.relative(root, path.join(webDir, ".next/BUILD_ID")),
].filter((p) => !existsSync(path.join(root, p)));
if (missing.length > 0) {
  throw new Error(`e2e: ${missing.join(", ")} not found. Run \`npm run build\` at the repository root first.`);
}

const nextBin = JSON.stringify(createRequire(path.join(webDir, "package.json")).resolve("next/dist/bin/next"));

const serverEnv = {
  DATABASE_URL: e2eDatabaseUrl(),
  TRELLIS_QUEUE: "e2e",
  TRELLIS_DATA_DIR: dataDir,
  NEXT_TELEMETRY_DISABLED: "1",
};

const stop = { signal: "SIGTERM" as const, timeout: 10_000 };

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results",
  globalSetup: "./global-setup.ts",
  globalTeardown: "./global-teardown.ts",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: "list",
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL: `http://localhost:${WEB_PORT}`,
    browserName: "chromium",
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    // Signed in as the instance admin (global-setup.ts).
    storageState: adminStorageState(),
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  webServer: [
    {
      name: "api",
      command: `${node} --experimental-wasm-modules --disable-warning=ExperimentalWarning scripts/migrate.mjs deploy && exec ${entry("api")}`,
      cwd: root,
      url: `http://127.0.0.1:${API_PORT}/api/v1/health`,
      env: {
        ...serverEnv,
        API_PORT: String(API_PORT),
        API_HOST: "0.0.0.0",
        TRELLIS_API_LOG: "0",
        TRELLIS_ADMIN_EMAIL: ADMIN_EMAIL,
        TRELLIS_ADMIN_PASSWORD: ADMIN_PASSWORD,
        TRELLIS_BOOTSTRAP_TOKEN: bootstrapToken(),
        TRELLIS_SECRETS_KEY: e2eSecretsKey(),
        // Password hashing at the cheapest cost the API allows (tests sign in and create users).
        TRELLIS_SCRYPT_LOG_N: "14",
      },
      timeout: 120_000,
      gracefulShutdown: stop,
    },
    {
      name: "worker",
      command: `exec ${entry("worker")}`,
      cwd: root,
      // A configured inventory of two GPUs (no GPU runtime: containers get no device requests).
      env: { ...serverEnv, TRELLIS_WORKER_GPUS: "0,1", TRELLIS_CONTAINER_GPU_MODE: "none", TRELLIS_SECRETS_KEY: e2eSecretsKey() },
      wait: { stdout: /worker started/ },
      timeout: 60_000,
      gracefulShutdown: stop,
    },
    {
      name: "web",
      command: `exec ${node} ${nextBin} start -p ${WEB_PORT}`,
      cwd: webDir,
      url: `http://127.0.0.1:${WEB_PORT}/api/v1/health`,
      env: { ...serverEnv, TRELLIS_API_URL: `http://localhost:${API_PORT}` },
      timeout: 60_000,
      gracefulShutdown: stop,
    },
    {
      name: "web-down",
      command: `exec ${node} ${nextBin} start -p ${WEB_DOWN_PORT}`,
      cwd: webDir,
      // The 502 of the proxy is not "available"; a page is (the sign-in page needs no session).
      url: `http://127.0.0.1:${WEB_DOWN_PORT}/sign-in`,
      env: { ...serverEnv, TRELLIS_API_URL: DEAD_API_URL },
      timeout: 60_000,
      gracefulShutdown: stop,
      // It logs every failed proxy request, which is all of them, on purpose.
      stderr: "ignore",
    },
  ],
});

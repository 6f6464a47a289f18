import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * Global setup of the integration project: points every test at a dedicated database
 * (TEST_DATABASE_URL, default trellis_test on the local server) and migrates it with the same
 * script `npm start` uses.
 */
export default function setup(): void {
  const url = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/trellis_test";
  process.env.DATABASE_URL = url;
  execFileSync(process.execPath, ["--experimental-wasm-modules", "--no-warnings", path.resolve("scripts/migrate.mjs"), "deploy"], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: "inherit",
  });
}

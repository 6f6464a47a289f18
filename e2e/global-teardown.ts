import { rm } from "node:fs/promises";

/** Removes the temp data dir (run workspaces, gate files) if playwright.config.ts created it. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.TRELLIS_E2E_DATA_DIR;
  if (dir && process.env.TRELLIS_E2E_OWNS_DATA_DIR === "1") await rm(dir, { recursive: true, force: true });
}

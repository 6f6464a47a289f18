import path from "node:path";

/** Ports and URLs shared by the Playwright config and the tests. */
export const API_PORT = 4100;
export const WEB_PORT = 3100;
/** A second web server whose API URL points nowhere. */
export const WEB_DOWN_PORT = 3101;
/** Must be a closed port (connections refused). Not a "bad port" like 1, which fetch() refuses by itself. */
export const DEAD_API_URL = "http://127.0.0.1:4199";

export const API_URL = `http://localhost:${API_PORT}/api/v1`;
export const WEB_DOWN_URL = `http://localhost:${WEB_DOWN_PORT}`;
export const PROJECT = "default";

/** The temp dir the config created (inherited by test workers): TRELLIS_DATA_DIR and gate files. */
export function e2eDataDir(): string {
  const dir = process.env.TRELLIS_E2E_DATA_DIR;
  if (!dir) throw new Error("TRELLIS_E2E_DATA_DIR is not set: run the tests with -c e2e/playwright.config.ts");
  return dir;
}

/** The database of the e2e API and worker: DATABASE_URL's server, database `trellis_e2e` (E2E_DATABASE_URL overrides it whole). */
export function e2eDatabaseUrl(): string {
  if (process.env.E2E_DATABASE_URL) return process.env.E2E_DATABASE_URL;
  const url = new URL(process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/trellis");
  url.pathname = "/trellis_e2e";
  return url.toString();
}

/** The instance admin the API creates at start (TRELLIS_ADMIN_EMAIL / _PASSWORD); the tests sign in as it. */
export const ADMIN_EMAIL = "e2e-admin@trellis.test";
export const ADMIN_PASSWORD = "e2e-admin-password";

function fromConfig(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with -c e2e/playwright.config.ts`);
  return value;
}

/** TRELLIS_BOOTSTRAP_TOKEN of the e2e API (an instance-wide admin token), made per run by the config. */
export function bootstrapToken(): string {
  return fromConfig("TRELLIS_E2E_BOOTSTRAP_TOKEN");
}

/** TRELLIS_SECRETS_KEY of the e2e API and worker (32 random bytes, base64), made per run by the config. */
export function e2eSecretsKey(): string {
  return fromConfig("TRELLIS_E2E_SECRETS_KEY");
}

/** Headers of a test's own API calls (set-up and checks): the bootstrap token. */
export function authHeaders(): Record<string, string> {
  return { authorization: `Bearer ${bootstrapToken()}` };
}

/** The signed-in admin's cookies (global-setup.ts writes them; the tests' browser contexts start with them). */
export function adminStorageState(): string {
  return path.join(e2eDataDir(), "admin-storage-state.json");
}

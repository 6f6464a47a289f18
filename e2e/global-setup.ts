import { request } from "@playwright/test";
import { createPrismaClient } from "@trellis/db";
import { ADMIN_EMAIL, ADMIN_PASSWORD, WEB_PORT, adminStorageState, e2eDatabaseUrl } from "./support/env";

/**
 * Runs after the servers are up (the API has migrated the database and created the admin).
 *
 * The e2e database outlives a session, and a step's cache key does not depend on its pipeline's
 * (unique) name: without emptying the step cache, a test that expects a step to run (and to log)
 * would find it served from the cache of an earlier session. Runs stay; only reuse across
 * sessions is prevented.
 *
 * Then the admin signs in through the web server, as a browser would, and its cookies (session
 * and CSRF) become the storage state every test's browser context starts with.
 */
export default async function globalSetup(): Promise<void> {
  const db = createPrismaClient({ url: e2eDatabaseUrl(), max: 1 });
  try {
    await db.cacheEntry.deleteMany({});
  } finally {
    await db.$disconnect();
  }

  const web = await request.newContext({ baseURL: `http://localhost:${WEB_PORT}` });
  try {
    const res = await web.post("/api/v1/auth/sign-in", { data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    if (!res.ok()) throw new Error(`e2e: signing in as ${ADMIN_EMAIL} failed: HTTP ${res.status()} ${await res.text()}`);
    const names = (await web.storageState()).cookies.map((c) => c.name);
    for (const needed of ["trellis_session", "trellis_csrf"]) {
      if (!names.includes(needed)) throw new Error(`e2e: signing in set no ${needed} cookie (got: ${names.join(", ") || "none"})`);
    }
    await web.storageState({ path: adminStorageState() });
  } finally {
    await web.dispose();
  }
}

import { createPrismaClient } from "@trellis/db";
import { e2eDatabaseUrl } from "./support/env";

/**
 * Runs after the servers are up (the API has migrated the database). The e2e database outlives
 * a session, and a step's cache key does not depend on its pipeline's (unique) name: without
 * this, a test that expects a step to run (and to log) would find it served from the cache of
 * an earlier session. Runs stay; only reuse across sessions is prevented.
 */
export default async function globalSetup(): Promise<void> {
  const db = createPrismaClient({ url: e2eDatabaseUrl(), max: 1 });
  try {
    await db.cacheEntry.deleteMany({});
  } finally {
    await db.$disconnect();
  }
}

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "@trellis/db";

/**
 * Per-run bearer tokens for the REST log-batch endpoint: `trlrun_<runId>_<hmac(key, runId)>`.
 * Nothing per run is stored; the signing key is one Setting row, created on first use, so
 * the API and every worker derive the same tokens from the shared database.
 */
const SETTING_KEY = "run-token-signing-key";
const TOKEN_RE = /^trlrun_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const keys = new WeakMap<PrismaClient, Promise<Buffer>>();

function signingKey(db: PrismaClient): Promise<Buffer> {
  let key = keys.get(db);
  if (!key) {
    key = (async () => {
      await db.setting.createMany({ data: [{ key: SETTING_KEY, value: randomBytes(32).toString("base64") }], skipDuplicates: true });
      const row = await db.setting.findUniqueOrThrow({ where: { key: SETTING_KEY } });
      return Buffer.from(row.value, "base64");
    })();
    key.catch(() => keys.delete(db));
    keys.set(db, key);
  }
  return key;
}

function sign(key: Buffer, runId: string): string {
  return createHmac("sha256", key).update(runId).digest("base64url");
}

export async function runTokenFor(db: PrismaClient, runId: string): Promise<string> {
  return `trlrun_${runId}_${sign(await signingKey(db), runId)}`;
}

/** The run id the token was issued for, or null when the token is malformed or forged. */
export async function verifyRunToken(db: PrismaClient, token: string): Promise<string | null> {
  const match = TOKEN_RE.exec(token);
  if (!match) return null;
  const [, runId, signature] = match as unknown as [string, string, string];
  const expected = Buffer.from(sign(await signingKey(db), runId));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? runId : null;
}

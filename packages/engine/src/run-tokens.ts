import { createHmac, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "@trellis/db";
import { sharedKey } from "./shared-keys.js";

/**
 * Short-lived bearer tokens that a running step gets for its own run (TRELLIS_RUN_TOKEN and
 * MLFLOW_TRACKING_TOKEN): `trlrun_<runId>_<expiry, unix s>_<hmac(key, runId.expiry)>`. They
 * grant logging to that run only (see the API's access rules), never a user's rights. Nothing
 * per run is stored; the signing key is one Setting row, created on first use, so the API and
 * every worker derive and check the same tokens from the shared database.
 */
const SETTING_KEY = "run-token-signing-key";
const TOKEN_RE = /^trlrun_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_(\d{1,12})_([A-Za-z0-9_-]{43})$/;
/** Without a step timeout, a run token lives this long. */
export const RUN_TOKEN_DEFAULT_TTL_MS = 12 * 60 * 60 * 1000;

const signingKey = (db: PrismaClient) => sharedKey(db, SETTING_KEY);

function sign(key: Buffer, runId: string, expiry: string): string {
  return createHmac("sha256", key).update(`${runId}.${expiry}`).digest("base64url");
}

/** A token for the run, valid for `ttlMs` (a step's timeout plus a margin, when it has one). */
export async function runTokenFor(db: PrismaClient, runId: string, ttlMs = RUN_TOKEN_DEFAULT_TTL_MS): Promise<string> {
  const expiry = String(Math.ceil((Date.now() + ttlMs) / 1000));
  return `trlrun_${runId}_${expiry}_${sign(await signingKey(db), runId, expiry)}`;
}

export function isRunToken(token: string): boolean {
  return token.startsWith("trlrun_");
}

/** The run id the token was issued for, or null when the token is malformed, forged or expired. */
export async function verifyRunToken(db: PrismaClient, token: string): Promise<string | null> {
  const match = TOKEN_RE.exec(token);
  if (!match) return null;
  const [, runId, expiry, signature] = match as unknown as [string, string, string, string];
  if (Number(expiry) * 1000 <= Date.now()) return null;
  const expected = Buffer.from(sign(await signingKey(db), runId, expiry));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? runId : null;
}

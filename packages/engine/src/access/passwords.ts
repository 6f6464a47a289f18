import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Passwords are hashed with scrypt, a memory-hard function, at OWASP's recommended cost
 * (N = 2^17, r = 8, p = 1: 128 MiB and ~0.3 s per hash). The parameters are stored in the hash
 * (`scrypt$N$r$p$salt$hash`), so the cost can rise later without invalidating old hashes.
 * TRELLIS_SCRYPT_LOG_N lowers it for tests only (never below 2^14).
 */
const KEY_LENGTH = 32;
const PASSWORD_MIN = 10;
const PASSWORD_MAX = 1024;

function defaultLogN(): number {
  const raw = Number(process.env.TRELLIS_SCRYPT_LOG_N ?? 17);
  return Number.isInteger(raw) && raw >= 14 && raw <= 20 ? raw : 17;
}

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // maxmem must exceed 128 * N * r bytes or scrypt refuses.
  const maxmem = 256 * (options.N ?? 0) * (options.r ?? 8) + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, { ...options, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Why a new password is not acceptable, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `use at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `use at most ${PASSWORD_MAX} characters`;
  return null;
}

export async function hashPassword(password: string): Promise<string> {
  const N = 2 ** defaultLogN();
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: 8, p: 1 });
  return `scrypt$${N}$8$1$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const expected = Buffer.from(parts[5]!, "base64");
  const key = await derive(password, Buffer.from(parts[4]!, "base64"), { N, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummy: Promise<string> | null = null;

/**
 * Spends the time a real verification would, for sign-ins with an unknown email, so response
 * times do not reveal which accounts exist.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hashPassword("not a real password");
  await verifyPassword(password, await dummy);
  return false;
}

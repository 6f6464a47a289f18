import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Encryption of project secrets: AES-256-GCM with a key from the environment
 * (TRELLIS_SECRETS_KEY), a random 12-byte IV per value, and `${projectId}/${name}` as
 * additional authenticated data, so a stored ciphertext decrypts only as the secret it was
 * written for (copying it to another name or project fails authentication). Pure: no I/O.
 */

export const SECRETS_KEY_ENV = "TRELLIS_SECRETS_KEY";

export interface SecretsKey {
  key: Buffer;
  /** Short sha256 fingerprint of the key, stored with every value: tells "wrong key" from "corrupt value". */
  keyId: string;
}

export interface SecretRef {
  projectId: string;
  name: string;
}

/** Bytes not backed by shared memory, as the database client stores them. */
type Bytes = Buffer<ArrayBuffer>;

export interface EncryptedSecret {
  ciphertext: Bytes;
  iv: Bytes;
  authTag: Bytes;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const HEX_KEY_RE = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY_RE = /^(?:[A-Za-z0-9+/]{43}=?|[A-Za-z0-9_-]{43}=?)$/;

/**
 * The secrets key from TRELLIS_SECRETS_KEY: 32 bytes as base64 (`openssl rand -base64 32`) or as
 * 64 hex characters. Null when unset or blank (secrets are then disabled). A malformed key
 * throws, without echoing it, so a process with a mistyped key stops at start.
 */
export function secretsKeyFromEnv(env: NodeJS.ProcessEnv = process.env): SecretsKey | null {
  const text = env[SECRETS_KEY_ENV]?.trim() ?? "";
  if (text === "") return null;
  // Hex first: 64 hex characters are also valid base64 (of 48 bytes).
  const key = HEX_KEY_RE.test(text) ? Buffer.from(text, "hex") : BASE64_KEY_RE.test(text) ? Buffer.from(text, "base64") : null;
  if (key?.length !== KEY_BYTES) {
    throw new Error(
      `${SECRETS_KEY_ENV} must be ${KEY_BYTES} random bytes written as base64 (44 characters, e.g. from \`openssl rand -base64 32\`) or as 64 hex characters; the value set has ${text.length} characters`,
    );
  }
  return { key, keyId: keyIdOf(key) };
}

export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

const aad = (ref: SecretRef) => Buffer.from(`${ref.projectId}/${ref.name}`, "utf8");

export function encryptSecret(key: Buffer, ref: SecretRef, value: string): EncryptedSecret {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad(ref));
  const ciphertext = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return { ciphertext, iv, authTag: cipher.getAuthTag() };
}

/** Throws when the key, the ref or the stored bytes are not the ones the value was encrypted with. */
export function decryptSecret(key: Buffer, ref: SecretRef, encrypted: { ciphertext: Uint8Array; iv: Uint8Array; authTag: Uint8Array }): string {
  const decipher = createDecipheriv("aes-256-gcm", key, encrypted.iv);
  decipher.setAAD(aad(ref));
  decipher.setAuthTag(encrypted.authTag);
  return Buffer.concat([decipher.update(encrypted.ciphertext), decipher.final()]).toString("utf8");
}

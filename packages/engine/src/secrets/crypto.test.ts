import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, keyIdOf, secretsKeyFromEnv } from "./crypto.js";

const raw = randomBytes(32);
const ref = { projectId: "5d0c4f0e-0000-4000-8000-000000000001", name: "DB_PASSWORD" };

describe("secretsKeyFromEnv", () => {
  it("reads 32 bytes as base64 (with or without padding, or URL-safe) or as hex", () => {
    for (const text of [raw.toString("base64"), raw.toString("base64").replace(/=$/, ""), raw.toString("base64url"), raw.toString("hex"), ` ${raw.toString("hex").toUpperCase()}\n`]) {
      const key = secretsKeyFromEnv({ TRELLIS_SECRETS_KEY: text });
      expect(key?.key.equals(raw), text).toBe(true);
      expect(key?.keyId).toBe(keyIdOf(raw));
    }
    expect(keyIdOf(raw)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is null when unset or blank", () => {
    expect(secretsKeyFromEnv({})).toBeNull();
    expect(secretsKeyFromEnv({ TRELLIS_SECRETS_KEY: "  " })).toBeNull();
  });

  it("refuses malformed keys without echoing them", () => {
    for (const text of ["hunter2-not-a-key", randomBytes(16).toString("base64"), randomBytes(48).toString("base64"), raw.toString("hex").slice(1), `${raw.toString("base64").slice(0, 40)}!!!=`]) {
      let message = "";
      try {
        secretsKeyFromEnv({ TRELLIS_SECRETS_KEY: text });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, text).toMatch(/^TRELLIS_SECRETS_KEY must be 32 random bytes written as base64 .* or as 64 hex characters; the value set has \d+ characters$/);
      expect(message).not.toContain(text);
    }
  });
});

describe("encryptSecret / decryptSecret", () => {
  it("round-trips, with a fresh IV every time", () => {
    const value = "s3cret\nsecond line ✓";
    const a = encryptSecret(raw, ref, value);
    const b = encryptSecret(raw, ref, value);
    expect(a.iv).toHaveLength(12);
    expect(a.authTag).toHaveLength(16);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.ciphertext.includes(Buffer.from("s3cret"))).toBe(false);
    expect(decryptSecret(raw, ref, a)).toBe(value);
  });

  it("fails for another key, another secret or project (AAD), and tampered bytes", () => {
    const e = encryptSecret(raw, ref, "s3cret-value");
    expect(() => decryptSecret(randomBytes(32), ref, e)).toThrow();
    expect(() => decryptSecret(raw, { ...ref, name: "OTHER" }, e)).toThrow();
    expect(() => decryptSecret(raw, { ...ref, projectId: "5d0c4f0e-0000-4000-8000-000000000002" }, e)).toThrow();
    const tampered = Buffer.from(e.ciphertext);
    tampered[0] = tampered[0]! ^ 1;
    expect(() => decryptSecret(raw, ref, { ...e, ciphertext: tampered })).toThrow();
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword, passwordProblem, verifyPassword } from "./passwords.js";
import { minRole, roleAtLeast } from "./roles.js";

beforeAll(() => {
  // The cheapest cost the module accepts, so the suite stays fast; production uses 2^17.
  process.env.TRELLIS_SCRYPT_LOG_N = "14";
});

describe("passwords", () => {
  it("hashes with scrypt, salted, keeping the parameters in the hash", async () => {
    const a = await hashPassword("correct horse battery staple");
    const b = await hashPassword("correct horse battery staple");
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery staple", a)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", a)).toBe(false);
  });

  it("verifies with the parameters stored in the hash, whatever the current cost", async () => {
    const stored = await hashPassword("an older password");
    process.env.TRELLIS_SCRYPT_LOG_N = "15";
    try {
      expect(await verifyPassword("an older password", stored)).toBe(true);
    } finally {
      process.env.TRELLIS_SCRYPT_LOG_N = "14";
    }
  });

  it("treats malformed hashes as no match", async () => {
    expect(await verifyPassword("x", "")).toBe(false);
    expect(await verifyPassword("x", "bcrypt$2b$10$abc")).toBe(false);
  });

  it("says what is wrong with a weak password", () => {
    expect(passwordProblem("short")).toBe("use at least 10 characters");
    expect(passwordProblem("x".repeat(1025))).toBe("use at most 1024 characters");
    expect(passwordProblem("long enough now")).toBeNull();
  });
});

describe("roles", () => {
  it("orders viewer < editor < admin", () => {
    expect(roleAtLeast("admin", "editor")).toBe(true);
    expect(roleAtLeast("editor", "editor")).toBe(true);
    expect(roleAtLeast("viewer", "editor")).toBe(false);
    expect(minRole("admin", "viewer")).toBe("viewer");
    expect(minRole("editor", "admin")).toBe("editor");
  });
});

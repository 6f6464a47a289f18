import { describe, expect, it } from "vitest";
import {
  describeAuditAction,
  displayIp,
  mlflowBaseUrl,
  normalizeSecretName,
  rolesUpTo,
  secretNameProblem,
  secretValueProblem,
  shellWord,
  sortTokens,
  summarizeDetails,
  tokenSnippets,
  tokenStatus,
} from "./access-format";
import { isRole } from "./auth";

describe("roles", () => {
  it("offers only roles up to the caller's", () => {
    expect(rolesUpTo("viewer")).toEqual(["viewer"]);
    expect(rolesUpTo("editor")).toEqual(["viewer", "editor"]);
    expect(rolesUpTo("admin")).toEqual(["viewer", "editor", "admin"]);
  });

  it("recognises role names only", () => {
    expect(isRole("editor")).toBe(true);
    expect(isRole("owner")).toBe(false);
    expect(isRole(null)).toBe(false);
  });
});

describe("tokenStatus", () => {
  const now = Date.parse("2026-01-10T00:00:00Z");
  it("revoked wins over expired", () => {
    expect(tokenStatus({ revokedAt: "2026-01-01T00:00:00Z", expiresAt: "2026-01-02T00:00:00Z" }, now)).toBe("revoked");
  });
  it("is expired from its expiry on", () => {
    expect(tokenStatus({ revokedAt: null, expiresAt: "2026-01-10T00:00:00Z" }, now)).toBe("expired");
    expect(tokenStatus({ revokedAt: null, expiresAt: "2026-01-11T00:00:00Z" }, now)).toBe("active");
  });
  it("never expires without an expiry", () => {
    expect(tokenStatus({ revokedAt: null, expiresAt: null }, now)).toBe("active");
  });
});

describe("describeAuditAction", () => {
  it("puts known actions in words", () => {
    expect(describeAuditAction("auth.sign_in").text).toBe("signed in");
    expect(describeAuditAction("token.created").text).toBe("created token");
    expect(describeAuditAction("member.role_changed").text).toBe("changed role");
    expect(describeAuditAction("auth.sign_in_failed").tone).toBe("danger");
  });
  it("spells out unknown actions verb first", () => {
    expect(describeAuditAction("webhook.deleted")).toEqual({ text: "deleted webhook", tone: "neutral" });
    expect(describeAuditAction("odd")).toEqual({ text: "odd", tone: "neutral" });
  });
});

describe("summarizeDetails", () => {
  it("shows a change as from → to", () => {
    expect(summarizeDetails({ from: "viewer", to: "admin" })).toBe("viewer → admin");
    expect(summarizeDetails({ role: { from: "viewer", to: "editor" } })).toBe("role: viewer → editor");
  });
  it("lists the rest as key: value, keys in words", () => {
    expect(summarizeDetails({ kind: "service", role: "editor", expiresAt: null })).toBe("kind: service · role: editor · expires: none");
    expect(summarizeDetails({ instanceAdmin: true, fields: ["name", "password"] })).toBe("instance admin: yes · fields: name, password");
    expect(summarizeDetails({ method: "password" })).toBe("via: password");
    expect(summarizeDetails({ expiresAt: "2027-02-22T04:18:22.972Z" })).toBe("expires: 2027-02-22");
  });
  it("leaves out internal ids", () => {
    expect(summarizeDetails({ tokenId: "c1f0", kind: "personal" })).toBe("kind: personal");
  });
  it("is empty without details", () => {
    expect(summarizeDetails({})).toBe("");
    expect(summarizeDetails(null)).toBe("");
  });
});

describe("tokenSnippets", () => {
  const secret = "trl_abc123";
  it("uses the web origin for the HTTP API and the CLI, and the API server for MLflow", () => {
    const s = tokenSnippets({ webOrigin: "http://localhost:3000", project: "vision", secret, role: "editor" });
    const byId = Object.fromEntries(s.map((x) => [x.id, x.code]));
    expect(byId.curl).toBe(`curl -H "Authorization: Bearer ${secret}" http://localhost:3000/api/v1/projects/vision/runs`);
    expect(byId.mlflow).toBe(`export MLFLOW_TRACKING_URI=http://localhost:4000/projects/vision\nexport MLFLOW_TRACKING_TOKEN=${secret}`);
    expect(byId.cli).toBe(`TRELLIS_API_URL=http://localhost:3000 TRELLIS_TOKEN=${secret} npx trellis run PIPELINE --wait --project vision`);
  });
  it("shows a viewer token a read, and leaves out --project for the default project", () => {
    const s = tokenSnippets({ webOrigin: "https://trellis.example.com", project: "default", secret, role: "viewer" });
    expect(s.find((x) => x.id === "cli")?.code).toBe(`TRELLIS_API_URL=https://trellis.example.com TRELLIS_TOKEN=${secret} npx trellis status RUN_ID`);
  });
  it("leaves the API server as a variable when it cannot be derived", () => {
    expect(mlflowBaseUrl("https://trellis.example.com")).toBe("$TRELLIS_API_URL");
    expect(mlflowBaseUrl("not a url")).toBe("$TRELLIS_API_URL");
    expect(mlflowBaseUrl("http://10.0.0.5:3000")).toBe("http://10.0.0.5:4000");
  });
  it("quotes shell words that need it", () => {
    expect(shellWord("my-project")).toBe("my-project");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
  });
});

describe("secrets", () => {
  it("accepts environment-variable names", () => {
    expect(secretNameProblem("DB_PASSWORD")).toBeNull();
    expect(secretNameProblem("_X1")).toBeNull();
    expect(secretNameProblem("")).toBeNull();
  });
  it("refuses other names", () => {
    expect(secretNameProblem("1ABC")).toMatch(/capital letters/);
    expect(secretNameProblem("db_password")).toMatch(/capital letters/);
    expect(secretNameProblem("A".repeat(129))).toMatch(/128/);
  });
  it("normalises what is typed", () => {
    expect(normalizeSecretName("db-pass word")).toBe("DB_PASS_WORD");
  });
  it("needs values long enough to mask", () => {
    expect(secretValueProblem("abc")).toMatch(/at least 4/i);
    expect(secretValueProblem("abcd")).toBeNull();
    expect(secretValueProblem("")).toBeNull();
  });
});

describe("displayIp", () => {
  it("shows IPv4-mapped addresses as IPv4", () => {
    expect(displayIp("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(displayIp("2001:db8::1")).toBe("2001:db8::1");
    expect(displayIp(null)).toBe("—");
  });
});

describe("sortTokens", () => {
  it("puts usable tokens first, newest first within each group", () => {
    const now = Date.parse("2026-01-10T00:00:00Z");
    const t = (name: string, createdAt: string, revokedAt: string | null = null, expiresAt: string | null = null) => ({ name, createdAt, revokedAt, expiresAt });
    const sorted = sortTokens(
      [
        t("old", "2026-01-01T00:00:00Z"),
        t("revoked", "2026-01-09T00:00:00Z", "2026-01-09T01:00:00Z"),
        t("expired", "2026-01-08T00:00:00Z", null, "2026-01-09T00:00:00Z"),
        t("new", "2026-01-05T00:00:00Z"),
      ],
      now,
    );
    expect(sorted.map((x) => x.name)).toEqual(["new", "old", "expired", "revoked"]);
  });
});

import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { createSession, createUser, loadEngineConfig, type Role } from "@trellis/engine";
import type { Access } from "../apps/api/src/http/access.js";
import { routeTables } from "../apps/api/src/app.js";
import { createApiServer, type ApiServer } from "../apps/api/src/server.js";
import { adminToken, type Json } from "./http.js";

/**
 * The authorization matrix. Every route the API registers must appear in the policy below (a
 * route added without a reviewed entry fails the first test), must declare exactly that access,
 * and is then called as anonymous, a viewer, an editor and an admin of the project in its path,
 * an admin of another project, and an instance admin, each outcome asserted: allowed (any
 * answer but 401/403 and "project not found"), 401, 403, or 404 as if the project did not exist.
 * Callers are signed-in users with real sessions (cookie + CSRF token), so one caller covers the
 * project routes and the MLflow routes of the default project alike.
 */

type Policy = "public" | "signed-in" | "instance-admin" | "run-token" | Role | `${Role}+run:${"read" | "write"}`;

const REST_POLICY: Record<string, Policy> = {
  "GET /api/v1/health": "public",
  "GET /api/v1/auth/status": "public",
  "POST /api/v1/auth/setup": "public",
  "POST /api/v1/auth/sign-in": "public",
  "POST /api/v1/auth/sign-out": "signed-in",
  "GET /api/v1/auth/me": "signed-in",
  "GET /api/v1/auth/tokens": "signed-in",
  "POST /api/v1/auth/tokens": "signed-in",
  "DELETE /api/v1/auth/tokens/:id": "signed-in",
  "GET /api/v1/users": "instance-admin",
  "POST /api/v1/users": "instance-admin",
  "PATCH /api/v1/users/:id": "instance-admin",
  "GET /api/v1/audit": "instance-admin",
  "GET /api/v1/auth/oidc/start": "public",
  "GET /api/v1/auth/oidc/callback": "public",
  "GET /api/v1/projects/:project/members": "admin",
  "POST /api/v1/projects/:project/members": "admin",
  "PATCH /api/v1/projects/:project/members/:userId": "admin",
  "DELETE /api/v1/projects/:project/members/:userId": "admin",
  "GET /api/v1/projects/:project/tokens": "admin",
  "POST /api/v1/projects/:project/tokens": "admin",
  "DELETE /api/v1/projects/:project/tokens/:id": "admin",
  "GET /api/v1/projects/:project/audit": "admin",
  "GET /api/v1/projects/:project/secrets": "editor",
  "PUT /api/v1/projects/:project/secrets/:name": "admin",
  "DELETE /api/v1/projects/:project/secrets/:name": "admin",
  "GET /api/v1/projects": "signed-in",
  "POST /api/v1/projects": "signed-in",
  "GET /api/v1/projects/:project": "viewer",
  "GET /api/v1/projects/:project/pipelines": "viewer",
  "POST /api/v1/projects/:project/pipelines": "editor",
  "GET /api/v1/projects/:project/pipelines/:name": "viewer",
  "GET /api/v1/projects/:project/pipelines/:name/versions/:version": "viewer",
  "POST /api/v1/projects/:project/runs": "editor",
  "POST /api/v1/projects/:project/runs/:id/rerun": "editor",
  "POST /api/v1/projects/:project/runs/:id/retry": "editor",
  "PATCH /api/v1/projects/:project/runs/:id": "editor",
  "POST /api/v1/runs/:id/log-batch": "run-token",
  "GET /api/v1/projects/:project/runs": "viewer",
  "GET /api/v1/projects/:project/runs/:id": "viewer",
  "POST /api/v1/projects/:project/runs/:id/cancel": "editor",
  "GET /api/v1/projects/:project/runs/:id/steps/:step/logs": "viewer",
  "GET /api/v1/projects/:project/runs/:id/steps/:step/logs/stream": "viewer",
  "GET /api/v1/projects/:project/experiments": "viewer",
  "GET /api/v1/projects/:project/experiments/:id": "viewer",
  "GET /api/v1/projects/:project/experiments/:id/columns": "viewer",
  "GET /api/v1/projects/:project/experiments/:id/runs": "viewer",
  "GET /api/v1/projects/:project/compare": "viewer",
  "GET /api/v1/projects/:project/metrics/history": "viewer",
  "GET /api/v1/projects/:project/runs/:id/artifacts": "viewer",
  "GET /api/v1/projects/:project/runs/:id/lineage": "viewer",
  "GET /api/v1/projects/:project/artifacts/:id": "viewer",
  "GET /api/v1/projects/:project/artifacts/:id/content": "viewer",
  "GET /api/v1/projects/:project/artifacts/:id/preview": "viewer",
  "GET /api/v1/projects/:project/artifacts/:id/lineage": "viewer",
  "POST /api/v1/projects/:project/runs/delete": "admin",
  "GET /api/v1/workers": "signed-in",
  "GET /api/v1/projects/:project/runs/:id/steps/:step/environment": "viewer",
  "GET /api/v1/projects/:project/models": "viewer",
  "POST /api/v1/projects/:project/models": "editor",
  "GET /api/v1/projects/:project/models/:name": "viewer",
  "PATCH /api/v1/projects/:project/models/:name": "editor",
  "DELETE /api/v1/projects/:project/models/:name": "admin",
  "POST /api/v1/projects/:project/models/:name/versions": "editor",
  "GET /api/v1/projects/:project/models/:name/versions/:version": "viewer",
  "PATCH /api/v1/projects/:project/models/:name/versions/:version": "editor",
  "DELETE /api/v1/projects/:project/models/:name/versions/:version": "admin",
  "POST /api/v1/projects/:project/models/:name/versions/:version/stage": "editor",
  "GET /api/v1/projects/:project/models/:name/versions/:version/gates": "viewer",
  "GET /api/v1/projects/:project/models/:name/versions/:version/download": "viewer",
  "PUT /api/v1/projects/:project/models/:name/aliases/:alias": "editor",
  "DELETE /api/v1/projects/:project/models/:name/aliases/:alias": "editor",
  "GET /api/v1/projects/:project/models/:name/events": "viewer",
  "GET /api/v1/projects/:project/webhooks": "admin",
  "POST /api/v1/projects/:project/webhooks": "admin",
  "DELETE /api/v1/projects/:project/webhooks/:id": "admin",
  "GET /api/v1/projects/:project/webhooks/:id/deliveries": "admin",
  "POST /api/v1/projects/:project/webhook-deliveries/:id/redeliver": "admin",
  "GET /api/v1/projects/:project/schedules": "viewer",
  "POST /api/v1/projects/:project/schedules": "editor",
  "POST /api/v1/projects/:project/schedules/preview": "editor",
  "GET /api/v1/projects/:project/schedules/:id": "viewer",
  "PATCH /api/v1/projects/:project/schedules/:id": "editor",
  "DELETE /api/v1/projects/:project/schedules/:id": "editor",
  "POST /api/v1/projects/:project/schedules/:id/pause": "editor",
  "POST /api/v1/projects/:project/schedules/:id/resume": "editor",
  "GET /api/v1/projects/:project/schedules/:id/runs": "viewer",
  "POST /api/v1/projects/:project/schedules/:id/backfills": "editor",
  "GET /api/v1/projects/:project/schedules/:id/backfills": "viewer",
  "POST /api/v1/projects/:project/backfills/:id/cancel": "editor",
  "GET /api/v1/openapi.json": "public",
};

/** The MLflow-compatible API, the same under /api/2.0/mlflow (project default) and /projects/:project/api/2.0/mlflow. */
const MLFLOW_POLICY: Record<string, Policy> = {
  "POST /experiments/create": "editor",
  "GET /experiments/get": "viewer",
  "GET /experiments/get-by-name": "viewer",
  "POST /experiments/search": "viewer",
  "GET /experiments/search": "viewer",
  "POST /runs/create": "editor",
  "POST /runs/update": "editor+run:write",
  "GET /runs/get": "viewer+run:read",
  "POST /runs/search": "viewer",
  "POST /runs/log-metric": "editor+run:write",
  "POST /runs/log-parameter": "editor+run:write",
  "POST /runs/set-tag": "editor+run:write",
  "POST /runs/log-batch": "editor+run:write",
  "GET /metrics/get-history": "viewer+run:read",
  "POST /registered-models/create": "editor",
  "GET /registered-models/get": "viewer",
  "GET /registered-models/search": "viewer",
  "POST /registered-models/search": "viewer",
  "PATCH /registered-models/update": "editor",
  "POST /registered-models/rename": "editor",
  "DELETE /registered-models/delete": "admin",
  "POST /registered-models/get-latest-versions": "viewer",
  "GET /registered-models/get-latest-versions": "viewer",
  "POST /registered-models/set-tag": "editor",
  "DELETE /registered-models/delete-tag": "editor",
  "POST /registered-models/alias": "editor",
  "DELETE /registered-models/alias": "editor",
  "GET /registered-models/alias": "viewer",
  "POST /model-versions/create": "editor",
  "GET /model-versions/get": "viewer",
  "GET /model-versions/search": "viewer",
  "POST /model-versions/search": "viewer",
  "PATCH /model-versions/update": "editor",
  "DELETE /model-versions/delete": "admin",
  "POST /model-versions/transition-stage": "editor",
  "GET /model-versions/get-download-uri": "viewer",
  "POST /model-versions/set-tag": "editor",
  "DELETE /model-versions/delete-tag": "editor",
};
function policyOf(access: Access): Policy {
  if (access.kind !== "project") return access.kind;
  return access.runToken ? `${access.role}+run:${access.runToken}` : access.role;
}

const expectedPolicy = new Map<string, Policy>([
  ...Object.entries(REST_POLICY),
  ...Object.entries(MLFLOW_POLICY).flatMap(([key, policy]) => {
    const [method, suffix] = key.split(" ") as [string, string];
    return [[`${method} /api/2.0/mlflow${suffix}`, policy] as const, [`${method} /projects/:project/api/2.0/mlflow${suffix}`, policy] as const];
  }),
]);

type Caller = "anonymous" | "viewer" | "editor" | "otherAdmin" | "admin" | "instanceAdmin";
const CALLERS: Caller[] = ["anonymous", "viewer", "editor", "otherAdmin", "admin", "instanceAdmin"];
type Outcome = "allowed" | 401 | 403 | 404;

/** What the policy says a caller gets. */
function expectedOutcome(policy: Policy, caller: Caller): Outcome {
  if (policy === "public") return "allowed";
  if (caller === "anonymous") return 401;
  if (policy === "signed-in") return "allowed";
  if (policy === "instance-admin") return caller === "instanceAdmin" ? "allowed" : 403;
  // Only a step's own run token may log through this route; no user can.
  if (policy === "run-token") return 401;
  if (caller === "instanceAdmin") return "allowed";
  if (caller === "otherAdmin") return 404;
  const needed = policy.split("+")[0] as Role;
  const order: Role[] = ["viewer", "editor", "admin"];
  return order.indexOf(caller as Role) >= order.indexOf(needed) ? "allowed" : 403;
}

let server: ApiServer;
let db: PrismaClient;
const project = `authz-${randomUUID().slice(0, 8)}`;
const other = `authz-other-${randomUUID().slice(0, 8)}`;
interface SignedIn {
  userId: string;
  cookie: string;
  csrf: string;
}
const cookies = new Map<Caller, SignedIn>();

/** A session (cookies and CSRF token) for a user. */
async function sessionOf(userId: string): Promise<SignedIn> {
  const session = await createSession(db, { userId });
  return { userId, cookie: `trellis_session=${session.token}; trellis_csrf=${session.csrfToken}`, csrf: session.csrfToken };
}

/** A new user with these memberships, signed in. */
async function signedInAs(email: string, memberships: Array<[string, Role]>, instanceAdmin = false): Promise<SignedIn> {
  const user = await createUser(db, { email, name: email.split("@")[0]!, password: "correct horse battery staple", instanceAdmin, actor: "test", actorUserId: null, ip: null });
  await db.projectMember.createMany({ data: memberships.map(([projectId, role]) => ({ projectId, userId: user.id, role })) });
  return sessionOf(user.id);
}

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  server = await createApiServer({ db, config: loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-authz-")) }), queueName: `authz-${randomUUID()}` });
  const [a, b, d] = await Promise.all([
    db.project.create({ data: { name: project } }),
    db.project.create({ data: { name: other } }),
    db.project.findUniqueOrThrow({ where: { name: "default" } }),
  ]);
  const tag = randomUUID().slice(0, 8);
  // Each user has the same role on the project in the path and on "default" (the MLflow
  // routes without a project); the other project's admin has no role on either, and the
  // instance admin is only a viewer of the other project (its admin rights are its own).
  cookies.set("viewer", await signedInAs(`viewer-${tag}@example.com`, [[a.id, "viewer"], [d.id, "viewer"]]));
  cookies.set("editor", await signedInAs(`editor-${tag}@example.com`, [[a.id, "editor"], [d.id, "editor"]]));
  cookies.set("admin", await signedInAs(`admin-${tag}@example.com`, [[a.id, "admin"], [d.id, "admin"]]));
  cookies.set("otherAdmin", await signedInAs(`other-${tag}@example.com`, [[b.id, "admin"]]));
  cookies.set("instanceAdmin", await signedInAs(`root-${tag}@example.com`, [[b.id, "viewer"]], true));
});

afterAll(async () => {
  await server.close();
  await db.$disconnect();
});

function fill(url: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    switch (name) {
      case "project":
        return project;
      case "version":
        return "1";
      case "name":
      case "step":
      case "alias":
        return "x";
      default:
        return randomUUID();
    }
  });
}

async function call(method: string, url: string, caller: Caller, options: { csrf?: boolean } = {}) {
  const session = caller === "anonymous" ? null : cookies.get(caller)!;
  const headers: Record<string, string> = {};
  if (session) {
    headers.cookie = session.cookie;
    if (options.csrf !== false) headers["x-csrf-token"] = session.csrf;
  }
  const hasBody = method !== "GET" && method !== "DELETE";
  const res = await server.app.inject({ method: method as "GET", url, headers, ...(hasBody ? { payload: {} } : {}) });
  let body: Json = null;
  try {
    body = res.json();
  } catch {
    body = null;
  }
  return { status: res.statusCode, body, text: res.body };
}

/** The REST API's `{error: {message}}` or MLflow's `{message}`. */
function messageOf(body: Json): string {
  return String(body?.error?.message ?? body?.message ?? "");
}

function outcomeOf(res: { status: number; body: Json }, projectName: string): Outcome {
  if (res.status === 401 || res.status === 403) return res.status;
  if (res.status === 404 && messageOf(res.body).toLowerCase() === `project "${projectName}" not found`) return 404;
  return "allowed";
}

describe("authorization matrix", () => {
  it("has a reviewed policy for every route, and every route declares exactly it", () => {
    const table = routeTables.get(server.app)!;
    const declared = new Map(table.map((r) => [`${r.method} ${r.url}`, policyOf(r.access)]));
    expect([...declared.keys()].filter((k) => !expectedPolicy.has(k)), "routes without a policy entry in this test").toEqual([]);
    expect([...expectedPolicy.keys()].filter((k) => !declared.has(k)), "policy entries without a route").toEqual([]);
    for (const [key, policy] of declared) expect(policy, key).toBe(expectedPolicy.get(key));
  });

  it("never lets a viewer change anything: every viewer route only reads (or searches)", () => {
    for (const [key, policy] of expectedPolicy) {
      const [method, url] = key.split(" ") as [string, string];
      if (!policy.startsWith("viewer") || method === "GET") continue;
      expect(url, key).toMatch(/\/(search|get-latest-versions)$/);
    }
  });

  it("answers every route as the policy says, for every caller", async () => {
    const mismatches: string[] = [];
    let calls = 0;
    for (const [key, policy] of expectedPolicy) {
      const [method, pattern] = key.split(" ") as [string, string];
      const url = fill(pattern);
      // Signing out ends the caller's session: it is exercised in its own test.
      if (key === "POST /api/v1/auth/sign-out") continue;
      const projectName = pattern.includes(":project") ? project : "default";
      for (const caller of CALLERS) {
        const expected = expectedOutcome(policy, caller);
        const res = await call(method, url, caller);
        calls += 1;
        const got = outcomeOf(res, projectName);
        if (got !== expected) mismatches.push(`${key} as ${caller}: expected ${expected}, got ${res.status} ${res.text.slice(0, 160)}`);
        if (res.status >= 500) mismatches.push(`${key} as ${caller}: ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(calls).toBeGreaterThan(expectedPolicy.size * 5);
  });

  it("refuses every change made with a session but without its CSRF token", async () => {
    const refused: string[] = [];
    for (const [key, policy] of expectedPolicy) {
      const [method, pattern] = key.split(" ") as [string, string];
      if (method === "GET" || policy === "public" || policy === "run-token") continue;
      const res = await call(method, fill(pattern), "instanceAdmin", { csrf: false });
      if (res.status !== 403 || !res.text.includes("X-CSRF-Token")) refused.push(`${key}: ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(refused).toEqual([]);
  });

  it("signs out: the session stops working at once", async () => {
    const mine = cookies.get("viewer")!;
    const fresh = await sessionOf(mine.userId);
    const headers = { cookie: fresh.cookie, "x-csrf-token": fresh.csrf };
    expect((await server.app.inject({ method: "GET", url: "/api/v1/auth/me", headers })).statusCode).toBe(200);
    const out = await server.app.inject({ method: "POST", url: "/api/v1/auth/sign-out", headers });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers["set-cookie"])).toMatch(/trellis_session=;/);
    const after = await server.app.inject({ method: "GET", url: "/api/v1/auth/me", headers });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toMatch(/session has ended/);
    // Other sessions of the same user are untouched.
    expect((await server.app.inject({ method: "GET", url: "/api/v1/auth/me", headers: { cookie: mine.cookie } })).statusCode).toBe(200);
  });

  it("uses the bootstrap token as an instance admin", async () => {
    const res = await server.app.inject({ method: "GET", url: "/api/v1/users", headers: { authorization: `Bearer ${adminToken()}` } });
    expect(res.statusCode).toBe(200);
  });
});

import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { loadEngineConfig, runTokenFor } from "@trellis/engine";
import { createApiServer, type ApiServer } from "../apps/api/src/server.js";
import { apiClient, bearer, type Json } from "./http.js";
import { memberToken } from "./principals.js";

/**
 * Sign-in, sessions, tokens, memberships and the audit log through the real API, Postgres and
 * Redis: what a signed-in user can do, that revocation and membership changes act on the very
 * next request, that sign-in attempts are rate-limited, and that a run token reaches its own
 * run only.
 */

let server: ApiServer;
let db: PrismaClient;
const api = apiClient(() => server.app);
const tag = randomUUID().slice(0, 8);
const project = `access-${tag}`;
let projectId: string;
const password = "correct horse battery staple";

async function signIn(email: string, pw = password, ip = "10.0.0.1") {
  const res = await server.app.inject({ method: "POST", url: "/api/v1/auth/sign-in", payload: { email, password: pw }, headers: { "x-forwarded-for": ip } });
  const cookies = ([] as string[]).concat(res.headers["set-cookie"] ?? []);
  const jar = cookies.map((c) => c.split(";")[0]).join("; ");
  const csrf = /trellis_csrf=([^;]+)/.exec(jar)?.[1] ?? "";
  return { status: res.statusCode, body: res.json() as Json, headers: res.headers, cookies, session: { cookie: jar, "x-csrf-token": csrf } };
}

beforeAll(async () => {
  db = createPrismaClient({ max: 5 });
  server = await createApiServer({ db, config: loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-access-")) }), queueName: `access-${randomUUID()}` });
  const created = await api("POST", "/projects", { name: project });
  expect(created.status).toBe(201);
  projectId = created.body.id;
});

afterAll(async () => {
  await server.close();
  await db.$disconnect();
});

describe("accounts and sessions", () => {
  it("signs in with a session cookie (httpOnly, SameSite) and a readable CSRF cookie; wrong passwords get one message", async () => {
    const email = `ada-${tag}@example.com`;
    expect((await api("POST", "/users", { email, name: "Ada", password })).status).toBe(201);
    const wrong = await signIn(email, "not the password");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe("email or password is wrong");
    const unknown = await signIn(`nobody-${tag}@example.com`);
    expect(unknown.body.error.message).toBe("email or password is wrong");

    const ok = await signIn(email.toUpperCase());
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ email, name: "Ada", instanceAdmin: false });
    const session = ok.cookies.find((c) => c.startsWith("trellis_session="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(ok.cookies.find((c) => c.startsWith("trellis_csrf="))).not.toMatch(/HttpOnly/);
    // Stored hashed: the cookie value is not in the database.
    const token = /trellis_session=([^;]+)/.exec(session)![1]!;
    expect(await db.session.count({ where: { id: token } })).toBe(0);
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(user.passwordHash).toMatch(/^scrypt\$\d+\$8\$1\$/);

    const me = await server.app.inject({ method: "GET", url: "/api/v1/auth/me", headers: ok.session });
    expect(me.json()).toMatchObject({ via: "session", user: { email }, projects: [] });

    const audit = await db.auditEvent.findMany({ where: { target: email }, orderBy: { id: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["user.created", "auth.sign_in_failed", "auth.sign_in"]);
  });

  it("rate-limits failed sign-ins per account and address, with Retry-After, and lets other addresses in", async () => {
    const email = `target-${tag}@example.com`;
    await api("POST", "/users", { email, password });
    const ip = `10.1.${Math.floor(Math.random() * 250)}.1`;
    for (let i = 0; i < 5; i += 1) expect((await signIn(email, "guess " + i, ip)).status).toBe(401);
    const limited = await signIn(email, password, ip);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(limited.body.error.message).toMatch(/too many failed sign-in attempts; try again in \d+ s/);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    // The right password from the same address is refused too while the window lasts…
    expect(limited.body.user).toBeUndefined();
    // …but the user can still sign in from elsewhere: an attacker cannot lock them out.
    expect((await signIn(email, password, "10.9.9.9")).status).toBe(200);
  });

  it("bounds guessing on one account even from ever-changing addresses", async () => {
    const email = `rotating-${tag}@example.com`;
    await api("POST", "/users", { email, password });
    for (let i = 0; i < 25; i += 1) expect((await signIn(email, "guess " + i, `10.2.${i}.1`)).status).toBe(401);
    const limited = await signIn(email, "guess 26", "10.3.0.1");
    expect(limited.status).toBe(429);
  });

  it("ends every session of a disabled account at once, and refuses its tokens", async () => {
    const email = `leaver-${tag}@example.com`;
    const user = (await api("POST", "/users", { email, password })).body;
    const token = await memberToken(db, { projectId, email, role: "viewer" });
    const { session } = await signIn(email);
    expect((await server.app.inject({ method: "GET", url: `/api/v1/projects/${project}`, headers: session })).statusCode).toBe(200);
    expect((await api("GET", `/projects/${project}`, undefined, bearer(token))).status).toBe(200);
    expect((await api("PATCH", `/users/${user.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await server.app.inject({ method: "GET", url: `/api/v1/projects/${project}`, headers: session })).statusCode).toBe(401);
    expect((await api("GET", `/projects/${project}`, undefined, bearer(token))).status).toBe(401);
    expect((await signIn(email)).status).toBe(401);
  });

  it("keeps at least one instance admin and one admin per project", async () => {
    const admins = await db.user.findMany({ where: { instanceAdmin: true, disabledAt: null } });
    if (admins.length === 1) {
      const res = await api("PATCH", `/users/${admins[0]!.id}`, { instanceAdmin: false });
      expect(res.status).toBe(409);
    }
    const email = `owner-${tag}@example.com`;
    await api("POST", "/users", { email, password });
    const owner = (await api("POST", `/projects/${project}/members`, { email, role: "admin" })).body;
    expect(owner).toMatchObject({ email, role: "admin" });
    const demote = await api("PATCH", `/projects/${project}/members/${owner.userId}`, { role: "viewer" });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toMatch(/last admin/);
    expect((await api("DELETE", `/projects/${project}/members/${owner.userId}`)).status).toBe(409);
    const unknown = await api("POST", `/projects/${project}/members`, { email: `ghost-${tag}@example.com`, role: "viewer" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0]).toMatchObject({ path: "email" });
  });
});

describe("API tokens", () => {
  it("shows a service token once, stores only its hash, records its last use, and revokes it effective on the next request", async () => {
    const created = await api("POST", `/projects/${project}/tokens`, { name: "ci", role: "editor", expiresInDays: 30 });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^trl_svc_/);
    expect(created.body.token).toMatchObject({ name: "ci", kind: "service", role: "editor", project, lastUsedAt: null, revokedAt: null });
    expect(JSON.stringify((await api("GET", `/projects/${project}/tokens`)).body)).not.toContain(secret);
    expect(await db.apiToken.count({ where: { tokenHash: secret } })).toBe(0);

    const asCi = bearer(secret);
    expect((await api("GET", `/projects/${project}/runs`, undefined, asCi)).status).toBe(200);
    // An editor token cannot administer, and does not see other projects at all.
    expect((await api("GET", `/projects/${project}/members`, undefined, asCi)).status).toBe(403);
    expect((await api("GET", `/projects/default/runs`, undefined, asCi)).status).toBe(404);
    expect((await api("GET", "/projects", undefined, asCi)).body.items.map((p: Json) => [p.name, p.role])).toEqual([[project, "editor"]]);
    const listed = (await api("GET", `/projects/${project}/tokens`)).body.items.find((t: Json) => t.id === created.body.token.id);
    expect(listed.lastUsedAt).not.toBeNull();

    expect((await api("DELETE", `/projects/${project}/tokens/${created.body.token.id}`)).status).toBe(204);
    const after = await api("GET", `/projects/${project}/runs`, undefined, asCi);
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/revoked/);
    // MLflow clients send the same header (MLFLOW_TRACKING_TOKEN): refused in MLflow's shape.
    const mlflow = await server.app.inject({ method: "GET", url: `/projects/${project}/api/2.0/mlflow/experiments/search`, headers: asCi });
    expect(mlflow.statusCode).toBe(401);
    expect(mlflow.json()).toMatchObject({ error_code: "UNAUTHENTICATED" });
    const events = await db.auditEvent.findMany({ where: { projectId, target: "ci" }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["token.created", "token.revoked"]);
  });

  it("caps a personal token at its owner's current role, so removing the member disarms it", async () => {
    const email = `pat-${tag}@example.com`;
    const user = (await api("POST", "/users", { email, password })).body;
    await api("POST", `/projects/${project}/members`, { email, role: "editor" });
    const { session } = await signIn(email);
    const tooHigh = await server.app.inject({ method: "POST", url: "/api/v1/auth/tokens", headers: session, payload: { name: "laptop", project, role: "admin" } });
    expect(tooHigh.statusCode).toBe(400);
    expect(tooHigh.json().error.issues[0].message).toMatch(/you are editor/);
    const made = await server.app.inject({ method: "POST", url: "/api/v1/auth/tokens", headers: session, payload: { name: "laptop", project, role: "editor" } });
    expect(made.statusCode).toBe(201);
    const pat = bearer(made.json().secret);
    expect((await api("POST", `/projects/${project}/schedules/preview`, { trigger: { cron: "0 * * * *" } }, pat)).status).not.toBe(403);

    await api("PATCH", `/projects/${project}/members/${user.id}`, { role: "viewer" });
    const demoted = await api("POST", `/projects/${project}/runs`, { pipeline: "nothing" }, pat);
    expect(demoted.status).toBe(403);
    expect(demoted.body.error.message).toMatch(/editor role .* you are a viewer/);
    await api("DELETE", `/projects/${project}/members/${user.id}`);
    expect((await api("GET", `/projects/${project}/runs`, undefined, pat)).status).toBe(404);
  });

  it("lets a step's run token log to its own run only, and not after it expires", async () => {
    const asAdmin = (endpoint: string, body: object) =>
      server.app.inject({ method: "POST", url: `/projects/${project}/api/2.0/mlflow/${endpoint}`, headers: { ...bearer(), "content-type": "application/json" }, payload: body });
    const run = { id: (await asAdmin("runs/create", { experiment_id: "0" })).json().run.info.run_id as string };
    const other = { id: (await asAdmin("runs/create", { experiment_id: "0" })).json().run.info.run_id as string };
    const token = bearer(await runTokenFor(db, run.id));
    const mlflow = (endpoint: string, body: object) =>
      server.app.inject({ method: "POST", url: `/projects/${project}/api/2.0/mlflow/${endpoint}`, headers: { ...token, "content-type": "application/json" }, payload: body });
    expect((await mlflow("runs/log-metric", { run_id: run.id, key: "loss", value: 0.5, timestamp: Date.now() })).statusCode).toBe(200);
    const elsewhere = await mlflow("runs/log-metric", { run_id: other.id, key: "loss", value: 0.5, timestamp: Date.now() });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json()).toMatchObject({ error_code: "PERMISSION_DENIED" });
    expect((await mlflow("runs/create", { experiment_id: "0" })).statusCode).toBe(403);
    expect((await api("GET", `/projects/${project}/runs`, undefined, token)).status).toBe(403);
    expect((await api("POST", `/runs/${other.id}/log-batch`, { metrics: [] }, token)).status).toBe(401);

    const expired = bearer(await runTokenFor(db, run.id, -1000));
    const refused = await api("POST", `/runs/${run.id}/log-batch`, { metrics: [{ key: "loss", value: 1, timestamp: Date.now(), step: 0 }] }, expired);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/expired/);
  });
});

describe("audit log", () => {
  it("shows a project's admins its memberships, tokens and members' sign-ins, newest first, in pages", async () => {
    const page = await api("GET", `/projects/${project}/audit?limit=3`);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(3);
    const ids = page.body.items.map((e: Json) => Number(e.id));
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const all: Json[] = [...page.body.items];
    let cursor = page.body.nextCursor;
    while (cursor) {
      const next = await api("GET", `/projects/${project}/audit?limit=50&cursor=${cursor}`);
      all.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    const actions = new Set(all.map((e) => e.action));
    for (const action of ["project.created", "member.added", "member.role_changed", "member.removed", "token.created", "token.revoked", "auth.sign_in"]) expect(actions).toContain(action);
    expect(all.find((e) => e.action === "token.created").project).toBe(project);
    expect(all.find((e) => e.action === "auth.sign_in").project).toBeNull();
    // Sign-ins of people who are not members stay out of it.
    expect(all.some((e) => e.target === `ada-${tag}@example.com`)).toBe(false);
    expect(await db.$executeRaw`UPDATE "AuditEvent" SET actor = 'mallory' WHERE "projectId" = ${projectId}::uuid`).toBe(0);
    expect(await db.$executeRaw`DELETE FROM "AuditEvent" WHERE "projectId" = ${projectId}::uuid`).toBe(0);
  });
});

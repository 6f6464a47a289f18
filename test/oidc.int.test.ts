import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import cookie from "@fastify/cookie";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@trellis/db";
import { loadEngineConfig } from "@trellis/engine";
import { createApiServer, type ApiServer } from "../apps/api/src/server.js";
import { registerErrorHandling } from "../apps/api/src/http/errors.js";
import { oidcConfigFromEnv, oidcRoutes, oidcStatus, safeNext } from "../apps/api/src/routes/oidc.js";
import type { Json } from "./http.js";
import { startTestIdp, type IdpUser, type TestIdp } from "./oidc-provider.js";

/**
 * OIDC sign-in over real HTTP: a real identity provider (test/oidc-provider.ts) and the real API,
 * driven like a browser would (manual redirects, a cookie jar).
 */

/** Just enough of a browser's cookie jar: names, values and paths; expired cookies are dropped. */
class CookieJar {
  private cookies = new Map<string, { value: string; path: string; attributes: string }>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (key: string) => attrs.find((a) => a.toLowerCase().startsWith(`${key.toLowerCase()}=`))?.split("=")[1];
      const expires = attr("Expires");
      const gone = attr("Max-Age") === "0" || (expires !== undefined && new Date(expires).getTime() <= Date.now()) || value === "";
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value, path: attr("Path") ?? "/", attributes: attrs.join("; ") });
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  attributes(name: string): string | undefined {
    return this.cookies.get(name)?.attributes;
  }

  set(name: string, value: string, cookiePath = "/"): void {
    this.cookies.set(name, { value, path: cookiePath, attributes: "" });
  }

  header(forPath: string): string {
    return [...this.cookies]
      .filter(([, c]) => forPath === c.path || forPath.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join("; ");
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const OIDC_ENV = ["TRELLIS_OIDC_ISSUER", "TRELLIS_OIDC_CLIENT_ID", "TRELLIS_OIDC_CLIENT_SECRET", "TRELLIS_PUBLIC_URL", "TRELLIS_OIDC_LABEL", "TRELLIS_OIDC_SCOPES", "TRELLIS_OIDC_ADMIN_EMAILS"];
const savedEnv = Object.fromEntries(OIDC_ENV.map((name) => [name, process.env[name]]));

let idp: TestIdp;
let server: ApiServer;
let db: PrismaClient;
let base: string;
const run = randomUUID().slice(0, 8);
const adminEmail = `oidc-boss-${run}@example.com`;

const newUser = (overrides: Partial<IdpUser> = {}): IdpUser => {
  const id = randomUUID().slice(0, 8);
  return { sub: `sub-${id}`, email: `oidc-${run}-${id}@example.com`, emailVerified: true, name: `OIDC ${id}`, ...overrides };
};

interface Flow {
  jar: CookieJar;
  /** The IdP's authorization URL the API redirected to. */
  authorizeUrl: URL;
  /** Where the callback sent the browser. */
  location: string;
  /** The decoded ?error= of a redirect to /sign-in, or null. */
  error: string | null;
}

/** start → IdP authorize → callback, as a browser follows them; `tamper` may change the callback URL or the jar first. */
async function signIn(options: { next?: string; tamper?: (callback: URL, jar: CookieJar) => void } = {}): Promise<Flow> {
  const jar = new CookieJar();
  const start = await fetch(`${base}/api/v1/auth/oidc/start${options.next !== undefined ? `?next=${encodeURIComponent(options.next)}` : ""}`, { redirect: "manual" });
  expect(start.status).toBe(302);
  jar.take(start);
  const authorizeUrl = new URL(start.headers.get("location")!);
  expect(authorizeUrl.origin).toBe(idp.issuer);
  const authorize = await fetch(authorizeUrl, { redirect: "manual" });
  expect(authorize.status).toBe(302);
  const callback = new URL(authorize.headers.get("location")!);
  expect(callback.href.startsWith(`${base}/api/v1/auth/oidc/callback?`)).toBe(true);
  options.tamper?.(callback, jar);
  const done = await fetch(callback, { redirect: "manual", headers: { cookie: jar.header(callback.pathname) } });
  expect(done.status).toBe(302);
  jar.take(done);
  const location = done.headers.get("location")!;
  const error = location.startsWith("/sign-in?") ? new URLSearchParams(location.slice("/sign-in?".length)).get("error") : null;
  return { jar, authorizeUrl, location, error };
}

/** GET as a browser would: the cookies of the jar and nothing else (no bearer token). */
async function getJson(url: string, jar?: CookieJar): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${url}`, { headers: jar ? { cookie: jar.header(new URL(url, base).pathname) } : {} });
  return { status: res.status, body: (await res.json()) as Json };
}

const me = (jar: CookieJar) => getJson("/api/v1/auth/me", jar);

beforeAll(async () => {
  idp = await startTestIdp({ user: newUser() });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  Object.assign(process.env, {
    TRELLIS_OIDC_ISSUER: idp.issuer,
    TRELLIS_OIDC_CLIENT_ID: idp.clientId,
    TRELLIS_OIDC_CLIENT_SECRET: idp.clientSecret,
    TRELLIS_PUBLIC_URL: base,
    TRELLIS_OIDC_LABEL: "Sign in with Test IdP",
    TRELLIS_OIDC_ADMIN_EMAILS: ` Someone@example.com, ${adminEmail.toUpperCase()} `,
  });
  delete process.env.TRELLIS_OIDC_SCOPES;
  db = createPrismaClient({ max: 5 });
  const config = loadEngineConfig({ dataDir: mkdtempSync(path.join(os.tmpdir(), "trellis-oidc-")) });
  server = await createApiServer({ db, config, queueName: `oidc-test-${randomUUID()}` });
  await server.app.listen({ port, host: "127.0.0.1" });
});

afterAll(async () => {
  await server?.deps.queue.obliterate({ force: true }).catch(() => undefined);
  await server?.close();
  await idp?.close();
  await db?.$disconnect();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(() => {
  idp.refuseNext = null;
});

describe("OIDC sign-in", () => {
  it("tells the sign-in page about the SSO button", async () => {
    const status = await getJson("/api/v1/auth/status");
    expect(status.status).toBe(200);
    expect(status.body.oidc).toEqual({ enabled: true, label: "Sign in with Test IdP" });
    const openapi = await getJson("/api/v1/openapi.json");
    expect(openapi.body.paths["/api/v1/auth/oidc/start"].get.summary).toBe("Start signing in with the identity provider");
    expect(openapi.body.paths["/api/v1/auth/oidc/callback"].get.summary).toBe("Finish signing in with the identity provider");
  });

  it("signs a new user in through the identity provider, with PKCE, state and nonce", async () => {
    const user = newUser();
    idp.user = user;
    const requestsBefore = idp.tokenRequests.length;
    const flow = await signIn({ next: "/projects?tab=all" });

    const q = flow.authorizeUrl.searchParams;
    expect(flow.authorizeUrl.pathname).toBe("/authorize");
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe(idp.clientId);
    expect(q.get("redirect_uri")).toBe(`${base}/api/v1/auth/oidc/callback`);
    expect(q.get("scope")).toBe("openid email profile");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("state")).toBeTruthy();
    expect(q.get("nonce")).toBeTruthy();

    expect(flow.error).toBeNull();
    expect(flow.location).toBe("/projects?tab=all");
    expect(idp.tokenRequests.slice(requestsBefore)).toEqual(["ok"]);
    expect(flow.jar.get("trellis_oidc")).toBeUndefined();
    expect(flow.jar.get("trellis_session")).toBeTruthy();
    expect(flow.jar.get("trellis_csrf")).toBeTruthy();
    expect(flow.jar.attributes("trellis_session")).toMatch(/HttpOnly/i);

    const who = await me(flow.jar);
    expect(who.status).toBe(200);
    expect(who.body.user).toMatchObject({ email: user.email, name: user.name, instanceAdmin: false });
    expect(who.body.via).toBe("session");
    expect(who.body.projects).toEqual([]);

    const row = await db.user.findUniqueOrThrow({ where: { email: user.email! } });
    expect(row).toMatchObject({ oidcIssuer: idp.issuer, oidcSubject: user.sub, passwordHash: null, instanceAdmin: false });
    expect(row.lastSignInAt).toBeInstanceOf(Date);
    expect(await db.projectMember.count({ where: { userId: row.id } })).toBe(0);

    const events = await db.auditEvent.findMany({ where: { actorUserId: row.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.action, e.target])).toEqual([
      ["user.created", user.email],
      ["auth.sign_in", user.email],
    ]);
    expect(events[1]!.details).toEqual({ method: "oidc" });
    expect(events[1]!.ip).toBe("127.0.0.1");
  });

  it("keeps the pending sign-in in a short-lived, signed, httpOnly cookie scoped to the OIDC routes", async () => {
    const start = await fetch(`${base}/api/v1/auth/oidc/start`, { redirect: "manual" });
    const line = start.headers.getSetCookie().find((c) => c.startsWith("trellis_oidc="))!;
    expect(line).toMatch(/; Path=\/api\/v1\/auth\/oidc(;|$)/);
    expect(line).toMatch(/; HttpOnly(;|$)/);
    expect(line).toMatch(/; SameSite=Lax(;|$)/);
    expect(line).toMatch(/; Max-Age=600(;|$)/);
    const value = decodeURIComponent(line.slice("trellis_oidc=".length).split(";")[0]!);
    expect(value).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it("signs the same identity in to the same account again", async () => {
    const user = newUser();
    idp.user = user;
    const first = await signIn();
    const second = await signIn();
    expect(second.error).toBeNull();
    const [a, b] = [await me(first.jar), await me(second.jar)];
    expect(b.body.user.id).toBe(a.body.user.id);
    // Two sessions: the second sign-in did not replace the first.
    expect(second.jar.get("trellis_session")).not.toBe(first.jar.get("trellis_session"));
    expect(await db.user.count({ where: { oidcSubject: user.sub } })).toBe(1);
    const signIns = await db.auditEvent.count({ where: { actorUserId: a.body.user.id, action: "auth.sign_in" } });
    expect(signIns).toBe(2);
    // The email is not what identifies the account: a renamed address at the IdP still signs in to it.
    idp.user = { ...user, email: `renamed-${user.email}` };
    const renamed = await signIn();
    expect((await me(renamed.jar)).body.user.id).toBe(a.body.user.id);
  });

  it("refuses a callback whose state was tampered with, before exchanging the code", async () => {
    idp.user = newUser();
    const requestsBefore = idp.tokenRequests.length;
    const flow = await signIn({ tamper: (callback) => callback.searchParams.set("state", `${callback.searchParams.get("state")}x`) });
    expect(flow.error).toBe("Sign-in with your identity provider failed: the state did not match; start again");
    expect(flow.jar.get("trellis_session")).toBeUndefined();
    expect(flow.jar.get("trellis_oidc")).toBeUndefined();
    expect(idp.tokenRequests.length).toBe(requestsBefore);
    expect(await db.user.count({ where: { oidcSubject: idp.user.sub } })).toBe(0);
  });

  it("refuses a callback without its cookie, or with a forged one", async () => {
    idp.user = newUser();
    const withoutCookie = await signIn({ tamper: (_callback, jar) => jar.set("trellis_oidc", "", "/nowhere") });
    expect(withoutCookie.error).toMatch(/the sign-in expired or was started in another browser; start again$/);
    expect(withoutCookie.jar.get("trellis_session")).toBeUndefined();

    const forged = await signIn({
      tamper: (_callback, jar) => {
        const [body] = decodeURIComponent(jar.get("trellis_oidc")!).split(".");
        jar.set("trellis_oidc", `${body}.${"A".repeat(43)}`, "/api/v1/auth/oidc");
      },
    });
    expect(forged.error).toMatch(/the sign-in expired or was started in another browser; start again$/);
    expect(forged.jar.get("trellis_session")).toBeUndefined();
    expect(await db.user.count({ where: { oidcSubject: idp.user.sub } })).toBe(0);
  });

  it("links an existing password account only when the identity provider verified the email", async () => {
    const email = `oidc-password-${run}@example.com`;
    const existing = await db.user.create({ data: { email, name: "Pass Word", passwordHash: "scrypt$16384$8$1$c2FsdA==$aGFzaA==" } });

    idp.user = newUser({ email: email.toUpperCase(), emailVerified: false });
    const unverified = await signIn();
    expect(unverified.error).toContain("has not verified that address");
    expect(unverified.jar.get("trellis_session")).toBeUndefined();
    expect(await db.user.findUniqueOrThrow({ where: { id: existing.id } })).toMatchObject({ oidcIssuer: null, oidcSubject: null, lastSignInAt: null });
    expect(await db.user.count({ where: { email: { contains: email } } })).toBe(1);
    const failed = await db.auditEvent.findFirst({ where: { action: "auth.sign_in_failed", target: email }, orderBy: { id: "desc" } });
    expect(failed?.details).toMatchObject({ method: "oidc" });

    idp.user = { ...idp.user, emailVerified: true };
    const verified = await signIn();
    expect(verified.error).toBeNull();
    expect((await me(verified.jar)).body.user).toMatchObject({ id: existing.id, email, name: "Pass Word" });
    expect(await db.user.findUniqueOrThrow({ where: { id: existing.id } })).toMatchObject({ oidcIssuer: idp.issuer, oidcSubject: idp.user.sub, passwordHash: existing.passwordHash });
    const signIn_ = await db.auditEvent.findFirst({ where: { action: "auth.sign_in", actorUserId: existing.id }, orderBy: { id: "desc" } });
    expect(signIn_?.details).toEqual({ method: "oidc", linked: true });

    // Another account of the same IdP with the same (verified) address does not take it over.
    idp.user = newUser({ email, emailVerified: true });
    const other = await signIn();
    expect(other.error).toContain("already linked to another account of your identity provider");
    expect(other.jar.get("trellis_session")).toBeUndefined();
  });

  it("never redirects to another site after signing in", async () => {
    idp.user = newUser();
    for (const next of ["//evil.example.com/x", "/\\evil.example.com", "https://evil.example.com/", "evil", "/ok\nSet-Cookie: x=1"]) {
      const flow = await signIn({ next });
      expect(flow.error).toBeNull();
      expect(flow.location).toBe("/");
    }
    expect((await signIn({ next: "/projects/demo/runs" })).location).toBe("/projects/demo/runs");
  });

  it("makes listed emails instance admins when their account is created", async () => {
    idp.user = newUser({ email: adminEmail });
    const flow = await signIn();
    expect((await me(flow.jar)).body.user).toMatchObject({ email: adminEmail, instanceAdmin: true });
    const created = await db.auditEvent.findFirst({ where: { action: "user.created", target: adminEmail } });
    expect(created?.details).toMatchObject({ method: "oidc", instanceAdmin: true });
  });

  it("refuses disabled accounts", async () => {
    const user = newUser();
    idp.user = user;
    await signIn();
    await db.user.update({ where: { email: user.email! }, data: { disabledAt: new Date() } });
    const flow = await signIn();
    expect(flow.error).toBe("Sign-in with your identity provider failed: this account is disabled");
    expect(flow.jar.get("trellis_session")).toBeUndefined();
  });

  it("shows the identity provider's refusal and a missing email as sign-in errors", async () => {
    idp.user = newUser();
    idp.refuseNext = "access_denied";
    const refused = await signIn();
    expect(refused.error).toBe("Sign-in with your identity provider failed: your identity provider refused: the user or the provider refused");

    const { email: _none, ...withoutEmail } = newUser();
    idp.user = withoutEmail;
    const noEmail = await signIn();
    expect(noEmail.error).toContain("did not share your email address");
    expect(noEmail.jar.get("trellis_session")).toBeUndefined();
    expect(await db.user.count({ where: { oidcSubject: withoutEmail.sub } })).toBe(0);
  });

  it("reads the email from UserInfo when the ID token has none", async () => {
    const user = newUser({ emailInUserInfo: true });
    idp.user = user;
    const flow = await signIn();
    expect(flow.error).toBeNull();
    expect((await me(flow.jar)).body.user.email).toBe(user.email);
  });
});

describe("OIDC configuration", () => {
  const full = { TRELLIS_OIDC_ISSUER: "https://idp.example.com/realms/x", TRELLIS_OIDC_CLIENT_ID: "trellis", TRELLIS_OIDC_CLIENT_SECRET: "s3cret", TRELLIS_PUBLIC_URL: "https://trellis.example.com/" };

  it("is off without any TRELLIS_OIDC_* variable, and complete or a start-up error otherwise", () => {
    expect(oidcConfigFromEnv({})).toBeNull();
    expect(oidcStatus(null)).toEqual({ enabled: false, label: "" });
    const config = oidcConfigFromEnv(full)!;
    expect(config).toMatchObject({ clientId: "trellis", clientSecret: "s3cret", label: "Sign in with SSO", scope: "openid email profile", adminEmails: [] });
    expect(config.redirectUri).toBe("https://trellis.example.com/api/v1/auth/oidc/callback");
    expect(oidcStatus(config)).toEqual({ enabled: true, label: "Sign in with SSO" });
    expect(() => oidcConfigFromEnv({ TRELLIS_OIDC_ISSUER: full.TRELLIS_OIDC_ISSUER })).toThrow(
      "OIDC sign-in is partly configured: set TRELLIS_OIDC_CLIENT_ID, TRELLIS_OIDC_CLIENT_SECRET, TRELLIS_PUBLIC_URL",
    );
    expect(() => oidcConfigFromEnv({ ...full, TRELLIS_PUBLIC_URL: "" })).toThrow(/set TRELLIS_PUBLIC_URL/);
    expect(() => oidcConfigFromEnv({ ...full, TRELLIS_OIDC_ISSUER: "http://idp.example.com" })).toThrow(/must be an https:\/\/ URL/);
    expect(oidcConfigFromEnv({ ...full, TRELLIS_OIDC_ISSUER: "http://localhost:8080/realms/x" })?.issuer.href).toBe("http://localhost:8080/realms/x");
    expect(() => oidcConfigFromEnv({ ...full, TRELLIS_OIDC_SCOPES: "email profile" })).toThrow(/must include "openid"/);
    expect(oidcConfigFromEnv({ ...full, TRELLIS_OIDC_SCOPES: "openid,email groups", TRELLIS_OIDC_LABEL: "Okta" })).toMatchObject({ scope: "openid email groups", label: "Okta" });
  });

  it("accepts only same-site paths as the place to return to", () => {
    expect(safeNext(undefined)).toBe("/");
    expect(safeNext("/projects/a?x=1#y")).toBe("/projects/a?x=1#y");
    for (const bad of ["//evil.com", "/\\evil.com", "https://evil.com", "javascript:alert(1)", "", "/a\r\nb"]) expect(safeNext(bad)).toBe("/");
  });

  describe("served by an app of its own", () => {
    let app: FastifyInstance;
    let downConfig: ReturnType<typeof oidcConfigFromEnv>;

    beforeAll(async () => {
      // An issuer nobody listens on: discovery fails.
      const deadPort = await freePort();
      downConfig = oidcConfigFromEnv({ ...full, TRELLIS_OIDC_ISSUER: `http://127.0.0.1:${deadPort}`, TRELLIS_PUBLIC_URL: "http://localhost:3000" });
      app = Fastify();
      app.setValidatorCompiler(validatorCompiler);
      app.setSerializerCompiler(serializerCompiler);
      registerErrorHandling(app);
      await app.register(cookie);
      await app.register(oidcRoutes(server.deps, null), { prefix: "/off/api/v1" });
      await app.register(oidcRoutes(server.deps, downConfig), { prefix: "/down/api/v1" });
    });

    afterAll(async () => {
      await app?.close();
    });

    it("answers 404 when OIDC is not configured", async () => {
      for (const url of ["/off/api/v1/auth/oidc/start", "/off/api/v1/auth/oidc/callback?code=x&state=y"]) {
        const res = await app.inject({ method: "GET", url });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({ error: { code: "NOT_FOUND", message: "OIDC sign-in is not configured" } });
      }
    });

    it("sends the browser back to the sign-in page when the identity provider cannot be reached", async () => {
      const res = await app.inject({ method: "GET", url: "/down/api/v1/auth/oidc/start?next=/x" });
      expect(res.statusCode).toBe(302);
      const location = String(res.headers.location);
      expect(location.startsWith("/sign-in?error=")).toBe(true);
      expect(new URLSearchParams(location.slice("/sign-in?".length)).get("error")).toMatch(/^Sign-in with your identity provider failed: your identity provider at http:\/\/127\.0\.0\.1:\d+ could not be reached$/);
      expect(res.headers["set-cookie"]).toBeUndefined();
    });
  });
});

import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import {
  DEFAULT_PROJECT,
  findLiveToken,
  findSession,
  forbidden,
  isRunToken,
  minRole,
  notFound,
  projectRoleOf,
  roleAtLeast,
  unauthenticated,
  verifyRunToken,
  type Role,
} from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import type { Access, Principal } from "./access.js";
import { CSRF_HEADER, SESSION_COOKIE } from "./session-cookies.js";

/** Every route's method, URL and access, in registration order: what the authorization-matrix test walks. */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const [scheme, value] = [header.slice(0, header.indexOf(" ")).toLowerCase(), header.slice(header.indexOf(" ") + 1).trim()];
  if (scheme === "bearer") return value;
  // MLflow clients with MLFLOW_TRACKING_USERNAME/PASSWORD send Basic: the password is the token.
  if (scheme === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.slice(decoded.indexOf(":") + 1);
  }
  return null;
}

type Resolved = Principal | { kind: "invalid"; reason: string };

/** Who is calling: a bearer token (API or run token) wins over the session cookie. */
async function resolvePrincipal(deps: ApiDeps, request: FastifyRequest): Promise<Resolved> {
  const bearer = bearerOf(request);
  if (bearer !== null) {
    if (isRunToken(bearer)) {
      const runId = await verifyRunToken(deps.db, bearer);
      if (!runId) return { kind: "invalid", reason: "the run token is not valid or has expired" };
      const run = await deps.db.run.findUnique({ where: { id: runId }, select: { projectId: true } });
      if (!run) return { kind: "invalid", reason: "the run token's run no longer exists" };
      return { kind: "run", runId, projectId: run.projectId };
    }
    const token = await findLiveToken(deps.db, bearer);
    if (!token) return { kind: "invalid", reason: "the API token is not valid: unknown, revoked or expired" };
    return {
      kind: "token",
      tokenId: token.id,
      tokenName: token.name,
      tokenKind: token.kind,
      userId: token.user?.id ?? null,
      email: token.user?.email ?? null,
      ownerInstanceAdmin: token.user?.instanceAdmin ?? false,
      projectId: token.projectId,
      role: token.role,
      instanceAdmin: token.projectId === null && token.role === "admin",
    };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) {
    const session = await findSession(deps.db, cookie);
    if (!session) return { kind: "invalid", reason: "your session has ended: sign in again" };
    return { kind: "user", userId: session.user.id, email: session.user.email, name: session.user.name, instanceAdmin: session.user.instanceAdmin, sessionId: session.sessionId, csrfToken: session.csrfToken };
  }
  return { kind: "anonymous" };
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The caller's role on a project, or null when it cannot see the project. */
export async function roleOn(deps: ApiDeps, principal: Principal, projectId: string): Promise<Role | null> {
  switch (principal.kind) {
    case "user":
      return projectRoleOf(deps.db, { id: principal.userId, instanceAdmin: principal.instanceAdmin }, projectId);
    case "token": {
      if (principal.instanceAdmin) return "admin";
      if (principal.projectId !== projectId) return null;
      if (principal.tokenKind === "service" || !principal.userId) return principal.role;
      // A personal token never acts above its owner's current role: removing the member
      // disarms their tokens too.
      const own = await projectRoleOf(deps.db, { id: principal.userId, instanceAdmin: principal.ownerInstanceAdmin }, projectId);
      return own ? minRole(principal.role, own) : null;
    }
    case "run":
      return principal.projectId === projectId ? "viewer" : null;
    default:
      return null;
  }
}

const describeRole = (role: Role) => (role === "admin" ? "an admin" : `a ${role}`);

/** The run ids a request names (path, body or query), for run tokens. */
function runIdsOf(request: FastifyRequest): string[] {
  const ids: string[] = [];
  const params = request.params as Record<string, unknown> | undefined;
  if (typeof params?.id === "string") ids.push(params.id);
  for (const source of [request.body, request.query] as unknown[]) {
    if (typeof source !== "object" || source === null) continue;
    for (const key of ["run_id", "run_uuid"]) {
      const value = (source as Record<string, unknown>)[key];
      if (typeof value === "string" && value) ids.push(value);
    }
  }
  return ids;
}

/**
 * Authentication and authorization for every route, from its declared `access`: the principal
 * is resolved once per request (onRequest, before the body is read, so no one unauthenticated
 * gets as far as validation), cookie-authenticated changes must carry the CSRF token, and
 * project routes get `request.project` and `request.role`. Returns the route table.
 */
export function registerAccessControl(app: FastifyInstance, deps: ApiDeps): RouteAccess[] {
  const table: RouteAccess[] = [];
  app.decorateRequest("principal", null as never);
  app.decorateRequest("project", null);
  app.decorateRequest("role", null);

  app.addHook("onRoute", (route: RouteOptions) => {
    const access = route.config?.access;
    if (!access) throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access); every route must`);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // Fastify adds a HEAD route for every GET; it shares the GET's access.
    for (const method of methods) if (method !== "HEAD") table.push({ method, url: route.url, access });
  });

  app.addHook("onRequest", async (request) => {
    const access = request.routeOptions.config.access;
    // Unknown URLs have no route (404 handler) and nothing to protect.
    if (!access) return;
    const resolved = await resolvePrincipal(deps, request);
    if (access.kind === "public") {
      request.principal = resolved.kind === "invalid" ? { kind: "anonymous" } : resolved;
      return;
    }
    if (resolved.kind === "invalid") throw unauthenticated(resolved.reason);
    const principal = resolved;
    request.principal = principal;
    if (principal.kind === "anonymous") {
      throw unauthenticated(access.kind === "run-token" ? "missing run token: send Authorization: Bearer $TRELLIS_RUN_TOKEN" : "sign in, or send an API token as Authorization: Bearer <token>");
    }
    if (principal.kind === "user" && !SAFE_METHODS.has(request.method)) {
      const given = request.headers[CSRF_HEADER];
      if (typeof given !== "string" || !sameToken(given, principal.csrfToken)) {
        throw forbidden("missing or wrong X-CSRF-Token header: send the value of the trellis_csrf cookie with every change made with a session");
      }
    }
    switch (access.kind) {
      case "signed-in":
        if (principal.kind === "run") throw forbidden("a run token can only log to its own run");
        return;
      case "instance-admin":
        if (!(principal.kind === "user" || principal.kind === "token") || !principal.instanceAdmin) throw forbidden("this needs an instance admin");
        return;
      case "run-token": {
        const id = (request.params as { id?: string }).id;
        if (principal.kind !== "run") throw unauthenticated("missing run token: send Authorization: Bearer $TRELLIS_RUN_TOKEN");
        if (principal.runId !== id) throw unauthenticated("the token is not valid for this run");
        return;
      }
      case "project": {
        const name = (request.params as { project?: string }).project ?? DEFAULT_PROJECT;
        const project = await deps.db.project.findUnique({ where: { name }, select: { id: true, name: true } });
        // Not visible and not existing answer the same, so project names do not leak.
        const role = project ? await roleOn(deps, principal, project.id) : null;
        if (!project || !role) throw notFound(`project "${name}"`);
        if (principal.kind === "run") {
          // Its own run only: checked once the body is parsed (preHandler below).
          if (!access.runToken) throw forbidden("a run token can only log to its own run");
        } else if (!roleAtLeast(role, access.role)) throw forbidden(`this needs the ${access.role} role on project "${name}"; you are ${describeRole(role)}`);
        request.project = project;
        request.role = role;
        return;
      }
    }
  });

  // Run tokens on project routes: the run named in the path, body or query must be theirs
  // (after validation, when the body is parsed).
  app.addHook("preHandler", async (request) => {
    const access = request.routeOptions.config.access;
    if (request.principal?.kind !== "run" || access?.kind !== "project") return;
    const { runId } = request.principal;
    const named = runIdsOf(request);
    if (access.runToken === "write" && named.length === 0) throw forbidden("a run token can only log to its own run");
    if (named.some((id) => id !== runId)) throw forbidden(`this run token is for run ${runId} only`);
  });

  return table;
}

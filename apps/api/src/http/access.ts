import type { FastifyRequest } from "fastify";
import { forbidden, roleAtLeast, type Actor, type Role } from "@trellis/engine";

/**
 * Who may call a route, declared on every route as `config: { access }` (a route without one
 * fails start-up, and the authorization-matrix test walks the same table):
 * - `public`: anyone (health, sign-in, setup, OIDC redirects);
 * - `signedIn`: any signed-in user or API token (not a run token);
 * - `instanceAdmin`: instance admins and the bootstrap token;
 * - `viewer` / `editor` / `admin`: that role or more on the project in the path (`:project`;
 *   the MLflow routes without one use the default project). A project the caller cannot see
 *   answers 404, as if it did not exist; a role too low answers 403.
 * - `runToken`: only a step's run token, for its own run (`:id`).
 * `runToken: "read" | "write"` on a project access also lets a step's run token in, for its
 * own run only (the run id in the path, body or query must be the token's).
 */
export type Access =
  | { kind: "public" }
  | { kind: "signed-in" }
  | { kind: "instance-admin" }
  | { kind: "run-token" }
  | { kind: "project"; role: Role; runToken?: "read" | "write" };

export const access = {
  public: { kind: "public" },
  signedIn: { kind: "signed-in" },
  instanceAdmin: { kind: "instance-admin" },
  runToken: { kind: "run-token" },
  viewer: { kind: "project", role: "viewer" },
  editor: { kind: "project", role: "editor" },
  admin: { kind: "project", role: "admin" },
} as const satisfies Record<string, Access>;

/** The caller, resolved once per request from its cookie or bearer token. */
export type Principal =
  | { kind: "anonymous" }
  | { kind: "user"; userId: string; email: string; name: string; instanceAdmin: boolean; sessionId: string; csrfToken: string }
  | {
      kind: "token";
      tokenId: string;
      tokenName: string;
      tokenKind: "personal" | "service";
      /** The user a personal token acts for. */
      userId: string | null;
      email: string | null;
      /** Whether that user is an instance admin (their role everywhere is then admin). */
      ownerInstanceAdmin: boolean;
      /** null: instance-wide (the bootstrap token). */
      projectId: string | null;
      role: Role;
      instanceAdmin: boolean;
    }
  | { kind: "run"; runId: string; projectId: string };

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal;
    /** The project of a project route, resolved and authorized before the handler runs. */
    project: { id: string; name: string } | null;
    /** The caller's role on `project` ("viewer" for a run token). */
    role: Role | null;
  }
}

/** The project a project route was authorized for (its handler can rely on it). */
export function projectOf(request: FastifyRequest): { id: string; name: string } {
  if (!request.project) throw new Error(`route ${request.routeOptions.url} has no project access`);
  return request.project;
}

/** For actions a route allows in general but some arguments need more (a gate override needs admin). */
export function requireRole(request: FastifyRequest, needed: Role, what: string): void {
  if (!request.role || !roleAtLeast(request.role, needed)) throw forbidden(`${what} needs the ${needed} role on project "${request.project?.name ?? ""}"`);
}

/** Who makes a change, for audit trails: a user's email, a service token's name, or a run. */
export function actorOf(request: Pick<FastifyRequest, "principal">): string {
  const p = request.principal;
  switch (p.kind) {
    case "user":
      return p.email;
    case "token":
      // A personal token is its owner acting; a service token is named for what it is.
      return p.email ?? `token "${p.tokenName}"`;
    case "run":
      return `run ${p.runId}`;
    default:
      return "anonymous";
  }
}

/** The user behind the caller, if any (a session, or a personal token). */
export function actorUserIdOf(request: Pick<FastifyRequest, "principal">): string | null {
  const p = request.principal;
  return p.kind === "user" ? p.userId : p.kind === "token" ? p.userId : null;
}

/**
 * Who acts, as the audit log records it: name, user and address (`request.ip`, which honours
 * X-Forwarded-For only from the proxies app.ts trusts).
 */
export function auditActor(request: Pick<FastifyRequest, "principal" | "ip">): Actor {
  return { actor: actorOf(request), actorUserId: actorUserIdOf(request), ip: request.ip };
}

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  checkPersonalTokenRole,
  createApiToken,
  deleteSession,
  forbidden,
  listApiTokens,
  normalizeEmail,
  projectByName,
  projectRoleOf,
  recordAudit,
  recordSignIn,
  revokeApiToken,
  setupFirstAdmin,
  setupRequired,
  unauthenticated,
  verifyCredentials,
} from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { access, actorUserIdOf, auditActor, type Principal } from "../http/access.js";
import { ApiToken, CreatedApiToken, CreateTokenFields, ErrorResponse, errorResponses, Role as RoleSchema, User } from "../http/schemas.js";
import { clearSessionCookies, startSession } from "../http/session-cookies.js";
import { tokenView, userView } from "../queries/access.js";
import { oidcStatus } from "./oidc.js";
import { visibleProjects } from "./projects.js";

const Credentials = z.object({ email: z.string().trim().min(1, "enter your email").max(320), password: z.string().min(1, "enter your password").max(1024) });

export const authRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/auth/status",
      {
        config: { access: access.public },
        schema: {
          tags: ["auth"],
          summary: "Whether setup is needed and which sign-in methods exist",
          response: { 200: z.object({ setupRequired: z.boolean(), oidc: z.object({ enabled: z.boolean(), label: z.string() }) }) },
        },
      },
      async () => ({ setupRequired: await setupRequired(deps.db), oidc: oidcStatus(deps.oidc) }),
    );

    app.post(
      "/auth/setup",
      {
        config: { access: access.public },
        schema: {
          tags: ["auth"],
          summary: "Create the first admin (one time, with the setup code printed at start-up)",
          body: z.object({ code: z.string().min(1, "enter the setup code").max(200), email: z.string().max(320), name: z.string().max(200).default(""), password: z.string().max(1024) }),
          response: { 201: z.object({ user: User }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { code, email, name, password } = request.body;
        const user = await setupFirstAdmin(deps.db, { code, expectedCode: deps.setupCode, email, name, password, ip: request.ip });
        await startSession(deps.db, request, reply, user.id);
        await recordSignIn(deps.db, { user, method: "setup", ip: request.ip });
        return reply.status(201).send({ user: userView(user) });
      },
    );

    app.post(
      "/auth/sign-in",
      {
        config: { access: access.public },
        schema: {
          tags: ["auth"],
          summary: "Sign in with email and password",
          description: "Sets the session cookies. Failed attempts are rate-limited per account and address (429 with Retry-After).",
          body: Credentials,
          response: { 200: z.object({ user: User }), 429: ErrorResponse, ...errorResponses },
        },
      },
      async (request, reply) => {
        const email = normalizeEmail(request.body.email);
        const ip = request.ip;
        await deps.signInLimiter.check(email, ip);
        const user = await verifyCredentials(deps.db, email, request.body.password);
        if (!user) {
          await deps.signInLimiter.failed(email, ip);
          const known = await deps.db.user.findUnique({ where: { email }, select: { id: true } });
          await recordAudit(deps.db, { action: "auth.sign_in_failed", actor: email, actorUserId: known?.id ?? null, target: email, details: { method: "password" }, ip });
          throw unauthenticated("email or password is wrong");
        }
        await deps.signInLimiter.succeeded(email, ip);
        await startSession(deps.db, request, reply, user.id);
        await recordSignIn(deps.db, { user, method: "password", ip });
        return { user: userView(user) };
      },
    );

    app.post(
      "/auth/sign-out",
      {
      config: { access: access.signedIn }, schema: { tags: ["auth"], summary: "End this session", response: { 204: z.null(), ...errorResponses } } },
      async (request, reply) => {
        const p = request.principal;
        if (p.kind === "user") {
          await deleteSession(deps.db, p.sessionId);
          await recordAudit(deps.db, { action: "auth.sign_out", actor: p.email, actorUserId: p.userId, target: p.email, ip: request.ip });
        }
        clearSessionCookies(reply, request);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/auth/me",
      {
        config: { access: access.signedIn },
        schema: {
          tags: ["auth"],
          summary: "Who is calling, and the projects it can see",
          response: {
            200: z.object({
              user: User.nullable(),
              via: z.enum(["session", "token"]),
              token: z.object({ name: z.string(), kind: z.enum(["personal", "service"]), project: z.string().nullable(), role: RoleSchema }).nullable(),
              projects: z.array(z.object({ name: z.string(), role: RoleSchema })),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const p = request.principal;
        const userId = actorUserIdOf(request);
        const user = userId ? await deps.db.user.findUnique({ where: { id: userId } }) : null;
        const projects = (await visibleProjects(deps, p)).map((x) => ({ name: x.name, role: x.role }));
        const tokenProject = p.kind === "token" && p.projectId ? ((await deps.db.project.findUnique({ where: { id: p.projectId }, select: { name: true } }))?.name ?? null) : null;
        return {
          user: user ? userView(user) : null,
          via: p.kind === "user" ? ("session" as const) : ("token" as const),
          token: p.kind === "token" ? { name: p.tokenName, kind: p.tokenKind, project: tokenProject, role: p.role } : null,
          projects,
        };
      },
    );

    // Personal tokens: a signed-in user's own, acting for them (never above their role).
    const personal = async (request: { principal: Principal }) => {
      const p = request.principal;
      if (p.kind === "user") return { userId: p.userId, instanceAdmin: p.instanceAdmin };
      throw forbidden("personal tokens are managed from a signed-in session, not with a token");
    };

    app.get(
      "/auth/tokens",
      {
      config: { access: access.signedIn }, schema: { tags: ["auth"], summary: "Your personal API tokens", response: { 200: z.object({ items: z.array(ApiToken) }), ...errorResponses } } },
      async (request) => ({ items: (await listApiTokens(deps.db, { userId: (await personal(request)).userId })).map(tokenView) }),
    );

    app.post(
      "/auth/tokens",
      {
        config: { access: access.signedIn },
        schema: {
          tags: ["auth"],
          summary: "Create a personal API token for a project",
          description: "The token acts for you on that project, never above your current role there. Its secret is in this answer only.",
          body: z.object({ ...CreateTokenFields, project: z.string().min(1).max(100) }),
          response: { 201: CreatedApiToken, ...errorResponses },
        },
      },
      async (request, reply) => {
        const me = await personal(request);
        const project = await projectByName(deps.db, request.body.project);
        checkPersonalTokenRole(request.body.role, await projectRoleOf(deps.db, { id: me.userId, instanceAdmin: me.instanceAdmin }, project.id), request.body.project);
        const created = await createApiToken(deps.db, {
          kind: "personal",
          name: request.body.name,
          projectId: project.id,
          role: request.body.role,
          userId: me.userId,
          expiresInDays: request.body.expiresInDays,
          ...auditActor(request),
        });
        return reply.status(201).send({ token: tokenView(created.token), secret: created.secret });
      },
    );

    app.delete(
      "/auth/tokens/:id",
      {
        config: { access: access.signedIn },
        schema: { tags: ["auth"], summary: "Revoke one of your personal tokens (effective immediately)", params: z.object({ id: z.uuid({ message: "token id must be a UUID" }) }), response: { 204: z.null(), ...errorResponses } },
      },
      async (request, reply) => {
        const me = await personal(request);
        await revokeApiToken(deps.db, { tokenId: request.params.id, scope: { userId: me.userId }, ...auditActor(request) });
        return reply.status(204).send(null);
      },
    );
  };

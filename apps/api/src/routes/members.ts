import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { addMember, changeMemberRole, createApiToken, listApiTokens, listMembers, removeMember, revokeApiToken } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { access, auditActor, projectOf } from "../http/access.js";
import { ApiToken, AuditPage, AuditQuery, CreatedApiToken, CreateTokenFields, errorResponses, Member, ProjectParams, Role } from "../http/schemas.js";
import { auditPage, memberView, tokenView } from "../queries/access.js";

const MemberParams = ProjectParams.extend({ userId: z.uuid({ message: "user id must be a UUID" }) });
const TokenParams = ProjectParams.extend({ id: z.uuid({ message: "token id must be a UUID" }) });

/** A project's members, tokens and audit log: its admins. */
export const memberRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {

    app.get(
      "/projects/:project/members",
      {
      config: { access: access.admin }, schema: { tags: ["members"], summary: "List members and their roles", params: ProjectParams, response: { 200: z.object({ items: z.array(Member) }), ...errorResponses } } },
      async (request) => ({ items: (await listMembers(deps.db, projectOf(request).id)).map(memberView) }),
    );

    app.post(
      "/projects/:project/members",
      {
        config: { access: access.admin },
        schema: {
          tags: ["members"],
          summary: "Add a user to the project",
          params: ProjectParams,
          body: z.object({ email: z.string().min(1).max(320), role: Role }),
          response: { 201: Member, ...errorResponses },
        },
      },
      async (request, reply) => reply.status(201).send(memberView(await addMember(deps.db, { projectId: projectOf(request).id, ...request.body, ...auditActor(request) }))),
    );

    app.patch(
      "/projects/:project/members/:userId",
      {
        config: { access: access.admin },
        schema: { tags: ["members"], summary: "Change a member's role (409 if it would leave no admin)", params: MemberParams, body: z.object({ role: Role }), response: { 200: Member, ...errorResponses } },
      },
      async (request) => memberView(await changeMemberRole(deps.db, { projectId: projectOf(request).id, userId: request.params.userId, role: request.body.role, ...auditActor(request) })),
    );

    app.delete(
      "/projects/:project/members/:userId",
      {
        config: { access: access.admin },
        schema: { tags: ["members"], summary: "Remove a member (409 if it would leave no admin)", params: MemberParams, response: { 204: z.null(), ...errorResponses } },
      },
      async (request, reply) => {
        await removeMember(deps.db, { projectId: projectOf(request).id, userId: request.params.userId, ...auditActor(request) });
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/projects/:project/tokens",
      {
        config: { access: access.admin },
        schema: { tags: ["tokens"], summary: "The project's API tokens (personal and service), revoked ones included", params: ProjectParams, response: { 200: z.object({ items: z.array(ApiToken) }), ...errorResponses } },
      },
      async (request) => ({ items: (await listApiTokens(deps.db, { projectId: projectOf(request).id })).map(tokenView) }),
    );

    app.post(
      "/projects/:project/tokens",
      {
        config: { access: access.admin },
        schema: {
          tags: ["tokens"],
          summary: "Create a service token",
          description: "A service token acts for the project with the given role, whoever uses it (CI, a scheduler, an MLflow client). Its secret is in this answer only.",
          params: ProjectParams,
          body: z.object(CreateTokenFields),
          response: { 201: CreatedApiToken, ...errorResponses },
        },
      },
      async (request, reply) => {
        const created = await createApiToken(deps.db, {
          kind: "service",
          name: request.body.name,
          role: request.body.role,
          expiresInDays: request.body.expiresInDays,
          projectId: projectOf(request).id,
          userId: null,
          ...auditActor(request),
        });
        return reply.status(201).send({ token: tokenView(created.token), secret: created.secret });
      },
    );

    app.delete(
      "/projects/:project/tokens/:id",
      {
      config: { access: access.admin }, schema: { tags: ["tokens"], summary: "Revoke a token (effective immediately)", params: TokenParams, response: { 204: z.null(), ...errorResponses } } },
      async (request, reply) => {
        await revokeApiToken(deps.db, { tokenId: request.params.id, scope: { projectId: projectOf(request).id }, ...auditActor(request) });
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/projects/:project/audit",
      {
        config: { access: access.admin },
        schema: {
          tags: ["audit"],
          summary: "The project's audit log, newest first",
          description: "Memberships, tokens and secrets of the project, and its members' sign-ins. Keyset pagination: pass nextCursor as cursor.",
          params: ProjectParams,
          querystring: AuditQuery,
          response: { 200: AuditPage, ...errorResponses },
        },
      },
      async (request) => auditPage(deps.db, { projectId: projectOf(request).id, limit: request.query.limit, cursor: request.query.cursor }),
    );
  };

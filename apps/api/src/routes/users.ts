import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createUser, updateUser, USER_SELECT } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { access, auditActor } from "../http/access.js";
import { AuditPage, AuditQuery, errorResponses, User } from "../http/schemas.js";
import { auditPage, userView } from "../queries/access.js";

/** Accounts and the instance-wide audit log: instance admins only. */
export const userRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {

    app.get(
      "/users",
      {
      config: { access: access.instanceAdmin }, schema: { tags: ["users"], summary: "List accounts", response: { 200: z.object({ items: z.array(User) }), ...errorResponses } } },
      async () => ({ items: (await deps.db.user.findMany({ select: USER_SELECT, orderBy: { email: "asc" } })).map(userView) }),
    );

    app.post(
      "/users",
      {
        config: { access: access.instanceAdmin },
        schema: {
          tags: ["users"],
          summary: "Create an account",
          body: z.object({ email: z.string().max(320), name: z.string().max(200).default(""), password: z.string().max(1024), instanceAdmin: z.boolean().default(false) }),
          response: { 201: User, ...errorResponses },
        },
      },
      async (request, reply) => reply.status(201).send(userView(await createUser(deps.db, { ...request.body, ...auditActor(request) }))),
    );

    app.patch(
      "/users/:id",
      {
        config: { access: access.instanceAdmin },
        schema: {
          tags: ["users"],
          summary: "Rename, reset the password of, disable or (un)make instance admin an account",
          description: "Disabling an account or changing its password ends its sessions; a disabled user's personal tokens stop working. The last instance admin cannot be disabled or demoted (409).",
          params: z.object({ id: z.uuid({ message: "user id must be a UUID" }) }),
          body: z.object({ name: z.string().max(200).optional(), password: z.string().max(1024).optional(), instanceAdmin: z.boolean().optional(), disabled: z.boolean().optional() }),
          response: { 200: User, ...errorResponses },
        },
      },
      async (request) => userView(await updateUser(deps.db, { userId: request.params.id, changes: request.body, ...auditActor(request) })),
    );

    app.get(
      "/audit",
      {
      config: { access: access.instanceAdmin }, schema: { tags: ["audit"], summary: "The whole audit log, newest first", querystring: AuditQuery, response: { 200: AuditPage, ...errorResponses } } },
      async (request) => auditPage(deps.db, { limit: request.query.limit, cursor: request.query.cursor }),
    );
  };

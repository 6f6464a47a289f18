import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { conflict, createProjectAs, forbidden, isRole, type Role } from "@trellis/engine";
import { Prisma } from "@trellis/db";
import type { ApiDeps } from "../deps.js";
import { access, auditActor, projectOf, type Principal } from "../http/access.js";
import { roleOn } from "../http/access-control.js";
import { Project, ProjectParams, errorResponses } from "../http/schemas.js";
import { iso } from "../queries/iso.js";

const toJson = (p: { id: string; name: string; description: string; createdAt: Date }, role: Role) => ({ ...p, createdAt: iso(p.createdAt), role });

const PROJECT_SELECT = { id: true, name: true, description: true, createdAt: true } as const;

/** The projects the caller can see, by name, with its role on each. */
export async function visibleProjects(deps: ApiDeps, principal: Principal) {
  if ((principal.kind === "user" || principal.kind === "token") && principal.instanceAdmin) {
    return (await deps.db.project.findMany({ select: PROJECT_SELECT, orderBy: { name: "asc" } })).map((p) => ({ ...p, role: "admin" as Role }));
  }
  if (principal.kind === "user") {
    const memberships = await deps.db.projectMember.findMany({
      where: { userId: principal.userId },
      select: { role: true, project: { select: PROJECT_SELECT } },
      orderBy: { project: { name: "asc" } },
    });
    return memberships.flatMap((m) => (isRole(m.role) ? [{ ...m.project, role: m.role }] : []));
  }
  if (principal.kind === "token" && principal.projectId) {
    const [project, role] = await Promise.all([
      deps.db.project.findUnique({ where: { id: principal.projectId }, select: PROJECT_SELECT }),
      roleOn(deps, principal, principal.projectId),
    ]);
    return project && role ? [{ ...project, role }] : [];
  }
  return [];
}

export const projectRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/projects",
      {
      config: { access: access.signedIn }, schema: { tags: ["projects"], summary: "List the projects you can see", response: { 200: z.object({ items: z.array(Project) }), ...errorResponses } } },
      async (request) => ({ items: (await visibleProjects(deps, request.principal)).map((p) => toJson(p, p.role)) }),
    );

    app.post(
      "/projects",
      {
        config: { access: access.signedIn },
        schema: {
          tags: ["projects"],
          summary: "Create a project",
          description: "Any signed-in user may create a project and becomes its admin. Tokens scoped to a project cannot.",
          body: z.object({
            name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "use lowercase letters, digits and dashes (max 63)"),
            description: z.string().max(2000).default(""),
          }),
          response: { 201: Project, ...errorResponses },
        },
      },
      async (request, reply) => {
        const p = request.principal;
        if (p.kind === "token" && !p.instanceAdmin) throw forbidden("a token scoped to a project cannot create projects");
        try {
          const created = await createProjectAs(deps.db, { ...request.body, ...auditActor(request) });
          return reply.status(201).send(toJson(created, "admin"));
        } catch (err) {
          if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw conflict(`project "${request.body.name}" already exists`);
          throw err;
        }
      },
    );

    app.get(
      "/projects/:project",
      {
      config: { access: access.viewer }, schema: { tags: ["projects"], summary: "Get a project, with your role on it", params: ProjectParams, response: { 200: Project, ...errorResponses } } },
      async (request) => toJson(await deps.db.project.findUniqueOrThrow({ where: { id: projectOf(request).id } }), request.role ?? "viewer"),
    );
  };

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { conflict, projectByName } from "@trellis/engine";
import { Prisma } from "@trellis/db";
import type { ApiDeps } from "../deps.js";
import { Project, ProjectParams, errorResponses } from "../http/schemas.js";
import { iso } from "../queries/iso.js";

const toJson = (p: { id: string; name: string; description: string; createdAt: Date }) => ({ ...p, createdAt: iso(p.createdAt) });

export const projectRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get("/projects", { schema: { tags: ["projects"], summary: "List projects", response: { 200: z.object({ items: z.array(Project) }) } } }, async () => {
      const rows = await deps.db.project.findMany({ orderBy: { name: "asc" } });
      return { items: rows.map(toJson) };
    });

    app.post(
      "/projects",
      {
        schema: {
          tags: ["projects"],
          summary: "Create a project",
          body: z.object({
            name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "use lowercase letters, digits and dashes (max 63)"),
            description: z.string().max(2000).default(""),
          }),
          response: { 201: Project, ...errorResponses },
        },
      },
      async (request, reply) => {
        try {
          const created = await deps.db.project.create({ data: request.body });
          return reply.status(201).send(toJson(created));
        } catch (err) {
          if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw conflict(`project "${request.body.name}" already exists`);
          throw err;
        }
      },
    );

    app.get(
      "/projects/:project",
      { schema: { tags: ["projects"], summary: "Get a project", params: ProjectParams, response: { 200: Project, ...errorResponses } } },
      async (request) => {
        const { id } = await projectByName(deps.db, request.params.project);
        return toJson(await deps.db.project.findUniqueOrThrow({ where: { id } }));
      },
    );
  };

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { access } from "../http/access.js";

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(probe(), 2000);
    return "ok";
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] || "unavailable" : String(err);
  }
}

const Health = z.object({ status: z.enum(["ok", "unavailable"]), postgres: z.string(), redis: z.string() });

export const healthRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/health",
      {
      config: { access: access.public }, schema: { summary: "Liveness of the API and its dependencies", tags: ["system"], response: { 200: Health, 503: Health } } },
      async (_request, reply) => {
        const [postgres, redis] = await Promise.all([check(() => deps.db.$queryRaw`SELECT 1`), check(() => deps.ping.redis())]);
        const ok = postgres === "ok" && redis === "ok";
        return reply.status(ok ? 200 : 503).send({ status: ok ? "ok" : "unavailable", postgres, redis });
      },
    );
  };

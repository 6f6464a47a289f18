import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { logChannel, readLogLines, type LogLineMessage } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { LogsQuery, LogsResponse, StepParams, errorResponses } from "../http/schemas.js";
import { findStep } from "../queries/steps.js";
import { access } from "../http/access.js";

const FINISHED = new Set(["succeeded", "failed", "cancelled", "skipped"]);

/** An attempt is complete when it has finished and all of its lines are stored. */
async function attemptFinished(deps: ApiDeps, stepId: string, attempt: number): Promise<string | null> {
  const [row, step] = await Promise.all([
    deps.db.stepAttempt.findUnique({ where: { stepId_attempt: { stepId, attempt } }, select: { status: true, finishedAt: true } }),
    deps.db.step.findUnique({ where: { id: stepId }, select: { status: true, attempt: true } }),
  ]);
  if (row?.finishedAt) return row.status;
  // A step that never started this attempt and is finished (skipped/cancelled before running).
  if (!row && step && FINISHED.has(step.status) && step.attempt <= attempt) return step.status;
  return null;
}

export const logRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/projects/:project/runs/:id/steps/:step/logs",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["logs"],
          summary: "Read a step attempt's stored log",
          description: "Lines after `after` (a sequence number), up to `limit`. attempt defaults to the latest.",
          params: StepParams,
          querystring: LogsQuery,
          response: { 200: LogsResponse, ...errorResponses },
        },
      },
      async (request) => {
        const step = await findStep(deps.db, request.params);
        const attempt = request.query.attempt ?? Math.max(step.attempt, 1);
        const lines = await readLogLines(deps.db, { stepId: step.id, attempt, after: request.query.after, limit: request.query.limit });
        const nextAfter = lines.at(-1)?.seq ?? request.query.after;
        const complete = lines.length < request.query.limit && (await attemptFinished(deps, step.id, attempt)) !== null;
        return { attempt, lines, nextAfter, complete };
      },
    );

    app.get(
      "/projects/:project/runs/:id/steps/:step/logs/stream",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["logs"],
          summary: "Follow a step attempt's log (Server-Sent Events)",
          description: "`event: line` per line (stored lines first, then live), then `event: end` with the attempt's status.",
          params: StepParams,
          querystring: LogsQuery.omit({ limit: true }),
          response: { ...errorResponses },
        },
      },
      async (request, reply) => {
        const step = await findStep(deps.db, request.params);
        const attempt = request.query.attempt ?? Math.max(step.attempt, 1);
        const stepId = step.id;
        let lastSeq = request.query.after;
        let closed = false;

        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          connection: "keep-alive",
          "x-accel-buffering": "no",
        });
        res.write(": connected\n\n");
        const send = (event: string, data: unknown) => {
          if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        };
        const sendLines = (lines: LogLineMessage[]) => {
          for (const line of lines) {
            if (line.seq <= lastSeq) continue;
            send("line", line);
            lastSeq = line.seq;
          }
        };

        // Postgres is the record; pub/sub only says "there is more". Reads are serialised so
        // lines go out in order and exactly once.
        let reading: Promise<void> = Promise.resolve();
        const catchUp = () =>
          (reading = reading.then(async () => {
            for (;;) {
              const lines = await readLogLines(deps.db, { stepId, attempt, after: lastSeq, limit: 1000 });
              sendLines(lines);
              if (lines.length < 1000) return;
            }
          }));
        let finishing = false;
        const finish = async (status: string) => {
          if (finishing) return;
          finishing = true;
          await catchUp();
          send("end", { status });
          close();
        };
        const unlisten = await deps.logHub.listen(logChannel(stepId, attempt), (message) => {
          if (message.type === "lines") {
            const first = message.lines[0];
            if (first && first.seq === lastSeq + 1) reading = reading.then(() => sendLines(message.lines));
            else void catchUp();
          } else {
            void finish(message.status);
          }
        });
        // Fallback for missed messages, and the end of attempts that finished before we subscribed.
        const poll = setInterval(() => {
          void attemptFinished(deps, stepId, attempt)
            .then((status) => (status ? finish(status) : catchUp()))
            .catch(() => undefined);
        }, 1000);
        const keepAlive = setInterval(() => !closed && res.write(": keep-alive\n\n"), 15_000);
        function close() {
          if (closed) return;
          closed = true;
          clearInterval(poll);
          clearInterval(keepAlive);
          void unlisten();
          res.end();
        }
        request.raw.on("close", close);

        await catchUp();
        const status = await attemptFinished(deps, stepId, attempt);
        if (status) await finish(status);
      },
    );
  };

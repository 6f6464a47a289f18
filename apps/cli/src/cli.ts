/** The `trellis` commands. `main(argv)` resolves to the process exit code. */
import path from "node:path";
import { parseArgs, resolveConfig, UsageError, USAGE, type Command, type Config } from "./args.js";
import {
  ApiClient,
  ApiError,
  apiErrorFrom,
  ConnectionError,
  errorLines,
  projectPath,
  TERMINAL_RUN_STATUSES,
  type LogLine,
  type LogPage,
  type RunDetail,
} from "./api.js";
import { ansi, elapsed, formatRun, pipelineName, plain, runUrl, versionNumber, type Paint } from "./format.js";
import { PushError, formatBytes } from "./files.js";
import { pushDirectory } from "./push.js";
import { SseParser } from "./sse.js";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  color: boolean;
}

export function defaultIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Lines of logs fetched per request when not following. */
export const LOG_PAGE_SIZE = 1000;
const POLL_MS = 1000;
/** `run --wait` polls faster: short pipelines finish in a second or two. */
const WAIT_POLL_MS = 500;
const MAX_STREAM_RECONNECTS = 5;

interface Ctx {
  io: Io;
  config: Config;
  client: ApiClient;
  paint: Paint;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let command: Command;
  let config: Config;
  try {
    const parsed = parseArgs(argv);
    command = parsed.command;
    config = resolveConfig(parsed.options, io.env);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`trellis: ${err.message}\nRun "trellis help" for usage.\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const ctx: Ctx = {
    io,
    config,
    client: new ApiClient({ apiUrl: config.apiUrl, token: config.token }),
    paint: io.color ? ansi : plain,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
  };
  try {
    switch (command.name) {
      case "help":
        io.stdout(`${USAGE}\n`);
        return EXIT_OK;
      case "push":
        return await push(ctx, command.dir);
      case "run":
        return await run(ctx, command);
      case "status":
        return await status(ctx, command.runId, command.json);
      case "logs":
        return await logs(ctx, command);
    }
  } catch (err) {
    if (err instanceof ApiError || err instanceof ConnectionError || err instanceof PushError) {
      io.stderr(`${errorLines(err).join("\n")}\n`);
      return EXIT_FAILED;
    }
    throw err;
  }
}

async function push(ctx: Ctx, dir: string): Promise<number> {
  const result = await pushDirectory(path.resolve(dir), { apiUrl: ctx.config.apiUrl, token: ctx.config.token, project: ctx.config.project });
  for (const note of result.notes) ctx.io.stderr(`note: ${note}\n`);
  ctx.io.stdout(`pushed ${result.name} v${result.version} (${result.created ? "new" : "unchanged"})\n`);
  if (result.created && result.fileCount > 0) {
    ctx.io.stderr(`  ${result.fileCount} file${result.fileCount === 1 ? "" : "s"}, ${formatBytes(result.totalBytes)} of code\n`);
  }
  return EXIT_OK;
}

const runPath = (ctx: Ctx, runId: string) => `${projectPath(ctx.config.project)}/runs/${encodeURIComponent(runId)}`;

async function run(ctx: Ctx, cmd: Extract<Command, { name: "run" }>): Promise<number> {
  const body: { pipeline: string; version?: number; params: Record<string, string> } = { pipeline: cmd.pipeline, params: cmd.params };
  if (cmd.version !== undefined) body.version = cmd.version;
  const created = await ctx.client.post<RunDetail>(`${projectPath(ctx.config.project)}/runs`, body);
  const version = versionNumber(created);
  ctx.io.stdout(`started run ${created.id} (${pipelineName(created) === "?" ? cmd.pipeline : pipelineName(created)}${version !== undefined ? ` v${version}` : ""})\n`);
  ctx.io.stdout(`  ${runUrl(ctx.config.webUrl, ctx.config.project, created.id)}\n`);
  if (!cmd.wait) return EXIT_OK;
  return waitForRun(ctx, created);
}

/** Polls a run until it finishes, printing step status changes; 0 only when it succeeded. */
async function waitForRun(ctx: Ctx, initial: RunDetail): Promise<number> {
  const seen = new Map<string, string>();
  let current = initial;
  for (;;) {
    const changed = (current.steps ?? []).filter((step) => {
      // Waiting states are not news, except a queued retry; a new attempt's "running" is.
      if (step.status === "pending" || (step.status === "queued" && step.attempt <= 1)) return false;
      const key = `${step.status}#${step.attempt}`;
      if (seen.get(step.name) === key) return false;
      seen.set(step.name, key);
      return true;
    });
    // In the order things happened (one poll may see several changes).
    const when = (s: RunDetail["steps"][number]) => Date.parse((s.status === "running" ? s.startedAt : (s.finishedAt ?? s.startedAt)) ?? "") || 0;
    changed.sort((a, b) => when(a) - when(b));
    for (const step of changed) {
      const attempt = step.maxAttempts > 1 && step.attempt > 0 ? ` (attempt ${step.attempt}/${step.maxAttempts})` : "";
      const extra = (step.status === "failed" || step.status === "queued") && step.error ? `: ${step.error}` : "";
      const label = step.status === "queued" ? "retrying" : step.status;
      ctx.io.stdout(`  ${step.name} ${ctx.paint(step.status, label)}${attempt}${extra}\n`);
    }
    if (TERMINAL_RUN_STATUSES.has(current.status)) break;
    await ctx.sleep(WAIT_POLL_MS);
    current = await ctx.client.get<RunDetail>(runPath(ctx, current.id));
  }
  const took = elapsed(current.startedAt ?? current.createdAt, current.finishedAt, ctx.now());
  ctx.io.stdout(`run ${current.id} ${ctx.paint(current.status, current.status)}${took ? ` in ${took}` : ""}\n`);
  if (current.status !== "succeeded" && current.error) ctx.io.stderr(`${current.error}\n`);
  return current.status === "succeeded" ? EXIT_OK : EXIT_FAILED;
}

async function status(ctx: Ctx, runId: string, json: boolean): Promise<number> {
  const detail = await ctx.client.get<RunDetail>(runPath(ctx, runId));
  if (json) ctx.io.stdout(`${JSON.stringify(detail, null, 2)}\n`);
  else ctx.io.stdout(`${formatRun(detail, { now: ctx.now(), paint: ctx.paint, webUrl: ctx.config.webUrl, project: ctx.config.project })}\n`);
  return EXIT_OK;
}

function writeLine(ctx: Ctx, line: LogLine): void {
  const text = `${line.text}\n`;
  if (line.stream === "stderr") ctx.io.stderr(text);
  else ctx.io.stdout(text);
}

const FINISHED_STEP_STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled", "skipped"]);

async function logs(ctx: Ctx, cmd: Extract<Command, { name: "logs" }>): Promise<number> {
  const base = `${runPath(ctx, cmd.runId)}/steps/${encodeURIComponent(cmd.step)}/logs`;
  const attemptQuery = cmd.attempt !== undefined ? `&attempt=${cmd.attempt}` : "";
  if (cmd.follow) {
    // Learn which attempt is the latest (also checks that the run and step exist).
    let attempt = cmd.attempt ?? (await ctx.client.get<LogPage>(`${base}?after=0&limit=1`)).attempt;
    for (;;) {
      const status = await followAttempt(ctx, `${base}/stream`, attempt);
      if (cmd.attempt !== undefined || ["succeeded", "cancelled", "skipped"].includes(status)) return EXIT_OK;
      // A failed attempt ("failed", or "retrying" when the stream saw it live) may be
      // retried: follow the next one, if it comes.
      const next = await nextAttempt(ctx, cmd.runId, cmd.step, attempt);
      if (next === null) return EXIT_OK;
      ctx.io.stderr(`— attempt ${attempt} failed; following attempt ${next}\n`);
      attempt = next;
    }
  }
  let after = 0;
  for (;;) {
    const page = await ctx.client.get<LogPage>(`${base}?after=${after}&limit=${LOG_PAGE_SIZE}${attemptQuery}`);
    for (const line of page.lines) writeLine(ctx, line);
    if (page.lines.length < LOG_PAGE_SIZE) break;
    const next = page.nextAfter ?? page.lines.at(-1)?.seq;
    if (next === undefined || next === null || next <= after) break;
    after = next;
  }
  return EXIT_OK;
}

/** Waits until the step starts an attempt after `attempt` (→ its number) or is finished (→ null). */
async function nextAttempt(ctx: Ctx, runId: string, stepName: string, attempt: number): Promise<number | null> {
  for (;;) {
    const detail = await ctx.client.get<RunDetail>(runPath(ctx, runId));
    const step = (detail.steps ?? []).find((s) => s.name === stepName);
    if (!step) return null;
    // A retry is queued with the next attempt number (its stream waits for it to start).
    if (step.attempt > attempt) return step.attempt;
    if (FINISHED_STEP_STATUSES.has(step.status) || TERMINAL_RUN_STATUSES.has(detail.status)) return null;
    await ctx.sleep(POLL_MS);
  }
}

/**
 * Streams one attempt's `event: line` events until `event: end` and returns the end status.
 * When the connection drops first, it reconnects (asking for lines after the last one seen)
 * up to MAX_STREAM_RECONNECTS times.
 */
async function followAttempt(ctx: Ctx, streamPath: string, attempt: number): Promise<string> {
  let lastSeq = 0;
  let reconnects = 0;
  for (;;) {
    const res = await ctx.client.raw(`${streamPath}?attempt=${attempt}${lastSeq > 0 ? `&after=${lastSeq}` : ""}`, { headers: { accept: "text/event-stream" } });
    if (!res.ok) throw apiErrorFrom(res.status, res.statusText, await res.text());
    if (!res.body) throw new ApiError(res.status, "bad_response", "the log stream has no body");
    let endStatus: string | undefined;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        const events = done ? [...parser.feed(decoder.decode()), ...parser.end()] : parser.feed(decoder.decode(value, { stream: true }));
        for (const event of events) {
          if (event.event === "line") {
            const line = JSON.parse(event.data) as LogLine;
            // After a reconnect the server may repeat lines already printed.
            if (line.seq <= lastSeq) continue;
            lastSeq = line.seq;
            writeLine(ctx, line);
          } else if (event.event === "end") {
            endStatus = String((JSON.parse(event.data) as { status?: unknown }).status ?? "");
            break;
          }
        }
        if (endStatus !== undefined || done) break;
      }
    } catch (err) {
      if (err instanceof SyntaxError) throw new ApiError(res.status, "bad_response", `the log stream sent malformed data: ${err.message}`);
      // The connection dropped mid-stream: reconnect below.
    } finally {
      await reader.cancel().catch(() => {});
    }
    if (endStatus !== undefined) return endStatus;
    reconnects += 1;
    if (reconnects > MAX_STREAM_RECONNECTS) throw new ApiError(0, "stream_closed", "the log stream kept closing before the step finished");
    await ctx.sleep(POLL_MS);
  }
}

import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test as base, expect, type Page } from "@playwright/test";
import { API_URL, PROJECT, authHeaders, e2eDataDir } from "./env";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface RunSummary {
  id: string;
  name: string | null;
  /** null for runs logged through the MLflow API. */
  pipeline: string | null;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  params: Record<string, Json>;
  experiment: { id: number; name: string };
  origin: { runId: string; kind: "rerun" | "retry" } | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface RunDetail extends RunSummary {
  noCache: boolean;
  steps: {
    name: string;
    status: string;
    reusedFromRunId: string | null;
    cache: { key: string | null; hit: boolean; fromRunId: string | null; fromStep: string | null };
  }[];
  metrics: { key: string; last: number | null; min: number | null; max: number | null; count: number }[];
}

export interface ExperimentSummary {
  id: number;
  name: string;
  runCount: number;
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/**
 * A call straight to the API, as the bootstrap token (an instance-wide admin) unless `token`
 * names another bearer token. Throws on an error answer; null for an empty one (204).
 */
export async function apiCall<T>(method: string, route: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(`${API_URL}${route}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : authHeaders()),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

const call = <T>(method: string, route: string, body?: unknown) => apiCall<T>(method, route, body);

/** Test set-up straight against the API (not through the UI under test). */
export class TrellisApi {
  /** Pushes a pipeline under a unique name. `spec` is YAML without the `name:` line. */
  async pushPipeline(prefix: string, spec: string): Promise<string> {
    const name = `e2e-${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
    await call("POST", `/projects/${PROJECT}/pipelines`, { spec: `name: ${name}\n${spec}` });
    return name;
  }

  startRun(pipeline: string, params: Record<string, Json> = {}, extra: { name?: string; experiment?: string } = {}): Promise<RunDetail> {
    return call<RunDetail>("POST", `/projects/${PROJECT}/runs`, { pipeline, params, ...extra });
  }

  /** The experiment of that name (a pipeline's runs start in the experiment named after it). */
  async experimentByName(name: string): Promise<ExperimentSummary> {
    const { items } = await call<{ items: ExperimentSummary[] }>("GET", `/projects/${PROJECT}/experiments`);
    const found = items.find((e) => e.name === name);
    if (!found) throw new Error(`no experiment named ${name}`);
    return found;
  }

  /** Runs of an experiment (newest first), as the experiment page's table gets them. */
  experimentRuns(id: number, query: Record<string, string> = {}): Promise<{ total: number; items: RunSummary[] }> {
    return call("GET", `/projects/${PROJECT}/experiments/${id}/runs?${new URLSearchParams(query)}`);
  }

  getRun(id: string): Promise<RunDetail> {
    return call<RunDetail>("GET", `/projects/${PROJECT}/runs/${id}`);
  }

  listRuns(query: Record<string, string>): Promise<{ items: RunSummary[]; nextCursor: string | null }> {
    return call("GET", `/projects/${PROJECT}/runs?${new URLSearchParams(query)}`);
  }

  /** Waits (polling the API) until the run has ended; returns it. */
  async waitForEnd(id: string, timeout = 30_000): Promise<RunDetail> {
    let run: RunDetail | undefined;
    await expect
      .poll(async () => (run = await this.getRun(id)).status, { timeout, message: `run ${id} should end` })
      .toMatch(/^(succeeded|failed|cancelled)$/);
    return run!;
  }

  isTerminal(status: string): boolean {
    return TERMINAL.has(status);
  }
}

/**
 * A file a step waits for (`until [ -e GATE ]`), so a test decides when a running step may
 * finish instead of racing a sleep. The worker runs on this machine, in the e2e temp dir.
 */
export class Gate {
  readonly path: string;
  constructor(name: string) {
    this.path = path.join(e2eDataDir(), "gates", `${name}-${randomBytes(4).toString("hex")}`);
  }
  async open(): Promise<void> {
    await mkdir(path.dirname(this.path), { recursive: true });
    await writeFile(this.path, "open\n");
  }
}

export interface ConsoleGuard {
  /**
   * Tolerates console errors matching `pattern` (tested against "TEXT @ URL"): only for
   * failed requests the test provokes on purpose, e.g. /status of 404.* @ .*\/runs\/nope/.
   */
  allow(pattern: RegExp): void;
}

function watchConsole(page: Page, sink: string[]): void {
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const url = msg.location().url;
    sink.push(`${msg.text()}${url ? ` @ ${url}` : ""}`);
  });
  page.on("pageerror", (err) => sink.push(`uncaught ${err.name}: ${err.message}`));
}

export const test = base.extend<{ api: TrellisApi; consoleGuard: ConsoleGuard }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring pattern.
  api: async ({}, use) => {
    await use(new TrellisApi());
  },
  /** Every test fails on a browser console error or an uncaught page error, unless allowed. */
  consoleGuard: [
    async ({ page }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      watchConsole(page, errors);
      await use({ allow: (pattern) => allowed.push(pattern) });
      const unexpected = errors.filter((e) => !allowed.some((p) => p.test(e)));
      expect(unexpected, "the browser console should have no errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** The DAG node of a step on the run page. */
export function dagNode(page: Page, step: string) {
  return page.getByTestId(`dag-node-${step}`);
}

/** The run header's status badge. */
export function runStatus(page: Page) {
  return page.getByTestId("run-status");
}

/** Asserts (retrying) that every DAG node lies inside the visible graph area. */
export async function expectAllNodesInView(page: Page): Promise<void> {
  await expect
    .poll(
      async () => {
        const graph = await page.getByTestId("run-dag").boundingBox();
        const boxes = await page.locator('[data-testid^="dag-node-"]').evaluateAll((els) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            return { name: el.getAttribute("data-testid"), x: r.x, y: r.y, right: r.right, bottom: r.bottom };
          }),
        );
        if (!graph) return ["no graph"];
        return boxes
          .filter((b) => b.x < graph.x || b.y < graph.y || b.right > graph.x + graph.width || b.bottom > graph.y + graph.height)
          .map((b) => b.name);
      },
      { message: "DAG nodes outside the visible graph" },
    )
    .toEqual([]);
}

// ---------------------------------------------------------------- model registry (set-up and checks through the API)

/** A run's artifact outputs, as its Artifacts tab gets them. */
export async function runOutputs(runId: string): Promise<{ id: string; step: string; name: string; type: string }[]> {
  const { outputs } = await call<{ outputs: { id: string; step: string; name: string; type: string }[] }>(
    "GET",
    `/projects/${PROJECT}/runs/${runId}/artifacts`,
  );
  return outputs;
}

export interface ModelVersionView {
  version: number;
  stage: "None" | "Staging" | "Production" | "Archived";
  createdBy: string;
  runId: string | null;
  metrics: Record<string, number>;
}

/**
 * Registers a run's artifact output as a version of `model` (created if missing), as the
 * bootstrap token or the API token `token` (the registry records who).
 */
export function registerModelVersion(
  model: string,
  body: { runId: string; stepName?: string; outputName: string; createModel?: boolean },
  token?: string,
  project = PROJECT,
): Promise<ModelVersionView> {
  return apiCall<ModelVersionView>("POST", `/projects/${encodeURIComponent(project)}/models/${encodeURIComponent(model)}/versions`, body, token);
}

/** A service token of `project` with `role` (its secret is the bearer token). */
export async function createServiceToken(project: string, name: string, role: "viewer" | "editor" | "admin"): Promise<string> {
  const { secret } = await apiCall<{ secret: string }>("POST", `/projects/${encodeURIComponent(project)}/tokens`, { name, role });
  return secret;
}

export function getModel(model: string): Promise<{ name: string; policy: { gates: string[] }; versions: ModelVersionView[] }> {
  return call("GET", `/projects/${PROJECT}/models/${encodeURIComponent(model)}`);
}

export interface ModelEventView {
  kind: string;
  actor: string;
  version: number | null;
  fromStage: string | null;
  toStage: string | null;
  comment: string | null;
  overrideReason: string | null;
  gateResults: { gate: string; passed: boolean; message: string }[] | null;
}

/** The model's audit trail, newest first. */
export async function modelEvents(model: string): Promise<ModelEventView[]> {
  return (await call<{ items: ModelEventView[] }>("GET", `/projects/${PROJECT}/models/${encodeURIComponent(model)}/events?limit=200`)).items;
}

// ---------------------------------------------------------------- schedules and backfills (set-up and checks through the API)

export interface ScheduleView {
  id: string;
  name: string;
  pipeline: string;
  version: number | null;
  paused: boolean;
  nextFireTimes: string[];
  lastRun: { runId: string; status: string; logicalTime: string } | null;
  activeBackfills: number;
}

export interface ScheduledRunView {
  id: string;
  logicalTime: string;
  intervalStart: string;
  intervalEnd: string;
  state: "starting" | "started" | "skipped" | "waiting" | "cancelled";
  reason: string | null;
  backfillId: string | null;
  run: { id: string; status: string; createdAt: string; finishedAt: string | null } | null;
}

/** Creates a schedule (POST /schedules); `body` as the API takes it. */
export function createSchedule(body: Record<string, Json>): Promise<ScheduleView> {
  return call<ScheduleView>("POST", `/projects/${PROJECT}/schedules`, body);
}

export function getSchedule(id: string): Promise<ScheduleView> {
  return call<ScheduleView>("GET", `/projects/${PROJECT}/schedules/${id}`);
}

/** The schedule's runs history, newest first (one page of up to 200). */
export async function scheduledRuns(id: string): Promise<ScheduledRunView[]> {
  const { items } = await call<{ items: ScheduledRunView[] }>("GET", `/projects/${PROJECT}/schedules/${id}/runs?limit=200`);
  return items;
}

/** Deletes a schedule (test clean-up; a schedule left behind would fire in the next session). */
export async function deleteSchedule(id: string): Promise<void> {
  const res = await fetch(`${API_URL}/projects/${PROJECT}/schedules/${id}`, { method: "DELETE", headers: authHeaders() });
  if (!res.ok && res.status !== 404) throw new Error(`DELETE schedule ${id}: HTTP ${res.status} ${await res.text()}`);
}

/** The most runs that were running at the same moment (from their startedAt/finishedAt). */
export function maxOverlap(runs: { startedAt: string | null; finishedAt: string | null }[]): number {
  const events: [number, number][] = [];
  for (const r of runs) {
    if (!r.startedAt) continue;
    events.push([Date.parse(r.startedAt), 1]);
    events.push([r.finishedAt ? Date.parse(r.finishedAt) : Infinity, -1]);
  }
  // At equal times an end comes before a start: a run starting as another ends does not overlap it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}

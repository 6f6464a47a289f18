/** Text formatting for the CLI (pure). */
import type { RunDetail, StepDetail } from "./api.js";

export type Paint = (status: string, text: string) => string;

const COLORS: Record<string, number> = {
  succeeded: 32,
  failed: 31,
  cancelled: 33,
  skipped: 90,
  running: 36,
  queued: 34,
  pending: 90,
};

export const plain: Paint = (_status, text) => text;
export const ansi: Paint = (status, text) => (COLORS[status] ? `\u001b[${COLORS[status]}m${text}\u001b[39m` : text);

/** `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}s`;
  return `${Math.floor(ms / 3_600_000)}h${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, "0")}m`;
}

/** Elapsed time between two ISO timestamps; a missing end means "still going" (until `now`). */
export function elapsed(start: string | null | undefined, end: string | null | undefined, now: number): string {
  if (!start) return "";
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  if (Number.isNaN(from) || Number.isNaN(to)) return "";
  return formatDuration(to - from);
}

/** `2024-01-31 14:05:09` in local time. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * Left-aligned columns separated by two spaces. `paintColumn` (optional) colours that column by
 * its own text, applied after padding so the widths stay right.
 */
export function table(headers: string[], rows: string[][], paint: Paint = plain, paintColumn = -1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const render = (cells: string[], isHeader: boolean) =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const padded = last ? cell : cell.padEnd(widths[i]!);
        return !isHeader && i === paintColumn ? paint(cell, padded) : padded;
      })
      .join("  ")
      .trimEnd();
  return [render(headers, true), ...rows.map((r) => render(r, false))].join("\n");
}

export const pipelineName = (run: Pick<RunDetail, "pipeline">) => (typeof run.pipeline === "string" ? run.pipeline : (run.pipeline?.name ?? "?"));
export const versionNumber = (run: Pick<RunDetail, "version">) => (typeof run.version === "number" ? run.version : run.version?.version);

/** One line per error, shortened for a table cell. */
function oneLine(text: string | null | undefined, max = 80): string {
  if (!text) return "";
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function stepRows(steps: StepDetail[], now: number): string[][] {
  return steps.map((s) => [
    s.name,
    s.status,
    s.attempt > 0 ? `${s.attempt}/${s.maxAttempts}` : `-/${s.maxAttempts}`,
    elapsed(s.startedAt, s.finishedAt, now),
    s.exitCode === null || s.exitCode === undefined ? "" : String(s.exitCode),
    oneLine(s.error) + (s.failureKind && s.error ? ` (${s.failureKind})` : ""),
  ]);
}

/** The text `trellis status` prints. */
export function formatRun(run: RunDetail, { now = Date.now(), paint = plain, webUrl, project }: { now?: number; paint?: Paint; webUrl?: string; project?: string } = {}): string {
  const version = versionNumber(run);
  const lines = [
    `run       ${run.id}`,
    `pipeline  ${pipelineName(run)}${version !== undefined ? ` v${version}` : ""}`,
    `status    ${paint(run.status, run.status)}`,
    `created   ${formatTime(run.createdAt)}`,
  ];
  if (run.startedAt) lines.push(`started   ${formatTime(run.startedAt)}`);
  if (run.finishedAt) lines.push(`finished  ${formatTime(run.finishedAt)}`);
  if (run.startedAt) lines.push(`duration  ${elapsed(run.startedAt, run.finishedAt, now)}${run.finishedAt ? "" : " so far"}`);
  if (run.error) lines.push(`error     ${run.error}`);
  if (webUrl && project) lines.push(`url       ${runUrl(webUrl, project, run.id)}`);
  const steps = run.steps ?? [];
  if (steps.length > 0) {
    lines.push("", table(["STEP", "STATUS", "ATTEMPT", "DURATION", "EXIT", "ERROR"], stepRows(steps, now), paint, 1));
  }
  return lines.join("\n");
}

export const runUrl = (webUrl: string, project: string, runId: string) =>
  `${webUrl}/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(runId)}`;

import type { PrismaClient } from "@trellis/db";
import { DomainError, logToRun, type MetricInput, type RunLogBatch } from "@trellis/engine";
import { TRACKING_LIMITS, parseTrackingLine } from "@trellis/tracking";

/** Prefix of the worker's own lines in a step's log (stream stderr). */
export const WARNING_PREFIX = "trellis:";

/** True when a line may be a tracking line; the one check every output line pays for. */
export const mayBeTrackingLine = (line: string): boolean => line.startsWith("::");

/** Warnings per attempt; a step printing a malformed line in a loop must not double its log. */
const MAX_WARNINGS = 100;

/**
 * Records the `::metric`, `::param` and `::tag` lines of one step attempt on its run.
 * Commands are batched and written with logToRun about once per `intervalMs` (sooner when a
 * batch reaches the per-batch limits); writes are serialised, so metrics and params reach the
 * run in the order they were printed. `close()` writes the rest and must be awaited before the
 * step's outcome is reported, so a finished step's metrics are visible with its status.
 *
 * Nothing here fails the step: malformed lines, ignored param changes and failed writes become
 * warnings (`trellis: …`) in the step's log, at most MAX_WARNINGS of them.
 *
 * Within one attempt a param keeps its first value, checked here so that the batch sent (a map
 * per key) never silently carries the later value; across attempts and steps the database keeps
 * the first value and logToRun reports the ignored ones.
 */
export class TrackingCapture {
  private metrics: MetricInput[] = [];
  // Maps, not objects: keys such as "__proto__" and "toString" are valid names.
  private params = new Map<string, string>();
  private tags = new Map<string, string>();
  private readonly firstParams = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private warnings = 0;

  constructor(
    private readonly db: PrismaClient,
    private readonly runId: string,
    private readonly stepName: string,
    private readonly writeWarning: (message: string) => void,
    private readonly intervalMs = 1_000,
  ) {}

  /** Takes one output line, already written to the log. */
  accept(line: string): void {
    const command = parseTrackingLine(line);
    if (command === null) return;
    switch (command.kind) {
      case "error":
        this.warn(`ignored the tracking line above: ${command.message}`);
        return;
      case "metric":
        // The time it was printed, not the time the batch is written.
        this.metrics.push({ key: command.key, value: command.value, step: command.step ?? 0, timestamp: command.timestamp ?? Date.now() });
        break;
      case "param": {
        const first = this.firstParams.get(command.key);
        if (first !== undefined) {
          if (first !== command.value) this.warnIgnoredParam(command.key, first, command.value);
          return;
        }
        this.firstParams.set(command.key, command.value);
        this.params.set(command.key, command.value);
        break;
      }
      case "tag":
        this.tags.set(command.key, command.value);
        break;
    }
    if (this.metrics.length >= TRACKING_LIMITS.batchMetrics || this.params.size >= TRACKING_LIMITS.batchParams || this.tags.size >= TRACKING_LIMITS.batchTags) {
      void this.flush();
    } else {
      this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
    }
  }

  /** Writes the rest; resolves (never rejects) when everything accepted is written or reported lost. */
  close(): Promise<void> {
    return this.flush();
  }

  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.metrics.length === 0 && this.params.size === 0 && this.tags.size === 0) return this.writing;
    const batch: RunLogBatch = {};
    if (this.metrics.length > 0) batch.metrics = this.metrics;
    if (this.params.size > 0) batch.params = Object.fromEntries(this.params);
    if (this.tags.size > 0) batch.tags = Object.fromEntries(this.tags);
    this.metrics = [];
    this.params = new Map();
    this.tags = new Map();
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  private async write(batch: RunLogBatch): Promise<void> {
    try {
      const { ignoredParams } = await logToRun(this.db, this.runId, batch, { conflictingParams: "ignore", stepName: this.stepName });
      for (const p of ignoredParams) this.warnIgnoredParam(p.key, p.kept, p.rejected);
    } catch (err) {
      const details = err instanceof DomainError && err.issues.length > 0 ? `: ${err.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}` : "";
      this.warn(`could not record ${describeBatch(batch)}: ${err instanceof Error ? err.message : String(err)}${details}`);
    }
  }

  private warn(message: string): void {
    this.warnings += 1;
    if (this.warnings <= MAX_WARNINGS) this.writeWarning(message);
    else if (this.warnings === MAX_WARNINGS + 1) this.writeWarning(`more than ${MAX_WARNINGS} tracking problems in this step; the rest are not reported`);
  }

  private warnIgnoredParam(key: string, kept: string, rejected: string): void {
    this.warn(`param "${key}" keeps its first value ${JSON.stringify(kept)}; ignored ${JSON.stringify(rejected)} (a param cannot change within a run)`);
  }
}

function describeBatch(batch: RunLogBatch): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (batch.metrics) parts.push(count(batch.metrics.length, "metric value"));
  if (batch.params) parts.push(count(Object.keys(batch.params).length, "param"));
  if (batch.tags) parts.push(count(Object.keys(batch.tags).length, "tag"));
  return parts.join(", ");
}

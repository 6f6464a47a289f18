import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { PrismaClient } from "@trellis/db";
import { DomainError, logToRun } from "@trellis/engine";
import { isScalarOutputType, parseScalarOutput, type StepSpec } from "@trellis/spec";
import { TRACKING_LIMITS, parseMetricsFile, type ParsedMetric } from "@trellis/tracking";
import type { ArtifactOutput } from "./artifacts.js";

/** The parsed content of one `metrics` output, to be recorded on the run. */
export interface MetricsOutput {
  name: string;
  metrics: ParsedMetric[];
}

/**
 * `outputs` holds the scalar values; artifact outputs are listed in `artifacts` (their values,
 * ArtifactRefs, exist only once they are stored, see artifacts.ts).
 */
export type CollectedOutputs = { ok: true; outputs: Record<string, unknown>; artifacts: ArtifactOutput[]; metrics: MetricsOutput[] } | { ok: false; error: string };

const MAX_SCALAR_BYTES = 1024 * 1024;
const MAX_METRICS_FILE_BYTES = 16 * 1024 * 1024;

/**
 * After a successful exit: scalar outputs are read back from their files and parsed;
 * artifact outputs are listed for storing, and `metrics` outputs are also parsed (see
 * parseMetricsFile) for recordMetricsOutputs. A missing or malformed output fails the step
 * (terminal: running it again would write the same thing).
 */
export async function collectOutputs(spec: StepSpec, outputsDir: string): Promise<CollectedOutputs> {
  const outputs: Record<string, unknown> = {};
  const metrics: MetricsOutput[] = [];
  const artifacts: ArtifactOutput[] = [];
  for (const [name, output] of Object.entries(spec.outputs)) {
    const file = path.join(outputsDir, name);
    const info = await stat(file).catch(() => null);
    if (!info) return { ok: false, error: `output "${name}" (${output.type}) was not written: expected a ${output.type === "directory" ? "directory" : "file"} at ${file}` };
    if (isScalarOutputType(output.type)) {
      if (info.size > MAX_SCALAR_BYTES) return { ok: false, error: `output "${name}" is ${info.size} bytes; scalar outputs are limited to 1 MiB (use a file or dataset output)` };
      const parsed = parseScalarOutput(output.type, await readFile(file, "utf8"));
      if (!parsed.ok) return { ok: false, error: `output "${name}" (${output.type}): ${parsed.message}` };
      outputs[name] = parsed.value;
      continue;
    }
    if (output.type === "metrics") {
      if (!info.isFile()) return { ok: false, error: `output "${name}" (metrics): expected a JSON file at ${file}, found a directory` };
      if (info.size > MAX_METRICS_FILE_BYTES) return { ok: false, error: `output "${name}" (metrics) is ${info.size} bytes; metrics files are limited to 16 MiB` };
      const parsed = parseMetricsFile(await readFile(file, "utf8"));
      if (!parsed.ok) return { ok: false, error: `output "${name}" (metrics): ${parsed.message}` };
      metrics.push({ name, metrics: parsed.metrics });
    }
    artifacts.push({ name, type: output.type, path: file });
  }
  return { ok: true, outputs, artifacts, metrics };
}

/**
 * Records the metrics of a step's `metrics` outputs on its run (step 0 unless the file gives
 * one), in batches of the tracking batch limit. Returns an error message when the database
 * refuses a value, which fails the step like a malformed output; other errors (the database
 * being unreachable) are thrown, so the attempt fails as retryable.
 */
export async function recordMetricsOutputs(db: PrismaClient, runId: string, stepName: string, outputs: MetricsOutput[]): Promise<string | null> {
  for (const { name, metrics } of outputs) {
    const timestamp = Date.now();
    for (let i = 0; i < metrics.length; i += TRACKING_LIMITS.batchMetrics) {
      const batch = metrics.slice(i, i + TRACKING_LIMITS.batchMetrics).map((m) => ({ key: m.key, value: m.value, step: m.step ?? 0, timestamp: m.timestamp ?? timestamp }));
      try {
        await logToRun(db, runId, { metrics: batch }, { stepName });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        const issues = err.issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
        return `output "${name}" (metrics) could not be recorded: ${err.message}${issues ? ` (${issues})` : ""}`;
      }
    }
  }
  return null;
}

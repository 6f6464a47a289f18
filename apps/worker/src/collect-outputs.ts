import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { isScalarOutputType, parseScalarOutput, type StepSpec } from "@trellis/spec";

export type CollectedOutputs = { ok: true; outputs: Record<string, unknown> } | { ok: false; error: string };

/**
 * After a successful exit: scalar outputs are read back from their files and parsed;
 * artifact outputs are recorded as paths. A missing or malformed output fails the step
 * (terminal: running it again would write the same thing).
 */
export async function collectOutputs(spec: StepSpec, outputsDir: string): Promise<CollectedOutputs> {
  const outputs: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(spec.outputs)) {
    const file = path.join(outputsDir, name);
    const info = await stat(file).catch(() => null);
    if (!info) return { ok: false, error: `output "${name}" (${output.type}) was not written: expected a ${output.type === "directory" ? "directory" : "file"} at ${file}` };
    if (isScalarOutputType(output.type)) {
      if (info.size > 1024 * 1024) return { ok: false, error: `output "${name}" is ${info.size} bytes; scalar outputs are limited to 1 MiB (use a file or dataset output)` };
      const parsed = parseScalarOutput(output.type, await readFile(file, "utf8"));
      if (!parsed.ok) return { ok: false, error: `output "${name}" (${output.type}): ${parsed.message}` };
      outputs[name] = parsed.value;
    } else {
      outputs[name] = file;
    }
  }
  return { ok: true, outputs };
}

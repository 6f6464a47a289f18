import { describe, expect, it } from "vitest";
import { parsePipelineSpec, type StepSpec } from "@trellis/spec";
import { cacheKeyOf, cacheKeyParts, diffKeyParts } from "../cache.js";

function step(extra: string): StepSpec {
  const parsed = parsePipelineSpec(`name: p\nsteps:\n  b: { run: train${extra} }\n`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value.steps.b!;
}
const parts = (spec: StepSpec) => cacheKeyParts({ projectId: "p1", spec, params: {}, codeDigest: "c1", upstreamOutputs: {} });

describe("cache keys of steps with secrets", () => {
  it("cover the declared names (sorted), and steps without secrets keep their keys", () => {
    const none = parts(step(""));
    expect(Object.hasOwn(none, "secrets")).toBe(false);
    const two = parts(step(", secrets: [DB_PASSWORD, API_TOKEN]"));
    expect(two.secrets).toEqual(["API_TOKEN", "DB_PASSWORD"]);
    expect(cacheKeyOf(parts(step(", secrets: [API_TOKEN, DB_PASSWORD]")))).toBe(cacheKeyOf(two));
    expect(cacheKeyOf(two)).not.toBe(cacheKeyOf(none));
    expect(diffKeyParts(none, two)).toEqual([{ part: "secrets", before: null, after: ["API_TOKEN", "DB_PASSWORD"] }]);
  });
});

import { describe, expect, it } from "vitest";
import { describeChange, explainRunReason, formatKeyValue } from "./run-reason";

const compared = { runId: "11111111-2222-3333-4444-555555555555", stepName: "train" };

describe("explainRunReason", () => {
  it("lists the changed parts of the key, one line each", () => {
    const e = explainRunReason({
      reason: "changed",
      comparedWith: compared,
      changes: [
        { part: "params.lr", before: 0.01, after: 0.1 },
        { part: "inputs.prepare.data", before: `sha256:${"a".repeat(64)}`, after: `sha256:${"b".repeat(64)}` },
      ],
    });
    expect(e.summary).toBe("2 parts of its cache key changed since its last execution:");
    expect(e.changes).toEqual(["params.lr changed: 0.01 → 0.1", `input prepare.data changed: sha256:${"a".repeat(12)} → sha256:${"b".repeat(12)}`]);
    expect(e.comparedWith).toEqual(compared);
  });

  it.each([
    [{ reason: "first-execution" as const }, "First execution of this step: there was no earlier result to reuse."],
    [{ reason: "cache-disabled" as const }, "Caching is off for this step (cache: false), so it runs every time."],
    [{ reason: "nondeterministic" as const }, "The step is marked nondeterministic: its results are never reused."],
    [{ reason: "run-no-cache" as const, changes: [] }, "The run was started with No cache, so no step reused a cached result."],
  ])("%o", (reason, summary) => {
    expect(explainRunReason(reason)).toEqual({ summary, changes: [], comparedWith: null });
  });

  it("says how old an expired result was allowed to be", () => {
    const e = explainRunReason({ reason: "expired", maxAgeMs: 7 * 86_400_000, cachedAt: "2026-01-01T00:00:00Z", comparedWith: null });
    expect(e.summary).toMatch(/^The cached result was older than 7d \(the step's cache.maxAge; it was cached .+\)\.$/);
  });

  it("explains a miss with an unchanged key", () => {
    expect(explainRunReason({ reason: "no-cached-result", comparedWith: compared }).summary).toContain("no reusable result was recorded");
  });
});

describe("describeChange", () => {
  it("words additions, removals and well-known parts", () => {
    expect(describeChange({ part: "params.seed", before: null, after: 3 })).toBe("params.seed added: 3");
    expect(describeChange({ part: "env.DEBUG", before: "1", after: null })).toBe("env.DEBUG removed (was 1)");
    expect(describeChange({ part: "code", before: "c".repeat(64), after: "d".repeat(64) })).toBe(`the code changed: ${"c".repeat(12)} → ${"d".repeat(12)}`);
    expect(describeChange({ part: "outputs", before: { a: "file" }, after: { a: "dataset" } })).toBe("the declared outputs changed");
    expect(describeChange({ part: "command", before: "echo a\necho b", after: "echo c" })).toBe("the command changed: echo a ⏎ echo b → echo c");
  });

  it("cuts long values", () => {
    const v = formatKeyValue("x".repeat(200));
    expect(v).toHaveLength(60);
    expect(v.endsWith("…")).toBe(true);
    expect(formatKeyValue({ layers: [1, 2] })).toBe('{"layers":[1,2]}');
  });
});

import { describe, expect, it } from "vitest";
import type { CompareStep, JsonValue } from "./api-types";
import { asNumber, defaultChartKeys, bestIndexes, guessDirection, isNumericParam, missingRunIds, normalizeRunText, paramRows, parseRunIds, stepGrid, valuesDiffer, withoutRun } from "./compare";

describe("guessDirection", () => {
  it.each([
    ["loss", "min"],
    ["val_loss", "min"],
    ["valLoss", "min"],
    ["train/loss", "min"],
    ["rmse", "min"],
    ["test.mae", "min"],
    ["top1_error", "min"],
    ["error_rate", "min"],
    ["perplexity", "min"],
    ["epoch_time", "min"],
    ["accuracy", "max"],
    ["val_acc", "max"],
    ["f1", "max"],
    ["auc", "max"],
    ["precision", "max"],
    ["throughput", "max"],
    ["timestamp_seen", "max"],
    ["glossary_score", "max"],
  ])("%s → %s", (key, dir) => expect(guessDirection(key)).toBe(dir));
});

describe("bestIndexes", () => {
  it("picks the max or the min, all of a tie", () => {
    expect(bestIndexes([0.1, 0.9, 0.5], "max")).toEqual([1]);
    expect(bestIndexes([0.1, 0.9, 0.5], "min")).toEqual([0]);
    expect(bestIndexes([0.9, 0.1, 0.9], "max")).toEqual([0, 2]);
  });
  it("ignores missing values; needs two comparable values; everyone tied is no best", () => {
    expect(bestIndexes([null, 0.3, undefined, 0.2], "max")).toEqual([1]);
    expect(bestIndexes([null, 0.3], "max")).toEqual([]);
    expect(bestIndexes([0.3, 0.3], "max")).toEqual([]);
    expect(bestIndexes([], "min")).toEqual([]);
  });
});

describe("param differences", () => {
  it("compares values as JSON, text numbers equal to numbers, missing differs", () => {
    expect(valuesDiffer([1, 1, 1])).toBe(false);
    expect(valuesDiffer([0.01, "0.01"])).toBe(false);
    expect(valuesDiffer([{ a: 1, b: 2 }, { b: 2, a: 1 }])).toBe(false);
    expect(valuesDiffer([1, 2])).toBe(true);
    expect(valuesDiffer(["x", undefined])).toBe(true);
    expect(valuesDiffer([null, undefined])).toBe(true);
    expect(valuesDiffer(["x"])).toBe(false);
  });
  it("keeps only differing rows when asked", () => {
    const runs: { params: Record<string, JsonValue> }[] = [{ params: { lr: 0.1, epochs: 3, opt: "adam" } }, { params: { lr: 0.2, epochs: 3 } }];
    expect(paramRows(runs, ["epochs", "lr", "opt"], false)).toEqual(["epochs", "lr", "opt"]);
    expect(paramRows(runs, ["epochs", "lr", "opt"], true)).toEqual(["lr", "opt"]);
  });
  it("detects numeric params", () => {
    expect(isNumericParam([1, "2.5", undefined])).toBe(true);
    expect(isNumericParam(["a", 1])).toBe(false);
    expect(isNumericParam([undefined, null])).toBe(false);
    expect(asNumber("1e-3")).toBe(0.001);
    expect(asNumber("")).toBeNull();
    expect(asNumber(true)).toBeNull();
  });
});

const step = (name: string, over: Partial<CompareStep> = {}): CompareStep => ({
  name,
  status: "succeeded",
  attempt: 1,
  exitCode: 0,
  durationMs: 1000,
  command: `run ${name}`,
  outputs: {},
  reusedFromRunId: null,
  ...over,
});

describe("stepGrid", () => {
  it("compares each step with the first run that has it", () => {
    const grid = stepGrid([
      { id: "r1", steps: [step("prep"), step("train", { command: "train --lr 0.1", outputs: { acc: 0.9 } })] },
      { id: "r2", steps: [step("prep", { reusedFromRunId: "r1" }), step("train", { command: "train --lr 0.2", outputs: { acc: 0.9 } })] },
      { id: "r3", steps: [step("prep"), step("train", { command: "train --lr 0.1", outputs: { acc: 0.8 } }), step("extra")] },
    ]);
    expect(grid.map((r) => r.name)).toEqual(["prep", "train", "extra"]);
    const [prep, train, extra] = grid;
    expect(prep!.differs).toBe(false);
    expect(prep!.cells[1]!.reusedFromRunId).toBe("r1");
    expect(train!.cells.map((c) => [c.commandDiffers, c.outputsDiffer])).toEqual([
      [false, false],
      [true, false],
      [false, true],
    ]);
    expect(train!.differs).toBe(true);
    // Missing in the first two runs: they differ from the baseline (the third run's).
    expect(extra!.cells.map((c) => c.status)).toEqual([null, null, "succeeded"]);
    expect(extra!.differs).toBe(true);
  });
  it("does not compare commands of steps that never ran, but flags their status", () => {
    const [row] = stepGrid([{ id: "r1", steps: [step("a")] }, { id: "r2", steps: [step("a", { status: "skipped", command: null })] }]);
    expect(row!.cells[1]).toMatchObject({ commandDiffers: false, outputsDiffer: false, statusDiffers: true });
  });
});

describe("normalizeRunText", () => {
  it("ignores the run's own paths and the attempt number", () => {
    const a = normalizeRunText('echo 1 > "/data/runs/aaa/steps/prep/attempt-1/outputs/rows"', ["aaa"]);
    const b = normalizeRunText('echo 1 > "/data/runs/bbb/steps/prep/attempt-2/outputs/rows"', ["bbb", null]);
    expect(a).toBe(b);
    expect(stepGrid([
      { id: "aaa", steps: [step("p", { command: "cp x /runs/aaa/out" })] },
      { id: "bbb", steps: [step("p", { command: "cp x /runs/bbb/out" })] },
      { id: "ccc", steps: [step("p", { command: "cp x /runs/aaa/out", reusedFromRunId: "aaa" })] },
    ])[0]!.differs).toBe(false);
  });
});

describe("selection helpers", () => {
  it("parses, de-duplicates and removes run ids", () => {
    expect(parseRunIds(["a,b, c", "b", "d"])).toEqual(["a", "b", "c", "d"]);
    expect(parseRunIds([""])).toEqual([]);
    expect(withoutRun(["a", "b", "c"], "b")).toEqual(["a", "c"]);
    expect(missingRunIds("runs x1, x3 not found", ["x1", "x2", "x3"])).toEqual(["x1", "x3"]);
  });
});

describe("defaultChartKeys", () => {
  it("charts the longest histories first, then by name", () => {
    const runs = [
      { metrics: { test_acc: { count: 1 }, loss: { count: 20 }, acc: { count: 20 } } },
      { metrics: { test_acc: { count: 1 }, val_loss: { count: 5 } } },
    ];
    expect(defaultChartKeys(runs, ["acc", "loss", "test_acc", "val_loss"], 3)).toEqual(["acc", "loss", "val_loss"]);
  });
});

describe("stepGrid outputs", () => {
  it("compares outputs without the run-specific parts of their paths", () => {
    const step = (runId: string) => ({ name: "prep", status: "succeeded" as const, attempt: 1, exitCode: 0, durationMs: 1, command: null, reusedFromRunId: null, outputs: { rows: `/data/runs/${runId}/steps/prep/attempt-1/outputs/rows` } });
    const grid = stepGrid([{ id: "aaa", steps: [step("aaa")] }, { id: "bbb", steps: [step("bbb")] }] as never);
    expect(grid[0]!.cells[1]!.outputsDiffer).toBe(false);
  });
});

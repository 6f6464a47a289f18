import { describe, expect, it } from "vitest";
import {
  aliasProblem,
  barFractions,
  blockedGateMessages,
  compareMetrics,
  describeEvent,
  formatDelta,
  formatRelative,
  gateIssuesByLine,
  gateLines,
  gateMetricKeys,
  keyMetrics,
  policyDiff,
  promotionTargets,
} from "./models";

describe("gateLines", () => {
  it("keeps non-blank lines, trimmed, with their 1-based line numbers", () => {
    expect(gateLines("accuracy >= 0.8\n\n  f1 >= production.f1  \n")).toEqual({ gates: ["accuracy >= 0.8", "f1 >= production.f1"], lines: [1, 3] });
    expect(gateLines("")).toEqual({ gates: [], lines: [] });
  });
});

describe("gateIssuesByLine", () => {
  it("maps policy.gates[i] and gates[i] to the editor line of gate i", () => {
    const { byLine, other } = gateIssuesByLine(
      [
        { path: "policy.gates[1]", message: "cannot read gate" },
        { path: "gates[0]", message: "bad" },
        { path: "gates[0]", message: "worse" },
        { path: "name", message: "taken" },
        { path: "policy.gates[7]", message: "no such line" },
      ],
      [2, 5],
    );
    expect([...byLine.entries()]).toEqual([
      [5, ["cannot read gate"]],
      [2, ["bad", "worse"]],
    ]);
    expect(other.map((i) => i.path)).toEqual(["name", "policy.gates[7]"]);
  });
});

describe("gateMetricKeys and keyMetrics", () => {
  it("reads the metrics gates compare", () => {
    expect(gateMetricKeys(["accuracy >= production.accuracy", "loss <= production.val_loss + 0.01", "f1 >= 0.8", "nonsense"])).toEqual([
      "accuracy",
      "loss",
      "val_loss",
      "f1",
    ]);
  });
  it("puts the gates' metrics first, then the most common ones", () => {
    const versions: { metrics: Record<string, number> }[] = [{ metrics: { loss: 1, accuracy: 0.9, f1: 0.5 } }, { metrics: { loss: 2, auc: 0.7 } }, { metrics: { loss: 3, auc: 0.1 } }];
    expect(keyMetrics(versions, ["f1 >= 0.8", "missing >= 1"], 3)).toEqual(["f1", "loss", "auc"]);
    expect(keyMetrics([], ["f1 >= 0.8"])).toEqual([]);
  });
});

describe("compareMetrics", () => {
  it("computes deltas and says which side is better by the metric's direction", () => {
    const rows = compareMetrics({ accuracy: 0.8, loss: 0.3, extra: 1 }, { accuracy: 0.9, loss: 0.4, f1: 0.5 }, ["loss"]);
    expect(rows.map((r) => r.key)).toEqual(["loss", "accuracy", "extra", "f1"]);
    const [loss, accuracy, extra, f1] = rows;
    expect(loss).toMatchObject({ verdict: "better", direction: "min" });
    expect(loss!.delta).toBeCloseTo(-0.1);
    expect(loss!.relative).toBeCloseTo(-0.25);
    expect(accuracy).toMatchObject({ verdict: "worse", direction: "max" });
    expect(accuracy!.delta).toBeCloseTo(-0.1);
    expect(extra).toMatchObject({ candidate: 1, baseline: null, delta: null, verdict: "missing" });
    expect(f1).toMatchObject({ candidate: null, baseline: 0.5, verdict: "missing" });
  });
  it("treats equal values as the same and no baseline as missing", () => {
    expect(compareMetrics({ a: 0.1 + 0.2 }, { a: 0.3 })[0]).toMatchObject({ verdict: "same", delta: 0, relative: 0 });
    expect(compareMetrics({ a: 1 }, null)[0]).toMatchObject({ verdict: "missing", baseline: null });
    expect(compareMetrics({ a: 1 }, { a: 0 })[0]).toMatchObject({ verdict: "better", relative: null });
  });
});

describe("formatting", () => {
  it("formats deltas and relative changes with signs", () => {
    expect(formatDelta(0.031)).toBe("+0.031");
    expect(formatDelta(-0.1)).toBe("−0.1");
    expect(formatDelta(0)).toBe("0");
    expect(formatDelta(null)).toBe("—");
    expect(formatRelative(0.0321)).toBe("+3.2%");
    expect(formatRelative(-0.125)).toBe("−13%");
    expect(formatRelative(null)).toBe("");
  });
  it("scales two bars on one axis", () => {
    expect(barFractions(0.8, 0.4)).toEqual([1, 0.5]);
    expect(barFractions(null, 2)).toEqual([0, 1]);
    expect(barFractions(0, 0)).toEqual([0, 0]);
  });
});

describe("promotionTargets", () => {
  it("never offers the current stage", () => {
    expect(promotionTargets("None")).toEqual(["Production", "Staging", "Archived"]);
    expect(promotionTargets("Staging")[0]).toBe("Production");
    expect(promotionTargets("Production")).not.toContain("Production");
    expect(promotionTargets("Archived")).toEqual(["Production", "Staging", "None"]);
  });
});

describe("blockedGateMessages", () => {
  it("keeps the failing gates' messages", () => {
    expect(
      blockedGateMessages([
        { path: "policy.gates[0]", message: "accuracy >= production.accuracy: failed, accuracy is 0.8 against 0.9, short by 0.1" },
        { path: "stage", message: "other" },
      ]),
    ).toEqual(["accuracy >= production.accuracy: failed, accuracy is 0.8 against 0.9, short by 0.1"]);
  });
});

describe("aliasProblem", () => {
  it("follows the API's alias rule", () => {
    expect(aliasProblem("champion")).toBeNull();
    expect(aliasProblem("_shadow-2")).toBeNull();
    expect(aliasProblem("latest")).toMatch(/reserved/);
    expect(aliasProblem("v3")).toMatch(/reserved/);
    expect(aliasProblem("2fast")).toMatch(/starting with a letter/);
    expect(aliasProblem("")).toMatch(/Name/);
  });
});

describe("describeEvent", () => {
  const base = { version: 2, fromStage: null, toStage: null, alias: null, details: {}, overrideReason: null };
  it("says what each kind of event did", () => {
    expect(describeEvent({ ...base, kind: "stage_changed", fromStage: "Staging", toStage: "Production" })).toEqual({
      text: "promoted v2 to Production",
      tone: "stage",
    });
    expect(describeEvent({ ...base, kind: "stage_changed", fromStage: "None", toStage: "Production", overrideReason: "hotfix" })).toEqual({
      text: "promoted v2 to Production, overriding failed gates",
      tone: "override",
    });
    expect(describeEvent({ ...base, kind: "stage_changed", version: 1, fromStage: "Production", toStage: "Archived" }).text).toBe(
      "archived v1",
    );
    expect(describeEvent({ ...base, kind: "alias_set", alias: "champion", details: { previousVersion: 1 } }).text).toBe("moved alias @champion from v1 to v2");
    expect(describeEvent({ ...base, kind: "alias_set", alias: "champion", details: { previousVersion: null } }).text).toBe("set alias @champion on v2");
    expect(describeEvent({ ...base, kind: "alias_deleted", alias: "champion" }).text).toBe("removed alias @champion (was on v2)");
    expect(describeEvent({ ...base, kind: "model_created", version: null, details: { gates: ["a >= 1"] } }).text).toBe("created the model with 1 gate");
    expect(describeEvent({ ...base, kind: "version_created" }).text).toBe("registered v2");
    expect(describeEvent({ ...base, kind: "something_new" }).text).toBe("something new");
  });
  it("diffs policy changes", () => {
    expect(policyDiff({ before: ["a >= 1", "b >= 2"], after: ["b >= 2", "c >= 3"] })).toEqual({ added: ["c >= 3"], removed: ["a >= 1"] });
    expect(policyDiff({})).toEqual({ added: [], removed: [] });
  });
});

import { describe, expect, it } from "vitest";
import { evaluateGates, parseGate, type Gate } from "./gates.js";

const gates = (...texts: string[]) => texts.map((t) => parseGate(t) as Gate);

describe("promotion gates", () => {
  it("parses numbers, production comparisons and tolerances", () => {
    expect(parseGate("accuracy >= 0.8")).toMatchObject({ metric: "accuracy", op: ">=", right: { kind: "number", value: 0.8 } });
    expect(parseGate(" f1>=production.f1 ")).toMatchObject({ metric: "f1", right: { kind: "production", metric: "f1", offset: 0 } });
    expect(parseGate("val/loss <= production.val/loss + 0.01")).toMatchObject({ metric: "val/loss", op: "<=", right: { kind: "production", metric: "val/loss", offset: 0.01 } });
    expect(parseGate("auc > production.auc - 1e-3")).toMatchObject({ right: { kind: "production", offset: -0.001 } });
    expect(parseGate("accuracy => 0.8")).toMatch(/^cannot read gate "accuracy => 0.8"/);
    expect(parseGate("accuracy >= staging.accuracy")).toMatch(/^cannot read gate/);
  });

  it("says which gate failed and by how much", () => {
    const results = evaluateGates(gates("accuracy >= production.accuracy", "f1 >= 0.8", "loss <= 0.3"), { accuracy: 0.91, f1: 0.85, loss: 0.42 }, { accuracy: 0.94 });
    expect(results.map((r) => r.passed)).toEqual([false, true, false]);
    expect(results[0]!.message).toBe("accuracy >= production.accuracy: failed, accuracy is 0.91 against 0.94, short by 0.03");
    expect(results[2]!.message).toBe("loss <= 0.3: failed, loss is 0.42 against 0.3, over by 0.12");
    expect(results[1]).toMatchObject({ left: 0.85, right: 0.8 });
  });

  it("passes comparisons with a Production version that does not exist, fails metrics the candidate lacks", () => {
    const [first, missing] = evaluateGates(gates("accuracy >= production.accuracy", "f1 >= 0.8"), { accuracy: 0.5 }, null);
    expect(first).toMatchObject({ passed: true, message: "accuracy >= production.accuracy: passed (no Production version to compare with)" });
    expect(missing).toMatchObject({ passed: false, message: "f1 >= 0.8: failed, this version's run has no f1 metric" });
  });
});

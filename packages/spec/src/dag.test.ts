import { describe, expect, it } from "vitest";
import { downstreamOf, findCycles, formatCycle, topologicalOrder, upstreamOf } from "./index.js";

const g = (edges: Record<string, string[]>) => Object.fromEntries(Object.entries(edges).map(([k, needs]) => [k, { needs }]));

// d needs b and c, which both need a.
const diamond = g({ d: ["b", "c"], c: ["a"], b: ["a"], a: [] });

describe("topologicalOrder", () => {
  it("orders a diamond, ties alphabetical", () => {
    expect(topologicalOrder(diamond)).toEqual(["a", "b", "c", "d"]);
  });

  it("is independent of insertion order", () => {
    const shuffled = g({ a: [], b: ["a"], d: ["c", "b"], c: ["a"] });
    expect(topologicalOrder(shuffled)).toEqual(topologicalOrder(diamond));
  });

  it("takes the smallest ready step first (Kahn with a sorted ready set)", () => {
    // z is ready from the start but sorts last; b becomes ready after a and still goes before z.
    expect(topologicalOrder(g({ z: [], a: [], b: ["a"], y: ["z"] }))).toEqual(["a", "b", "z", "y"]);
  });

  it("handles duplicates in needs", () => {
    expect(topologicalOrder(g({ a: [], b: ["a", "a"] }))).toEqual(["a", "b"]);
  });

  it("throws on cycles and unknown needs", () => {
    expect(() => topologicalOrder(g({ a: ["b"], b: ["a"], c: [] }))).toThrow("dependency cycle a -> b -> a");
    expect(() => topologicalOrder(g({ a: ["zz"] }))).toThrow('step "a" needs unknown step "zz"');
  });

  it("returns [] for an empty graph", () => {
    expect(topologicalOrder({})).toEqual([]);
  });
});

describe("findCycles", () => {
  it("finds a 2-cycle and a 3-cycle, each once, from the smallest step", () => {
    const cycles = findCycles(g({ b: ["a"], a: ["b"], z: ["x"], y: ["z"], x: ["y"], free: ["a"] }));
    expect(cycles).toEqual([
      ["a", "b"],
      ["x", "y", "z"],
    ]);
    expect(cycles.map(formatCycle)).toEqual(["a -> b -> a", "x -> y -> z -> x"]);
  });

  it("reports self-dependencies as one-element cycles", () => {
    expect(findCycles(g({ a: ["a"] }))).toEqual([["a"]]);
  });

  it("enumerates overlapping cycles in one component", () => {
    expect(findCycles(g({ a: ["b", "c"], b: ["a", "c"], c: ["a"] }))).toEqual([
      ["a", "b"],
      ["a", "b", "c"],
      ["a", "c"],
    ]);
  });

  it("returns nothing for a DAG and ignores unknown needs", () => {
    expect(findCycles(diamond)).toEqual([]);
    expect(findCycles(g({ a: ["ghost"] }))).toEqual([]);
  });

  it("respects the limit on a complete graph", () => {
    const names = Array.from({ length: 10 }, (_, i) => `n${i}`);
    const complete = g(Object.fromEntries(names.map((n) => [n, names.filter((m) => m !== n)])));
    expect(findCycles(complete, 5)).toHaveLength(5);
  });

  it("copes with long chains without recursion", () => {
    const n = 20_000;
    const chain = g(Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, i === 0 ? [`s${n - 1}`] : [`s${i - 1}`]])));
    const cycles = findCycles(chain);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(n);
    expect(cycles[0]?.[0]).toBe("s0");
  });
});

describe("downstreamOf / upstreamOf", () => {
  it("returns transitive dependents on a diamond", () => {
    expect(downstreamOf(diamond, "a")).toEqual(["b", "c", "d"]);
    expect(downstreamOf(diamond, "b")).toEqual(["d"]);
    expect(downstreamOf(diamond, "d")).toEqual([]);
    expect(downstreamOf(diamond, "missing")).toEqual([]);
  });

  it("never includes the step itself, even in a cycle", () => {
    expect(downstreamOf(g({ a: ["b"], b: ["a"] }), "a")).toEqual(["b"]);
  });

  it("returns transitive dependencies", () => {
    expect(upstreamOf(diamond, "d")).toEqual(["a", "b", "c"]);
    expect(upstreamOf(diamond, "a")).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { canonicalJson, formatIssues, parsePipelineSpec } from "./index.js";

describe("canonicalJson", () => {
  it("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("is independent of insertion order, including integer-like keys", () => {
    expect(canonicalJson({ b: 1, 10: 2, 2: 3 })).toBe('{"10":2,"2":3,"b":1}');
    expect(canonicalJson({ 2: 3, b: 1, 10: 2 })).toBe(canonicalJson({ b: 1, 10: 2, 2: 3 }));
  });

  it("follows JSON.stringify for special values", () => {
    expect(canonicalJson({ u: undefined, f: () => 1, n: Number.NaN, arr: [undefined, Infinity] })).toBe('{"arr":[null,null],"n":null}');
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
    expect(canonicalJson("x\"y")).toBe(JSON.stringify("x\"y"));
    expect(canonicalJson(JSON.parse('{"__proto__": 1}'))).toBe('{"__proto__":1}');
  });

  it("throws on cycles, BigInt and undefined", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(/circular/);
    expect(() => canonicalJson(1n)).toThrow(/BigInt/);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it("gives the same digest input for YAML and JSON forms of a spec", () => {
    const y = parsePipelineSpec("name: p\nsteps:\n  a: { run: x, env: { B: '1', A: '2' } }\n");
    const j = parsePipelineSpec('{"steps":{"a":{"env":{"A":"2","B":"1"},"run":"x"}},"name":"p"}');
    if (!y.ok || !j.ok) throw new Error("expected valid specs");
    expect(canonicalJson(y.value)).toBe(canonicalJson(j.value));
  });
});

describe("formatIssues", () => {
  it("renders one line per issue", () => {
    expect(formatIssues([{ path: "name", message: "required key is missing" }, { path: "steps", message: "x" }])).toBe(
      "name: required key is missing\nsteps: x",
    );
  });
});

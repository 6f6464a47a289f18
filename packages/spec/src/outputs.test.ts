import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, isScalarOutputType, OUTPUT_TYPES, parseScalarOutput, retryDelayMs, SCALAR_OUTPUT_TYPES } from "./index.js";

describe("output types", () => {
  it("classifies scalars and artifacts", () => {
    expect(SCALAR_OUTPUT_TYPES).toEqual(["string", "number", "boolean", "json"]);
    expect(OUTPUT_TYPES.filter(isScalarOutputType)).toEqual(["string", "number", "boolean", "json"]);
    expect(isScalarOutputType("dataset")).toBe(false);
  });
});

describe("parseScalarOutput", () => {
  it("string: trims exactly one trailing newline", () => {
    expect(parseScalarOutput("string", "hello\n")).toEqual({ ok: true, value: "hello" });
    expect(parseScalarOutput("string", "hello\r\n")).toEqual({ ok: true, value: "hello" });
    expect(parseScalarOutput("string", "hello\n\n")).toEqual({ ok: true, value: "hello\n" });
    expect(parseScalarOutput("string", "  spaced  ")).toEqual({ ok: true, value: "  spaced  " });
    expect(parseScalarOutput("string", "")).toEqual({ ok: true, value: "" });
  });

  it("number: finite floats only", () => {
    expect(parseScalarOutput("number", " 0.93\n")).toEqual({ ok: true, value: 0.93 });
    expect(parseScalarOutput("number", "-1e3")).toEqual({ ok: true, value: -1000 });
    expect(parseScalarOutput("number", "42")).toEqual({ ok: true, value: 42 });
    for (const bad of ["", "abc", "NaN", "Infinity", "0x10", "1e999", "1 2"]) {
      const r = parseScalarOutput("number", bad);
      expect(r.ok, bad).toBe(false);
    }
    expect(parseScalarOutput("number", "abc\n")).toEqual({ ok: false, message: 'expected a finite number, got "abc"' });
  });

  it("boolean: true/false, any case, trimmed", () => {
    expect(parseScalarOutput("boolean", "true\n")).toEqual({ ok: true, value: true });
    expect(parseScalarOutput("boolean", " FALSE ")).toEqual({ ok: true, value: false });
    expect(parseScalarOutput("boolean", "yes")).toEqual({ ok: false, message: 'expected true or false, got "yes"' });
    expect(parseScalarOutput("boolean", "1").ok).toBe(false);
  });

  it("json: any JSON value", () => {
    expect(parseScalarOutput("json", '{"acc": 0.9, "tags": ["a"]}\n')).toEqual({ ok: true, value: { acc: 0.9, tags: ["a"] } });
    expect(parseScalarOutput("json", "null")).toEqual({ ok: true, value: null });
    const bad = parseScalarOutput("json", "{oops");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/^invalid JSON: /);
  });

  it("rejects artifact types", () => {
    expect(parseScalarOutput("model", "/x")).toEqual({ ok: false, message: 'output type "model" is an artifact, not a scalar value' });
  });
});

describe("retryDelayMs", () => {
  it("fixed backoff always waits delayMs", () => {
    const p = { ...DEFAULT_RETRY_POLICY, limit: 3 };
    expect([1, 2, 3, 10].map((a) => retryDelayMs(p, a))).toEqual([1000, 1000, 1000, 1000]);
  });

  it("exponential backoff doubles and is capped", () => {
    const p = { limit: 10, backoff: "exponential" as const, delayMs: 1000, maxDelayMs: 60_000, onOOM: null };
    expect([1, 2, 3, 4, 6, 7, 8].map((a) => retryDelayMs(p, a))).toEqual([1000, 2000, 4000, 8000, 32_000, 60_000, 60_000]);
    expect(retryDelayMs(p, 5000)).toBe(60_000);
    expect(retryDelayMs(p, 0)).toBe(1000);
  });
});

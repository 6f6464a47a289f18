import { describe, expect, it } from "vitest";
import { parsePipelineSpec, validateRunParams, type PipelineSpec } from "./index.js";

function spec(params: Record<string, unknown>): PipelineSpec {
  const r = parsePipelineSpec({ name: "p", params, steps: { a: { run: "x" } } });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

const s = spec({
  lr: { type: "number", default: 0.01 },
  day: { type: "string" },
  epochs: { type: "integer", default: 10 },
  debug: { type: "boolean", default: false },
  cfg: { type: "json", default: { a: 1 } },
  env: { type: "string", enum: ["dev", "prod"], default: "dev" },
});

describe("validateRunParams", () => {
  it("applies defaults", () => {
    expect(validateRunParams(s, { day: "2024-01-01" })).toEqual({
      ok: true,
      value: { lr: 0.01, day: "2024-01-01", epochs: 10, debug: false, cfg: { a: 1 }, env: "dev" },
    });
  });

  it("coerces strings from the CLI", () => {
    const r = validateRunParams(s, { day: "d", lr: "0.5", epochs: " 20 ", debug: "TRUE", env: "prod" });
    expect(r).toEqual({ ok: true, value: { lr: 0.5, day: "d", epochs: 20, debug: true, cfg: { a: 1 }, env: "prod" } });
    expect(validateRunParams(s, { day: "d", lr: "-1e-3", debug: "false" })).toMatchObject({ ok: true, value: { lr: -0.001, debug: false } });
  });

  it("accepts native JSON types", () => {
    const r = validateRunParams(s, { day: "d", lr: 1, epochs: 3, debug: true, cfg: [1, "x", null] });
    expect(r).toMatchObject({ ok: true, value: { lr: 1, epochs: 3, debug: true, cfg: [1, "x", null] } });
  });

  it("treats undefined and null as no parameters", () => {
    expect(validateRunParams(spec({ a: { type: "string", default: "x" } }), undefined)).toEqual({ ok: true, value: { a: "x" } });
    expect(validateRunParams(spec({}), null)).toEqual({ ok: true, value: {} });
  });

  it("reports unknown, missing, wrong-type and enum problems together", () => {
    const r = validateRunParams(s, { foo: 1, lr: "abc", epochs: "1.5", debug: "yes", env: "test", cfg: Number.NaN });
    expect(r).toEqual({
      ok: false,
      issues: [
        { path: "params.foo", message: "unknown parameter" },
        { path: "params.lr", message: 'expected number, got string "abc"' },
        { path: "params.day", message: "required parameter is missing" },
        { path: "params.epochs", message: 'expected integer, got string "1.5"' },
        { path: "params.debug", message: 'expected boolean, got string "yes"' },
        { path: "params.cfg", message: "expected a JSON value, got number NaN" },
        { path: "params.env", message: 'must be one of "dev", "prod" (got "test")' },
      ],
    });
  });

  it("rejects strings that only look numeric to Number()", () => {
    for (const v of ["", " ", "0x10", "Infinity", "1,5", "1e"]) {
      expect(validateRunParams(s, { day: "d", lr: v }).ok, v).toBe(false);
    }
  });

  it("rejects unsafe integers and non-finite numbers", () => {
    expect(validateRunParams(s, { day: "d", epochs: 2 ** 60 })).toMatchObject({ ok: false, issues: [{ path: "params.epochs" }] });
    expect(validateRunParams(s, { day: "d", lr: Number.POSITIVE_INFINITY })).toEqual({
      ok: false,
      issues: [{ path: "params.lr", message: "expected a finite number, got Infinity" }],
    });
  });

  it("does not coerce non-strings to string", () => {
    expect(validateRunParams(s, { day: 20240101 })).toEqual({ ok: false, issues: [{ path: "params.day", message: "expected string, got number 20240101" }] });
  });

  it("matches json enums structurally", () => {
    const e = spec({ shape: { type: "json", enum: [{ a: 1, b: 2 }, [1, 2]] } });
    expect(validateRunParams(e, { shape: { b: 2, a: 1 } }).ok).toBe(true);
    expect(validateRunParams(e, { shape: [2, 1] }).ok).toBe(false);
  });

  it("checks enums after coercion", () => {
    const e = spec({ n: { type: "integer", enum: [1, 2] } });
    expect(validateRunParams(e, { n: "2" })).toEqual({ ok: true, value: { n: 2 } });
    expect(validateRunParams(e, { n: "3" })).toEqual({ ok: false, issues: [{ path: "params.n", message: "must be one of 1, 2 (got 3)" }] });
  });

  it("rejects a non-mapping", () => {
    expect(validateRunParams(s, ["x"])).toEqual({
      ok: false,
      issues: [{ path: "params", message: "expected a mapping of parameter names to values, got array" }],
    });
  });

  it("is not fooled by prototype names", () => {
    expect(validateRunParams(spec({}), JSON.parse('{"__proto__": 1, "constructor": 2}'))).toEqual({
      ok: false,
      issues: [
        { path: "params.__proto__", message: "unknown parameter" },
        { path: "params.constructor", message: "unknown parameter" },
      ],
    });
  });
});

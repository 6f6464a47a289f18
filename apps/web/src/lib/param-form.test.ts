import { describe, expect, it } from "vitest";
import { buildFields, encodeEnumValue, initialValues, parseField, splitIssues, validateParams, valuesFromParams } from "./param-form";

const fields = buildFields({
  day: { type: "string", description: "partition" },
  limit: { type: "integer", default: 100 },
  lr: { type: "number", default: 0.01 },
  debug: { type: "boolean", default: false },
  cfg: { type: "json", default: { a: 1 } },
  nothing: { type: "json", default: null },
  env: { type: "string", enum: ["dev", "prod"], default: "dev" },
  shards: { type: "integer", enum: [1, 2, 4] },
});
const byName = Object.fromEntries(fields.map((f) => [f.name, f]));

describe("buildFields", () => {
  it("derives controls and required-ness from the schema", () => {
    expect(fields.map((f) => [f.name, f.control, f.required])).toEqual([
      ["day", "string", true],
      ["limit", "integer", false],
      ["lr", "number", false],
      ["debug", "boolean", false],
      ["cfg", "json", false],
      ["nothing", "json", false], // a null default is still a default
      ["env", "enum", false],
      ["shards", "enum", true],
    ]);
  });

  it("pre-fills defaults", () => {
    expect(initialValues(fields)).toEqual({
      day: "",
      limit: "100",
      lr: "0.01",
      debug: false,
      cfg: '{\n  "a": 1\n}',
      nothing: "null",
      env: '"dev"',
      shards: "",
    });
  });
});

describe("parseField", () => {
  it("validates numbers and integers", () => {
    expect(parseField(byName.limit!, "12")).toEqual({ ok: true, value: 12 });
    expect(parseField(byName.limit!, "1.5")).toMatchObject({ ok: false });
    expect(parseField(byName.lr!, "1e-3")).toEqual({ ok: true, value: 0.001 });
    expect(parseField(byName.lr!, "abc")).toMatchObject({ ok: false });
    // Empty optional → omitted so the server applies the default.
    expect(parseField(byName.limit!, " ")).toEqual({ ok: true, value: undefined });
  });

  it("requires required params", () => {
    expect(parseField(byName.day!, "")).toMatchObject({ ok: false, error: expect.stringMatching(/required/) });
    expect(parseField(byName.shards!, "")).toMatchObject({ ok: false });
  });

  it("round-trips enum values with their JSON type", () => {
    expect(parseField(byName.shards!, encodeEnumValue(4))).toEqual({ ok: true, value: 4 });
    expect(parseField(byName.env!, encodeEnumValue("prod"))).toEqual({ ok: true, value: "prod" });
  });

  it("parses json and reports syntax errors", () => {
    expect(parseField(byName.cfg!, '{"b": [1, 2]}')).toEqual({ ok: true, value: { b: [1, 2] } });
    expect(parseField(byName.cfg!, "{bad")).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid JSON/) });
  });

  it("sends booleans as booleans", () => {
    expect(parseField(byName.debug!, true)).toEqual({ ok: true, value: true });
  });
});

describe("validateParams", () => {
  it("collects the body and all errors at once", () => {
    const values = { ...initialValues(fields), limit: "x" };
    const { params, errors } = validateParams(fields, values);
    expect(Object.keys(errors).sort()).toEqual(["day", "limit", "shards"]);
    expect(params).toMatchObject({ lr: 0.01, debug: false, cfg: { a: 1 }, nothing: null, env: "dev" });
  });
});

describe("splitIssues", () => {
  it("maps params.NAME issues to fields and keeps the rest general", () => {
    const { fieldErrors, general } = splitIssues(
      [
        { path: "params.day", message: "required parameter is missing" },
        { path: "params.cfg.a", message: "bad nested value" },
        { path: "params.unknown", message: "unknown parameter" },
        { path: "version", message: "no such version" },
      ],
      fields.map((f) => f.name),
    );
    expect(fieldErrors).toEqual({ day: "required parameter is missing", cfg: "bad nested value" });
    expect(general.map((i) => i.path)).toEqual(["params.unknown", "version"]);
  });
});

describe("rerun form values", () => {
  it("shows a run's values in each control", () => {
    const rerunFields = buildFields({
      lr: { type: "number", default: 0.01 },
      epochs: { type: "integer" },
      opt: { type: "string", enum: ["adam", "sgd"], default: "adam" },
      aug: { type: "boolean", default: false },
      cfg: { type: "json", default: {} },
      day: { type: "string" },
    });
    expect(valuesFromParams(rerunFields, { lr: 0.1, epochs: 3, opt: "sgd", aug: true, cfg: { a: 1 }, logged: "x" })).toEqual({
      lr: "0.1",
      epochs: "3",
      opt: '"sgd"',
      aug: true,
      cfg: '{\n  "a": 1\n}',
      day: "",
    });
  });
});

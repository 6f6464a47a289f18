import { z } from "zod";
import { canonicalJson } from "./canonical.js";
import { describeValue, fail, formatPath, isPlainObject, ok, showValue, typeName } from "./issues.js";
import type { ParamSpec, ParamType, PipelineSpec, Result, SpecIssue } from "./types.js";

/** Any JSON value: no undefined, functions, NaN/Infinity, Dates, class instances. */
const jsonValue = z.json();

// Decimal notation only: Number() alone would also accept "", " ", "0x10", "Infinity".
const NUMERIC_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export type ValueCheck = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Checks one parameter value against its type.
 *
 * `coerce` is for run parameters, which may arrive as strings (the CLI sends `-p key=value`):
 * numeric strings become numbers, "true"/"false" (any case) become booleans. Spec defaults are
 * checked without coercion — `default: "0.01"` on a number parameter is a mistake worth
 * reporting. Messages show the received value only when coercing (the run-time case), where
 * the value came from outside the spec.
 */
export function checkParamValue(type: ParamType, value: unknown, coerce: boolean): ValueCheck {
  const got = () => (coerce ? describeValue(value) : typeName(value));
  const mismatch = (expected: string): ValueCheck => ({ ok: false, message: `expected ${expected}, got ${got()}` });
  switch (type) {
    case "string":
      return typeof value === "string" ? { ok: true, value } : mismatch("string");
    case "number":
    case "integer": {
      let n: unknown = value;
      if (coerce && typeof value === "string" && NUMERIC_RE.test(value.trim())) n = Number(value.trim());
      if (typeof n !== "number") return mismatch(type);
      if (!Number.isFinite(n)) return { ok: false, message: `expected a finite number, got ${showValue(n)}` };
      if (type === "integer" && !Number.isSafeInteger(n)) {
        return { ok: false, message: `expected integer, got ${describeValue(value)}` };
      }
      return { ok: true, value: n };
    }
    case "boolean": {
      if (typeof value === "boolean") return { ok: true, value };
      if (coerce && typeof value === "string") {
        const s = value.trim().toLowerCase();
        if (s === "true") return { ok: true, value: true };
        if (s === "false") return { ok: true, value: false };
      }
      return mismatch("boolean");
    }
    case "json":
      return jsonValue.safeParse(value).success ? { ok: true, value } : mismatch("a JSON value");
  }
}

/** Enum membership by canonical JSON, so `{a:1,b:2}` matches `{b:2,a:1}`. */
export function enumContains(values: readonly unknown[], value: unknown): boolean {
  const key = canonicalJson(value);
  return values.some((v) => canonicalJson(v) === key);
}

export function enumMessage(values: readonly unknown[], value: unknown): string {
  const shown = values.map((v) => (typeof v === "string" ? JSON.stringify(v) : canonicalJson(v))).join(", ");
  const got = typeof value === "string" ? JSON.stringify(value) : canonicalJson(value);
  return `must be one of ${shown} (got ${got})`;
}

/**
 * Validates the parameters supplied for a run against the spec and returns the complete set
 * (defaults applied, values coerced to their declared types, in declaration order).
 * `undefined`/`null` mean "nothing supplied".
 */
export function validateRunParams(spec: PipelineSpec, supplied: unknown): Result<Record<string, unknown>> {
  const issues: SpecIssue[] = [];
  const input: Record<string, unknown> = supplied === undefined || supplied === null ? {} : (supplied as Record<string, unknown>);
  if (!isPlainObject(input)) {
    return fail([{ path: "params", message: `expected a mapping of parameter names to values, got ${typeName(supplied)}` }]);
  }
  const declared: Record<string, ParamSpec> = spec.params;
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(declared, key)) issues.push({ path: paramPath(key), message: "unknown parameter" });
  }
  const values: [string, unknown][] = [];
  for (const [name, param] of Object.entries(declared)) {
    const path = paramPath(name);
    const given = Object.hasOwn(input, name) ? input[name] : undefined;
    if (given === undefined) {
      if (Object.hasOwn(param, "default")) values.push([name, param.default]);
      else issues.push({ path, message: "required parameter is missing" });
      continue;
    }
    const checked = checkParamValue(param.type, given, true);
    if (!checked.ok) {
      issues.push({ path, message: checked.message });
      continue;
    }
    if (param.enum && !enumContains(param.enum, checked.value)) {
      issues.push({ path, message: enumMessage(param.enum, checked.value) });
      continue;
    }
    values.push([name, checked.value]);
  }
  // fromEntries defines own properties, so a parameter named like an Object.prototype member is safe.
  return issues.length > 0 ? fail(issues) : ok(Object.fromEntries(values));
}

function paramPath(name: string): string {
  return formatPath(["params", name]);
}

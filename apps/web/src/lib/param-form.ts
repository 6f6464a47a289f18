import type { ApiIssue, JsonValue, ParamSpec } from "./api-types";

/**
 * Pure logic behind the generated start-run form: which control each param gets, its
 * initial value, and how a raw control value is validated and coerced into the JSON
 * value sent to the API. Kept framework-free so it is trivially unit-testable.
 */

export type ParamControl = "enum" | "string" | "number" | "integer" | "boolean" | "json";

/** Controls hold strings (text-like inputs, keeping partial input like "1e") or booleans. */
export type RawValue = string | boolean;

export interface ParamField {
  name: string;
  spec: ParamSpec;
  control: ParamControl;
  /** The API applies a param's default when omitted; a param without one must be provided. */
  required: boolean;
}

export function buildFields(params: Record<string, ParamSpec> | undefined): ParamField[] {
  return Object.entries(params ?? {}).map(([name, spec]) => ({
    name,
    spec,
    control: spec.enum && spec.enum.length > 0 ? "enum" : spec.type,
    required: spec.default === undefined,
  }));
}

/** Option values of an enum select are JSON-encoded so numbers and strings round-trip exactly. */
export function encodeEnumValue(v: JsonValue): string {
  return JSON.stringify(v);
}

export function initialValue(field: ParamField): RawValue {
  const d = field.spec.default;
  switch (field.control) {
    case "boolean":
      return d === true;
    case "enum":
      return d === undefined ? "" : encodeEnumValue(d);
    case "json":
      return d === undefined ? "" : JSON.stringify(d, null, 2);
    default:
      return d === undefined || d === null ? "" : String(d);
  }
}

export function initialValues(fields: ParamField[]): Record<string, RawValue> {
  return Object.fromEntries(fields.map((f) => [f.name, initialValue(f)]));
}

export type ParseResult = { ok: true; value: JsonValue | undefined } | { ok: false; error: string };

/** `value: undefined` means "omit the param" so the server applies the default. */
export function parseField(field: ParamField, raw: RawValue | undefined): ParseResult {
  if (field.control === "boolean") return { ok: true, value: raw === true };

  const text = typeof raw === "string" ? raw : "";
  const empty = text.trim() === "";

  switch (field.control) {
    case "string":
      // Strings are sent literally (an explicit "" is a value), but required ones may not be empty.
      if (field.required && text === "") return { ok: false, error: "This parameter is required." };
      return { ok: true, value: text };
    case "enum":
      if (empty) return field.required ? { ok: false, error: "Choose a value." } : { ok: true, value: undefined };
      try {
        return { ok: true, value: JSON.parse(text) as JsonValue };
      } catch {
        return { ok: false, error: "Choose one of the allowed values." };
      }
    case "number":
    case "integer": {
      if (empty) return field.required ? { ok: false, error: "This parameter is required." } : { ok: true, value: undefined };
      const n = Number(text.trim());
      if (!Number.isFinite(n)) return { ok: false, error: "Enter a valid number." };
      if (field.control === "integer" && !Number.isInteger(n)) return { ok: false, error: "Enter a whole number (integer)." };
      return { ok: true, value: n };
    }
    case "json":
      if (empty) return field.required ? { ok: false, error: "This parameter is required." } : { ok: true, value: undefined };
      try {
        return { ok: true, value: JSON.parse(text) as JsonValue };
      } catch (err) {
        const detail = err instanceof Error ? err.message : "parse error";
        return { ok: false, error: `Invalid JSON: ${detail}` };
      }
  }
}

export function validateParams(
  fields: ParamField[],
  values: Record<string, RawValue>,
): { params: Record<string, JsonValue>; errors: Record<string, string> } {
  const params: Record<string, JsonValue> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const r = parseField(f, values[f.name]);
    if (!r.ok) errors[f.name] = r.error;
    else if (r.value !== undefined) params[f.name] = r.value;
  }
  return { params, errors };
}

/**
 * Splits server validation issues into per-field messages (`params.NAME` → field NAME) and
 * the rest, which are shown at the top of the form.
 */
export function splitIssues(
  issues: ApiIssue[],
  fieldNames: string[],
): { fieldErrors: Record<string, string>; general: ApiIssue[] } {
  const known = new Set(fieldNames);
  const fieldErrors: Record<string, string> = {};
  const general: ApiIssue[] = [];
  for (const issue of issues) {
    const m = /^params\.([^.[\]]+)/.exec(issue.path ?? "");
    const name = m?.[1];
    if (name && known.has(name)) {
      fieldErrors[name] = fieldErrors[name] ? `${fieldErrors[name]} ${issue.message}` : issue.message;
    } else {
      general.push(issue);
    }
  }
  return { fieldErrors, general };
}

/** Control value showing an existing run's value of a param (the rerun form starts from them). */
export function rawValueFor(field: ParamField, value: JsonValue | undefined): RawValue {
  if (value === undefined) return initialValue(field);
  switch (field.control) {
    case "boolean":
      return value === true || value === "true";
    case "enum": {
      // Match the option whose value is equal, also when the stored value is text ("0.1" vs 0.1).
      const match = (field.spec.enum ?? []).find((opt) => opt === value || String(opt) === String(value));
      return match === undefined ? "" : encodeEnumValue(match as JsonValue);
    }
    case "json":
      return JSON.stringify(value, null, 2);
    default:
      return value === null ? "" : typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  }
}

/** Initial form values from a run's params: the declared params only, defaults for the ones it lacks. */
export function valuesFromParams(fields: ParamField[], params: Record<string, JsonValue>): Record<string, RawValue> {
  return Object.fromEntries(fields.map((f) => [f.name, rawValueFor(f, Object.prototype.hasOwnProperty.call(params, f.name) ? params[f.name] : undefined)]));
}

/**
 * Canonical JSON for content digests: object keys sorted by UTF-16 code units at every level,
 * no whitespace, otherwise the same output as JSON.stringify (toJSON is honoured, undefined /
 * function / symbol members are dropped from objects and become null in arrays, non-finite
 * numbers become null). Two values that JSON.stringify would render with only a different key
 * order produce the same string.
 *
 * A serializer is written out instead of sorting keys and calling JSON.stringify because JS
 * objects always enumerate integer-like keys ("2", "10") first, whatever their insertion order.
 */
export function canonicalJson(value: unknown): string {
  const out = write(value, new Set());
  // Top-level undefined/function has no JSON form; JSON.stringify would return undefined.
  if (out === undefined) throw new TypeError(`canonicalJson: value of type ${typeof value} is not serialisable`);
  return out;
}

function write(value: unknown, seen: Set<object>): string | undefined {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      throw new TypeError("canonicalJson: BigInt is not serialisable");
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return "null";
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError("canonicalJson: circular structure");
  seen.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = `[${obj.map((v: unknown) => write(v, seen) ?? "null").join(",")}]`;
  } else {
    const parts: string[] = [];
    const record = obj as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) {
      const v = write(record[key], seen);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    out = `{${parts.join(",")}}`;
  }
  seen.delete(obj);
  return out;
}

import { checkLikePattern, type Parsed } from "./experiment-filter.js";
import { Cursor, fail, NUMERIC_OPS, parseField, STRING_OPS, SYMBOLS, SyntaxFailure, type FieldRules } from "./filter-cursor.js";

/**
 * MLflow's model registry search language (SearchModelUtils / SearchModelVersionUtils), as
 * `registered-models/search` and `model-versions/search` take it:
 *
 *   filter   := ε | clause (AND clause)*
 *   clause   := field op value
 *   field    := [attribute. | attributes.] key | (tag. | tags.) tagkey
 *   op       := = | != | LIKE | ILIKE              strings (values quoted)
 *             | = | != | IN | NOT IN              ids (run_id): IN takes ('a', 'b', …)
 *             | = | != | > | >= | < | <=          numbers (version_number)
 *
 *   order_by := key [ASC | DESC]
 *
 * Registered models are searched by name and tags; versions by name, run_id, source_path,
 * version_number and tags. Keywords are case-insensitive; OR and parentheses are rejected.
 */

export type FieldType = "string" | "id" | "number";

export interface FilterSpec {
  /** What is searched, for messages ("registered models", "model versions"). */
  what: string;
  attributes: Record<string, FieldType>;
}

export type RegistryClause =
  | { kind: "attribute"; key: string; op: "=" | "!=" | "LIKE" | "ILIKE"; value: string }
  | { kind: "attribute"; key: string; op: "IN" | "NOT IN"; value: string[] }
  | { kind: "attribute"; key: string; op: "=" | "!=" | ">" | ">=" | "<" | "<="; value: number }
  | { kind: "tag"; key: string; op: "=" | "!=" | "LIKE" | "ILIKE"; value: string };

export interface RegistryOrder {
  key: string;
  desc: boolean;
}

export const REGISTERED_MODEL_FILTER: FilterSpec = { what: "registered models", attributes: { name: "string" } };
export const MODEL_VERSION_FILTER: FilterSpec = {
  what: "model versions",
  attributes: { name: "string", run_id: "id", source_path: "string", version_number: "number" },
};

const ID_OPS = ["=", "!=", "IN", "NOT IN"] as const;
const OPS_BY_TYPE: Record<FieldType, readonly string[]> = { string: STRING_OPS, id: ID_OPS, number: NUMERIC_OPS };

/** The registry's wording, for the spec's `keys`. */
function registryFields(spec: FilterSpec, keys: readonly string[]): FieldRules {
  const searchable = `${spec.what} can be searched by ${keys.join(", ")} and tags.<key>`;
  return {
    keys,
    where: `when searching ${spec.what}`,
    expected: `${keys.join(", ")} or tags.<key>`,
    invalidEntity: (head) => `invalid entity '${head}': ${searchable}`,
    invalidKey: (key) => `invalid attribute key '${key}': ${searchable}`,
  };
}

function parseOp(c: Cursor, field: string): string {
  for (const symbol of SYMBOLS) {
    if (c.text.startsWith(symbol, c.pos)) {
      c.pos += symbol.length;
      return symbol;
    }
  }
  const word = c.read(/[A-Za-z]+/)?.toUpperCase();
  if (word === "LIKE" || word === "ILIKE" || word === "IN") return word;
  if (word === "NOT") {
    c.skipSpace();
    if (c.read(/[Ii][Nn](?![A-Za-z])/) !== null) return "NOT IN";
    return fail(`${field}: expected IN after NOT`);
  }
  return fail(`${field}: expected a comparison operator, got ${word ? `'${word}'` : c.peek()}`);
}

function parseList(c: Cursor, field: string): string[] {
  if (c.text[c.pos] !== "(") return fail(`${field}: expected a list such as ('a', 'b') after IN`);
  c.pos++;
  const values: string[] = [];
  for (;;) {
    c.skipSpace();
    values.push(c.string(field));
    c.skipSpace();
    if (c.text[c.pos] === ",") {
      c.pos++;
      continue;
    }
    if (c.text[c.pos] === ")") {
      c.pos++;
      return values;
    }
    return fail(`${field}: expected , or ) in the list, got ${c.peek()}`);
  }
}

function parseClause(c: Cursor, spec: FilterSpec): RegistryClause {
  const keys = Object.keys(spec.attributes);
  const field = parseField(c, registryFields(spec, keys));
  const shown = field.kind === "tag" ? `tags.${field.key}` : field.key;
  const type: FieldType = field.kind === "tag" ? "string" : spec.attributes[field.key]!;
  c.skipSpace();
  const op = parseOp(c, shown);
  if (!OPS_BY_TYPE[type].includes(op)) fail(`${shown}: invalid comparator ${op}; use ${OPS_BY_TYPE[type].join(", ")}`);
  c.skipSpace();
  if (op === "IN" || op === "NOT IN") return { kind: "attribute", key: field.key, op, value: parseList(c, shown) };
  if (type === "number") {
    const number = c.read(/[+-]?\d+(?![\w.])/);
    if (number === null || !Number.isSafeInteger(Number(number))) return fail(`${shown}: expected an integer, got ${c.peek()}`);
    return { kind: "attribute", key: field.key, op: op as (typeof NUMERIC_OPS)[number], value: Number(number) };
  }
  const value = c.string(shown);
  if (op === "LIKE" || op === "ILIKE") {
    const problem = checkLikePattern(value);
    if (problem) fail(`${shown}: ${problem}`);
  }
  const stringOp = op as (typeof STRING_OPS)[number];
  return field.kind === "tag" ? { kind: "tag", key: field.key, op: stringOp, value } : { kind: "attribute", key: field.key, op: stringOp, value };
}

function attempt<T>(run: () => T): Parsed<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof SyntaxFailure) return { ok: false, message: error.message };
    throw error;
  }
}

/** Parses a registry filter; empty or blank text is no clauses. */
export function parseRegistryFilter(text: string, spec: FilterSpec): Parsed<RegistryClause[]> {
  return attempt(() => {
    const c = new Cursor(text);
    const clauses: RegistryClause[] = [];
    c.skipSpace();
    while (!c.atEnd()) {
      clauses.push(parseClause(c, spec));
      c.skipSpace();
      if (c.atEnd()) break;
      const word = c.read(/[A-Za-z]+/)?.toUpperCase();
      if (word === "OR") fail(`OR is not supported when searching ${spec.what}; combine conditions with AND`);
      if (word !== "AND") fail(`expected AND between conditions, got ${word ? `'${word}'` : c.peek()}`);
      c.skipSpace();
      if (c.atEnd()) fail("expected a condition after AND");
    }
    return clauses;
  });
}

/** Parses one order_by term (ascending unless DESC) over the keys given; `aliases` maps other names to them. */
export function parseRegistryOrderBy(text: string, keys: readonly string[], aliases: Record<string, string> = {}): Parsed<RegistryOrder> {
  return attempt(() => {
    const m = /^\s*(?:attributes?\.)?([A-Za-z_][A-Za-z0-9_]*)(?:\s+([A-Za-z]+))?\s*$/.exec(text);
    if (!m) return fail(`invalid order_by clause '${text}': expected a field and ASC or DESC, e.g. 'name ASC'`);
    const asked = m[1]!.toLowerCase();
    const key = aliases[asked] ?? asked;
    if (!keys.includes(key)) fail(`invalid order_by key '${m[1]}': order by ${[...keys, ...Object.keys(aliases)].join(", ")}`);
    const direction = m[2]?.toUpperCase();
    if (direction !== undefined && direction !== "ASC" && direction !== "DESC") fail(`invalid order_by clause '${text}': expected ASC or DESC after the field`);
    return { key, desc: direction === "DESC" };
  });
}

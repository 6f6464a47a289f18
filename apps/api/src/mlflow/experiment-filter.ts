/**
 * MLflow's experiment search language (SearchExperimentsUtils), as `experiments/search` takes it:
 *
 *   filter   := ε | clause (AND clause)*
 *   clause   := field op value
 *   field    := [attribute. | attributes.] (name | creation_time | last_update_time)
 *             | (tag. | tags.) key
 *   key      := [A-Za-z0-9_.\-/:]+ | `quoted` | "quoted"
 *   op       := = | != | LIKE | ILIKE          for name and tags (values are quoted strings)
 *             | = | != | > | >= | < | <=       for the times (values are epoch milliseconds)
 *
 *   order_by := field [ASC | DESC]   with field one of name, experiment_id, creation_time,
 *                                    last_update_time (attribute prefix allowed)
 *
 * Keywords are case-insensitive. OR, parentheses and IN are rejected with a message, as MLflow
 * does for experiments.
 */
import { Cursor, fail, NUMERIC_OPS, parseField, STRING_OPS, SYMBOLS, SyntaxFailure, type FieldRules } from "./filter-cursor.js";

export type ExperimentAttribute = "name" | "creation_time" | "last_update_time";
export type ExperimentOrderKey = ExperimentAttribute | "experiment_id";
export type ExperimentOp = "=" | "!=" | ">" | ">=" | "<" | "<=" | "LIKE" | "ILIKE";

export type ExperimentClause =
  | { kind: "attribute"; key: "name"; op: "=" | "!=" | "LIKE" | "ILIKE"; value: string }
  | { kind: "attribute"; key: "creation_time" | "last_update_time"; op: "=" | "!=" | ">" | ">=" | "<" | "<="; value: number }
  | { kind: "tag"; key: string; op: "=" | "!=" | "LIKE" | "ILIKE"; value: string };

export interface ExperimentOrder {
  key: ExperimentOrderKey;
  desc: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const FILTER_ATTRIBUTES: readonly ExperimentAttribute[] = ["name", "creation_time", "last_update_time"];
const ORDER_KEYS: readonly ExperimentOrderKey[] = ["name", "experiment_id", "creation_time", "last_update_time"];

/** Experiment filters' wording, for `allowed` attributes. */
function experimentFields(allowed: readonly string[], expected: string): FieldRules {
  return {
    keys: allowed,
    where: "in experiment filters",
    expected,
    invalidEntity: (head) => `invalid entity '${head}': experiments can be searched by attributes (${allowed.join(", ")}) and tags.<key>`,
    invalidKey: (key) => `invalid attribute key '${key}': valid attributes are ${allowed.join(", ")}`,
  };
}

function parseOp(c: Cursor, field: string): ExperimentOp {
  for (const symbol of SYMBOLS) {
    if (c.text.startsWith(symbol, c.pos)) {
      c.pos += symbol.length;
      return symbol;
    }
  }
  const word = c.read(/[A-Za-z]+/)?.toUpperCase();
  if (word === "LIKE" || word === "ILIKE") return word;
  if (word === "IN" || word === "NOT") return fail(`${field}: IN and NOT IN are not supported in experiment filters`);
  return fail(`${field}: expected a comparison operator (=, !=, >, >=, <, <=, LIKE, ILIKE), got ${word ? `'${word}'` : c.peek()}`);
}

function parseClause(c: Cursor): ExperimentClause {
  const field = parseField(c, experimentFields(FILTER_ATTRIBUTES, "an attribute (name, creation_time, last_update_time) or tags.<key>"));
  const shown = field.kind === "tag" ? `tags.${field.key}` : field.key;
  c.skipSpace();
  const op = parseOp(c, shown);
  c.skipSpace();
  const ch = c.text[c.pos];
  const numeric = field.kind === "attribute" && field.key !== "name";
  if (numeric) {
    if (!(NUMERIC_OPS as readonly string[]).includes(op)) fail(`${shown}: invalid comparator ${op} for a numeric attribute; use ${NUMERIC_OPS.join(", ")}`);
    const number = c.read(/[+-]?\d+(?![\w.])/);
    if (number === null || !Number.isSafeInteger(Number(number))) return fail(`${shown}: expected a time in epoch milliseconds (an integer), got ${c.peek()}`);
    return { kind: "attribute", key: field.key as "creation_time" | "last_update_time", op: op as (typeof NUMERIC_OPS)[number], value: Number(number) };
  }
  if (!(STRING_OPS as readonly string[]).includes(op)) fail(`${shown}: invalid comparator ${op} for a string; use ${STRING_OPS.join(", ")}`);
  if (ch !== "'" && ch !== '"') return fail(`${shown}: expected a quoted string value such as 'abc', got ${c.peek()}`);
  const value = c.quoted();
  if (op === "LIKE" || op === "ILIKE") {
    const problem = checkLikePattern(value);
    if (problem) fail(`${shown}: ${problem}`);
  }
  const stringOp = op as (typeof STRING_OPS)[number];
  return field.kind === "tag" ? { kind: "tag", key: field.key, op: stringOp, value } : { kind: "attribute", key: "name", op: stringOp, value };
}

function attempt<T>(run: () => T): Parsed<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof SyntaxFailure) return { ok: false, message: error.message };
    throw error;
  }
}

/** Parses an experiment filter; empty or blank text is no clauses. */
export function parseExperimentFilter(text: string): Parsed<ExperimentClause[]> {
  return attempt(() => {
    const c = new Cursor(text);
    const clauses: ExperimentClause[] = [];
    c.skipSpace();
    while (!c.atEnd()) {
      clauses.push(parseClause(c));
      c.skipSpace();
      if (c.atEnd()) break;
      const word = c.read(/[A-Za-z]+/)?.toUpperCase();
      if (word === "OR") fail("OR is not supported in experiment filters; combine conditions with AND");
      if (word !== "AND") fail(`expected AND between conditions, got ${word ? `'${word}'` : c.peek()}`);
      c.skipSpace();
      if (c.atEnd()) fail("expected a condition after AND");
    }
    return clauses;
  });
}

/** Parses one order_by term, ascending unless DESC. */
export function parseExperimentOrderBy(text: string): Parsed<ExperimentOrder> {
  return attempt(() => {
    const c = new Cursor(text);
    c.skipSpace();
    const field = parseField(c, experimentFields(ORDER_KEYS, "an attribute to order by (name, experiment_id, creation_time, last_update_time)"));
    if (field.kind === "tag") fail(`invalid order_by entity 'tags': experiments can be ordered by ${ORDER_KEYS.join(", ")}`);
    c.skipSpace();
    let desc = false;
    if (!c.atEnd()) {
      const word = c.read(/[A-Za-z]+/)?.toUpperCase();
      if (word !== "ASC" && word !== "DESC") fail(`invalid order_by clause '${text}': expected ASC or DESC after the field`);
      desc = word === "DESC";
      c.skipSpace();
      if (!c.atEnd()) fail(`invalid order_by clause '${text}': unexpected ${c.peek()}`);
    }
    return { key: field.key as ExperimentOrderKey, desc };
  });
}

/**
 * Null when `pattern` is a valid LIKE pattern for Postgres, else a message: a backslash escapes
 * the next character, so a pattern may not end in an unpaired backslash.
 */
export function checkLikePattern(pattern: string): string | null {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "\\") {
      if (i + 1 >= pattern.length) return `invalid LIKE pattern '${pattern}': it ends with an escape character (write \\\\ for a literal backslash)`;
      i++;
    }
  }
  return null;
}

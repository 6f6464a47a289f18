/**
 * The run filter language: MLflow's `search_runs` syntax plus a few conveniences, shared by
 * the MLflow-compatible `runs/search` endpoint and the experiment page's filter box.
 *
 *   filter  := ε | clause (AND clause)*
 *   clause  := field op value
 *   field   := entity "." key | attribute
 *   entity  := metrics | metric | params | param | parameters | tags | tag
 *            | attributes | attribute | attr | run                      (any case)
 *   key     := [A-Za-z0-9_.\-/:]+ | `quoted` | "quoted"          (letters and digits may be non-ASCII)
 *   op      := = | == | != | <> | > | >= | < | <= | LIKE | ILIKE | IN | NOT IN   (any case)
 *   value   := number | 'string' | "string" | "(" value ("," value)* ")"    (list only after IN)
 *
 * Only the first dot separates entity from key (`metrics.val.loss` is the metric `val.loss`);
 * a bare attribute name (`status = 'FINISHED'`) needs no prefix. After an operator a
 * double-quoted token is a string value, never a key. Inside quotes a backslash escapes the
 * quote character or another backslash, and a doubled quote stands for itself (SQL style); any
 * other backslash is kept, so LIKE escapes such as `'50\%'` reach the database unchanged.
 *
 * The result is fully validated and normalised, so the SQL side never re-checks it: entities
 * are canonical, attribute keys are canonical names, `==` is `=`, `<>` is `!=`, keywords are
 * upper case, IN lists are non-empty and free of duplicates, and every value has the type its
 * field and operator need (see `allowedOps` and `expectedValue`). OR and parentheses are
 * rejected with a message rather than half-supported, as in MLflow.
 */

export type FilterEntity = "metric" | "param" | "tag" | "attribute";
export type FilterOp = "=" | "!=" | ">" | ">=" | "<" | "<=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";
export type FilterValue = string | number;

export interface FilterClause {
  entity: FilterEntity;
  key: string;
  op: FilterOp;
  /** An array exactly when `op` is IN or NOT IN. */
  value: FilterValue | FilterValue[];
}

export type RunAttribute = "status" | "run_name" | "run_id" | "start_time" | "end_time" | "created" | "pipeline" | "source";

export type FilterResult = { ok: true; clauses: FilterClause[] } | { ok: false; message: string; position: number };

export interface OrderBy {
  entity: FilterEntity;
  key: string;
  desc: boolean;
}

export type OrderByResult = { ok: true; value: OrderBy } | { ok: false; message: string; position: number };

export const RUN_ATTRIBUTES: readonly RunAttribute[] = ["status", "run_name", "run_id", "start_time", "end_time", "created", "pipeline", "source"];

const ENTITY_PREFIXES: ReadonlyMap<string, FilterEntity> = new Map([
  ["metrics", "metric"],
  ["metric", "metric"],
  ["params", "param"],
  ["param", "param"],
  ["parameters", "param"],
  ["tags", "tag"],
  ["tag", "tag"],
  ["attributes", "attribute"],
  ["attribute", "attribute"],
  ["attr", "attribute"],
  ["run", "attribute"],
]);

const ATTRIBUTE_ALIASES: ReadonlyMap<string, RunAttribute> = new Map([
  ...RUN_ATTRIBUTES.map((a) => [a, a] as const),
  ["name", "run_name"],
  ["id", "run_id"],
  ["started", "start_time"],
  ["finished", "end_time"],
  ["created_at", "created"],
  ["creation_time", "created"],
]);

const CANONICAL_PREFIX: Record<FilterEntity, string> = { metric: "metrics", param: "params", tag: "tags", attribute: "attributes" };

/** Attributes holding epoch milliseconds; every other attribute holds a string. */
const TIME_ATTRIBUTES: ReadonlySet<string> = new Set<RunAttribute>(["start_time", "end_time", "created"]);
/** The attributes IN / NOT IN work on, as in MLflow (which allows them on run_id). */
const LIST_ATTRIBUTES: ReadonlySet<string> = new Set<RunAttribute>(["status", "run_id"]);

const COMPARISONS: readonly FilterOp[] = ["=", "!=", ">", ">=", "<", "<="];
const STRING_OPS: readonly FilterOp[] = ["=", "!=", "LIKE", "ILIKE"];
const ALL_OPS = "=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN";

// Longest first, so `>=` is not read as `>` followed by a value starting with `=`.
const SYMBOL_OPS: readonly (readonly [string, FilterOp])[] = [
  ["==", "="],
  ["!=", "!="],
  ["<>", "!="],
  [">=", ">="],
  ["<=", "<="],
  ["=", "="],
  [">", ">"],
  ["<", "<"],
];

// All sticky: each must match exactly where the cursor stands.
const WORD_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
/** A field head: an entity before a dot, or a bare attribute. Wider than WORD so `val-loss` is reported whole. */
const HEAD_RE = /[A-Za-z_][A-Za-z0-9_\-/:]*/y;
/** Unquoted keys; letters and digits are Unicode ones, as in the names `checkTrackingKey` accepts. */
const KEY_RE = /[\p{L}\p{N}_.\-/:]+/uy;
const NUMBER_RE = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
/** A character that would glue onto a number (`10abc`, `1.2.3`), making the whole token not a number. */
const NUMBER_TAIL_RE = /[A-Za-z0-9_.]/;
const BARE_KEY_RE = /^[\p{L}\p{N}_.\-/:]+$/u;
const SPACE_RE = /\s/;

class FilterSyntaxError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.position = position;
  }
}

function fail(message: string, position: number): never {
  throw new FilterSyntaxError(message, position);
}

interface Cursor {
  readonly text: string;
  pos: number;
}

interface Field {
  entity: FilterEntity;
  key: string;
  /** The field as written, for messages. */
  raw: string;
}

type ValueToken =
  | { kind: "number"; value: number; start: number }
  | { kind: "string"; value: string; start: number }
  | { kind: "word"; value: string; start: number };

/**
 * Parses a filter into clauses joined by AND. Empty or whitespace-only text is zero clauses
 * (match every run). Errors carry the 0-based offset in `text` where the problem starts.
 */
export function parseRunFilter(text: string): FilterResult {
  const c: Cursor = { text, pos: 0 };
  try {
    const clauses: FilterClause[] = [];
    skipSpace(c);
    while (!atEnd(c)) {
      const start = c.pos;
      clauses.push(parseClause(c));
      const clauseText = text.slice(start, c.pos);
      skipSpace(c);
      if (atEnd(c)) break;
      expectAnd(c, clauseText);
    }
    return { ok: true, clauses };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { ok: false, message: error.message, position: error.position };
    throw error;
  }
}

/** Parses one ordering term: `<field> [ASC|DESC]`, ascending by default. */
export function parseOrderBy(text: string): OrderByResult {
  const c: Cursor = { text, pos: 0 };
  try {
    skipSpace(c);
    if (atEnd(c)) fail("expected a field to order by, such as metrics.accuracy DESC", c.pos);
    const field = parseField(c);
    skipSpace(c);
    let desc = false;
    if (!atEnd(c)) {
      const at = c.pos;
      const word = readSticky(c, WORD_RE)?.toUpperCase();
      if (word !== "ASC" && word !== "DESC") fail(`${field.raw}: expected ASC, DESC or the end, got ${showToken(text, at)}`, at);
      desc = word === "DESC";
      skipSpace(c);
      if (!atEnd(c)) fail(`unexpected ${showToken(text, c.pos)} after '${text.slice(0, at).trim()} ${word}'`, c.pos);
    }
    return { ok: true, value: { entity: field.entity, key: field.key, desc } };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { ok: false, message: error.message, position: error.position };
    throw error;
  }
}

/** Canonical text of a clause (`metrics.accuracy > 0.9`); parsing it gives the clause back. */
export function describeClause(clause: FilterClause): string {
  const value = Array.isArray(clause.value) ? `(${clause.value.map(formatValue).join(", ")})` : formatValue(clause.value);
  return `${CANONICAL_PREFIX[clause.entity]}.${formatKey(clause.key)} ${clause.op} ${value}`;
}

/** Operators a field accepts; anything else is rejected at the operator. */
export function allowedOps(entity: FilterEntity, key: string): readonly FilterOp[] {
  switch (entity) {
    case "metric":
      return COMPARISONS;
    case "param":
    case "tag":
      return [...COMPARISONS, "LIKE", "ILIKE"];
    case "attribute":
      if (TIME_ATTRIBUTES.has(key)) return COMPARISONS;
      return LIST_ATTRIBUTES.has(key) ? [...STRING_OPS, "IN", "NOT IN"] : STRING_OPS;
  }
}

type Expected = "number" | "integer" | "string" | "string or number";

/**
 * The value type a field and operator need. Params and tags are stored as text, but a number
 * there is accepted as a convenience beyond MLflow (`params.lr = 0.01`, `params.epochs > 5`):
 * the SQL side then compares numerically. Time attributes are epoch milliseconds, as in MLflow.
 */
function expectedValue(entity: FilterEntity, key: string, op: FilterOp): Expected {
  switch (entity) {
    case "metric":
      return "number";
    case "param":
    case "tag":
      return op === "LIKE" || op === "ILIKE" ? "string" : "string or number";
    case "attribute":
      return TIME_ATTRIBUTES.has(key) ? "integer" : "string";
  }
}

function parseClause(c: Cursor): FilterClause {
  const start = c.pos;
  const field = parseField(c);
  skipSpace(c);
  const opStart = c.pos;
  const op = parseOperator(c, field);
  const allowed = allowedOps(field.entity, field.key);
  if (!allowed.includes(op)) {
    const listHint = op === "IN" || op === "NOT IN" ? " (IN and NOT IN work on attributes.status and attributes.run_id)" : "";
    fail(`${field.raw}: ${op} is not supported for ${subject(field)}; use ${allowed.join(", ")}${listHint}`, opStart);
  }
  skipSpace(c);
  if (op === "IN" || op === "NOT IN") return { entity: field.entity, key: field.key, op, value: parseList(c, field, op, start) };
  if (c.text[c.pos] === "(") fail(`${field.raw}: a parenthesised list can only follow IN or NOT IN`, c.pos);
  const token = readValue(c, start);
  return { entity: field.entity, key: field.key, op, value: checkValue(field, op, token) };
}

function parseField(c: Cursor): Field {
  const start = c.pos;
  const ch = c.text[c.pos];
  if (ch === "(") fail("parentheses are not supported; combine conditions with AND", start);
  const head = readSticky(c, HEAD_RE);
  if (head === null) fail(`expected a field such as metrics.accuracy, got ${showToken(c.text, start)}`, start);
  if (c.text[c.pos] !== ".") return bareAttribute(c, head, start);
  const entity = ENTITY_PREFIXES.get(head.toLowerCase());
  if (entity === undefined) {
    fail(`unknown entity '${head}' in ${showToken(c.text, start)}; use metrics., params., tags. or attributes.`, start);
  }
  c.pos++;
  const keyStart = c.pos;
  const key = readKey(c, head);
  const raw = c.text.slice(start, c.pos);
  if (entity !== "attribute") return { entity, key, raw };
  return { entity, key: attributeName(key, raw, keyStart), raw };
}

function bareAttribute(c: Cursor, head: string, start: number): Field {
  const lower = head.toLowerCase();
  if (lower === "and" || lower === "or") fail(`expected a condition, got '${head}'`, start);
  const name = ATTRIBUTE_ALIASES.get(lower);
  if (name === undefined) {
    fail(
      `unknown field '${head}': use metrics.<key>, params.<key>, tags.<key> or an attribute (${RUN_ATTRIBUTES.join(", ")})`,
      start,
    );
  }
  return { entity: "attribute", key: name, raw: head };
}

function attributeName(key: string, raw: string, position: number): RunAttribute {
  const name = ATTRIBUTE_ALIASES.get(key.toLowerCase());
  if (name === undefined) fail(`${raw}: unknown attribute '${key}'; attributes are ${RUN_ATTRIBUTES.join(", ")}`, position);
  return name;
}

function readKey(c: Cursor, head: string): string {
  const start = c.pos;
  const ch = c.text[c.pos];
  if (ch === "`" || ch === '"') {
    const key = readQuoted(c);
    if (key === "") fail(`${c.text.slice(start - head.length - 1, c.pos)}: the key is empty`, start);
    return key;
  }
  const key = readSticky(c, KEY_RE);
  if (key === null) fail(`expected a key after '${head}.', got ${showToken(c.text, start)}`, start);
  return key;
}

function parseOperator(c: Cursor, field: Field): FilterOp {
  const start = c.pos;
  if (atEnd(c)) fail(`${field.raw}: missing operator (${ALL_OPS})`, start);
  for (const [symbol, op] of SYMBOL_OPS) {
    if (c.text.startsWith(symbol, start)) {
      c.pos += symbol.length;
      return op;
    }
  }
  const word = readSticky(c, WORD_RE)?.toUpperCase();
  if (word === "LIKE" || word === "ILIKE" || word === "IN") return word;
  if (word === "NOT") {
    skipSpace(c);
    const next = c.pos;
    if (readSticky(c, WORD_RE)?.toUpperCase() === "IN") return "NOT IN";
    fail(`${field.raw}: expected IN after NOT, got ${showToken(c.text, next)}`, next);
  }
  if (word === "AND" || word === "OR") fail(`${field.raw}: missing operator (${ALL_OPS}) before ${word}`, start);
  fail(`${field.raw}: expected an operator (${ALL_OPS}), got ${showToken(c.text, start)}`, start);
}

function parseList(c: Cursor, field: Field, op: FilterOp, clauseStart: number): FilterValue[] {
  const open = c.pos;
  if (c.text[open] !== "(") {
    fail(`${field.raw}: ${op} needs a parenthesised list such as ('a', 'b'), got ${showToken(c.text, open)}`, open);
  }
  c.pos++;
  skipSpace(c);
  if (c.text[c.pos] === ")") fail(`${field.raw}: the ${op} list is empty`, open);
  const values: FilterValue[] = [];
  for (;;) {
    skipSpace(c);
    const token = readValue(c, clauseStart);
    const value = checkValue(field, op, token);
    if (!values.includes(value)) values.push(value);
    skipSpace(c);
    const ch = c.text[c.pos];
    if (ch === ")") {
      c.pos++;
      return values;
    }
    if (ch !== ",") fail(`${field.raw}: expected ',' or ')' in the ${op} list, got ${showToken(c.text, c.pos)}`, c.pos);
    c.pos++;
  }
}

/** Reads a number, a quoted string or (for messages) a bare word of the clause starting at `clauseStart`. */
function readValue(c: Cursor, clauseStart: number): ValueToken {
  const start = c.pos;
  const missing = () => fail(`missing value after '${c.text.slice(clauseStart, start).trim()}'`, start);
  if (atEnd(c)) missing();
  const ch = c.text[start];
  if (ch === "'" || ch === '"') return { kind: "string", value: readQuoted(c), start };
  if (ch === "`") fail("backticks quote keys, not values; write values in 'single quotes'", start);
  const number = readSticky(c, NUMBER_RE);
  if (number !== null && !NUMBER_TAIL_RE.test(c.text[c.pos] ?? "")) {
    const value = Number(number);
    if (!Number.isFinite(value)) fail(`number out of range: ${number}`, start);
    return { kind: "number", value: value === 0 ? 0 : value, start };
  }
  c.pos = start;
  const word = readSticky(c, /[^\s(),'"`]+/y) ?? "";
  const upper = word.toUpperCase();
  if (word === "" || upper === "AND" || upper === "OR") missing();
  return { kind: "word", value: word, start };
}

function checkValue(field: Field, op: FilterOp, token: ValueToken): FilterValue {
  const expected = expectedValue(field.entity, field.key, op);
  if (token.kind === "string" && (expected === "string" || expected === "string or number")) return token.value;
  if (token.kind === "number") {
    if (expected === "number" || expected === "string or number") return token.value;
    if (expected === "integer" && Number.isSafeInteger(token.value)) return token.value;
  }
  const what: Record<Expected, string> = {
    number: "a number",
    integer: "a time in epoch milliseconds (an integer)",
    string: op === "LIKE" || op === "ILIKE" ? `a quoted string pattern for ${op}` : "a quoted string",
    "string or number": "a number or a quoted string",
  };
  const got = token.kind === "string" ? formatString(token.value) : token.kind === "number" ? String(token.value) : token.value;
  const hint = token.kind === "word" && expected !== "number" && expected !== "integer" ? ` (write ${formatString(token.value)})` : "";
  fail(`${field.raw}: expected ${what[expected]}, got ${got}${hint}`, token.start);
}

/** After a clause only AND (or the end) may follow; OR gets its own message. */
function expectAnd(c: Cursor, clauseText: string): void {
  const at = c.pos;
  const word = readSticky(c, WORD_RE)?.toUpperCase();
  if (word === "AND") {
    skipSpace(c);
    if (atEnd(c)) fail("expected a condition after AND", c.pos);
    return;
  }
  if (word === "OR" || c.text.startsWith("||", at)) fail("OR is not supported; combine conditions with AND", at);
  fail(`unexpected ${showToken(c.text, at)} after '${clauseText}'; conditions are joined with AND`, at);
}

/**
 * Reads a quoted string or key starting at the cursor's quote character. A backslash escapes
 * the quote or a backslash; a doubled quote is one quote; other backslashes are kept.
 */
function readQuoted(c: Cursor): string {
  const start = c.pos;
  const quote = c.text[start] ?? "";
  let out = "";
  let i = start + 1;
  while (i < c.text.length) {
    const ch = c.text[i] ?? "";
    const next = c.text[i + 1];
    if (ch === "\\" && (next === quote || next === "\\")) {
      out += next;
      i += 2;
    } else if (ch === quote && next === quote) {
      out += quote;
      i += 2;
    } else if (ch === quote) {
      c.pos = i + 1;
      return out;
    } else {
      out += ch;
      i++;
    }
  }
  fail(`unterminated string: missing closing ${quote}`, start);
}

function subject(field: Field): string {
  return field.entity === "attribute" ? `attributes.${field.key}` : CANONICAL_PREFIX[field.entity];
}

function formatKey(key: string): string {
  return BARE_KEY_RE.test(key) ? key : `\`${escapeQuoted(key, "`")}\``;
}

function formatValue(value: FilterValue): string {
  return typeof value === "number" ? String(value) : formatString(value);
}

function formatString(value: string): string {
  return `'${escapeQuoted(value, "'")}'`;
}

/** Escapes only what readQuoted would otherwise misread, so `'50\%'` stays readable. */
function escapeQuoted(value: string, quote: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? "";
    const next = value[i + 1];
    if (ch === quote) out += `\\${quote}`;
    else if (ch === "\\" && (next === undefined || next === "\\" || next === quote)) out += "\\\\";
    else out += ch;
  }
  return out;
}

/** The token at `pos` for messages: quoted and shortened, "whitespace", or "the end of the filter". */
function showToken(text: string, pos: number): string {
  if (pos >= text.length) return "the end of the filter";
  if (SPACE_RE.test(text[pos] ?? "")) return "whitespace";
  const token = /\S+/y;
  token.lastIndex = pos;
  const word = token.exec(text)?.[0] ?? "";
  return `'${word.length > 24 ? `${word.slice(0, 24)}…` : word}'`;
}

function readSticky(c: Cursor, re: RegExp): string | null {
  re.lastIndex = c.pos;
  const m = re.exec(c.text);
  if (m === null) return null;
  c.pos += m[0].length;
  return m[0];
}

function skipSpace(c: Cursor): void {
  while (c.pos < c.text.length && SPACE_RE.test(c.text[c.pos] ?? "")) c.pos++;
}

function atEnd(c: Cursor): boolean {
  return c.pos >= c.text.length;
}

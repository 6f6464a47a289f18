/**
 * The tokenizer shared by MLflow's search filters (experiments, registered models, model
 * versions): a cursor over the filter text, and syntax failures carrying the message shown.
 */
export const STRING_OPS = ["=", "!=", "LIKE", "ILIKE"] as const;
export const NUMERIC_OPS = ["=", "!=", ">", ">=", "<", "<="] as const;
export const SYMBOLS = ["!=", ">=", "<=", "=", ">", "<"] as const;

export class SyntaxFailure extends Error {}

export const fail = (message: string): never => {
  throw new SyntaxFailure(message);
};

/** A filter's left-hand side: an attribute (`name`, `attributes.name`) or a tag (`tags.<key>`). */
export type Field = { kind: "attribute"; key: string } | { kind: "tag"; key: string };

/** What a filter accepts and how it words refusals (experiments and the registry differ). */
export interface FieldRules {
  keys: readonly string[];
  /** Completes "parentheses are not supported …". */
  where: string;
  /** What was expected when no name is there. */
  expected: string;
  invalidEntity: (head: string) => string;
  invalidKey: (key: string) => string;
}

export function parseField(c: Cursor, rules: FieldRules): Field {
  if (c.text[c.pos] === "(") fail(`parentheses are not supported ${rules.where}; combine conditions with AND`);
  const head = c.read(/[A-Za-z_][A-Za-z0-9_]*/);
  if (head === null) return fail(`expected ${rules.expected}, got ${c.peek()}`);
  const lower = head.toLowerCase();
  const checked = (key: string) => (rules.keys.includes(key) ? key : fail(rules.invalidKey(key)));
  if (c.text[c.pos] === ".") {
    c.pos++;
    if (lower === "tag" || lower === "tags") {
      const ch = c.text[c.pos];
      const key = ch === "`" || ch === '"' ? c.quoted() : c.read(/[A-Za-z0-9_.\-/:]+/);
      if (key === null || key === "") return fail(`expected a tag key after '${head}.'`);
      return { kind: "tag", key };
    }
    if (lower === "attribute" || lower === "attributes") {
      const key = c.read(/[A-Za-z_][A-Za-z0-9_]*/);
      if (key === null) return fail(`expected an attribute after '${head}.'`);
      return { kind: "attribute", key: checked(key.toLowerCase()) };
    }
    return fail(rules.invalidEntity(head));
  }
  return { kind: "attribute", key: checked(lower) };
}

export class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  read(re: RegExp): string | null {
    const sticky = new RegExp(re.source, "y");
    sticky.lastIndex = this.pos;
    const m = sticky.exec(this.text);
    if (!m) return null;
    this.pos += m[0].length;
    return m[0];
  }

  /** The next token for messages. */
  peek(): string {
    if (this.atEnd()) return "the end";
    const m = /\S+/y;
    m.lastIndex = this.pos;
    const word = m.exec(this.text)?.[0] ?? "";
    return `'${word.length > 24 ? `${word.slice(0, 24)}…` : word}'`;
  }

  quoted(): string {
    const quote = this.text[this.pos]!;
    let out = "";
    let i = this.pos + 1;
    while (i < this.text.length) {
      const ch = this.text[i]!;
      if (ch === "\\" && (this.text[i + 1] === quote || this.text[i + 1] === "\\")) {
        out += this.text[i + 1];
        i += 2;
      } else if (ch === quote) {
        this.pos = i + 1;
        return out;
      } else {
        out += ch;
        i++;
      }
    }
    return fail(`unterminated string starting at character ${this.pos + 1}: missing closing ${quote}`);
  }

  /** A quoted string value (single or double quotes). */
  string(field: string): string {
    const ch = this.text[this.pos];
    if (ch !== "'" && ch !== '"') return fail(`${field}: expected a quoted string value such as 'abc', got ${this.peek()}`);
    return this.quoted();
  }
}

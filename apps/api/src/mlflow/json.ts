/**
 * JSON as MLflow clients write it and as MLflow's server answers.
 *
 * Python's `json.dumps` writes the bare tokens `NaN`, `Infinity` and `-Infinity` for
 * non-finite floats, which `JSON.parse` rejects. `parseJson` is a complete JSON parser that
 * also accepts those three tokens (outside strings only: it tokenizes, so a string value
 * such as "NaN in loss" is left alone) and gives them as the numbers NaN and ±Infinity.
 * Everything else follows `JSON.parse`: same grammar, duplicate keys keep the last value,
 * `__proto__` becomes an own property rather than a prototype.
 *
 * MLflow's server (protobuf's JSON mapping) writes non-finite doubles as the strings "NaN",
 * "Infinity" and "-Infinity"; `stringifyJson` does the same.
 */

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the text. */
    readonly position: number,
  ) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

/** Deeper nesting is rejected rather than risking the stack (MLflow bodies are 3 levels deep). */
export const MAX_JSON_DEPTH = 512;

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  parse(): unknown {
    this.skipSpace();
    const value = this.value(0);
    this.skipSpace();
    if (this.pos < this.text.length) this.unexpected();
    return value;
  }

  private value(depth: number): unknown {
    const ch = this.text[this.pos];
    switch (ch) {
      case "{":
        return this.object(depth + 1);
      case "[":
        return this.array(depth + 1);
      case '"':
        return this.string();
      case "t":
        return this.word("true", true);
      case "f":
        return this.word("false", false);
      case "n":
        return this.word("null", null);
      case "N":
        return this.word("NaN", NaN);
      case "I":
        return this.word("Infinity", Infinity);
      case "-":
        if (this.text[this.pos + 1] === "I") {
          this.pos++;
          return -(this.word("Infinity", Infinity) as number);
        }
        return this.number();
      default:
        if (ch !== undefined && ch >= "0" && ch <= "9") return this.number();
        return this.unexpected();
    }
  }

  private object(depth: number): Record<string, unknown> {
    if (depth > MAX_JSON_DEPTH) throw new JsonSyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, this.pos);
    this.pos++;
    const out: Record<string, unknown> = {};
    this.skipSpace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.unexpected("a property name in double quotes");
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ":") this.unexpected("':'");
      this.pos++;
      this.skipSpace();
      const value = this.value(depth);
      // As JSON.parse: an own property, never the prototype.
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.skipSpace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === "}") return out;
      if (next !== ",") {
        this.pos--;
        this.unexpected("',' or '}'");
      }
      this.skipSpace();
    }
  }

  private array(depth: number): unknown[] {
    if (depth > MAX_JSON_DEPTH) throw new JsonSyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, this.pos);
    this.pos++;
    const out: unknown[] = [];
    this.skipSpace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipSpace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === "]") return out;
      if (next !== ",") {
        this.pos--;
        this.unexpected("',' or ']'");
      }
      this.skipSpace();
    }
  }

  private string(): string {
    const text = this.text;
    let i = this.pos + 1;
    let out = "";
    let chunkStart = i;
    for (;;) {
      if (i >= text.length) throw new JsonSyntaxError("unterminated string", this.pos);
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        out += text.slice(chunkStart, i);
        this.pos = i + 1;
        return out;
      }
      if (code < 0x20) throw new JsonSyntaxError(`bad control character in string at position ${i}`, i);
      if (code === 0x5c) {
        out += text.slice(chunkStart, i);
        const esc = text[i + 1];
        if (esc === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JsonSyntaxError(`bad \\u escape in string at position ${i}`, i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          const replacement = esc === undefined ? undefined : ESCAPES[esc];
          if (replacement === undefined) throw new JsonSyntaxError(`bad escape in string at position ${i}`, i);
          out += replacement;
          i += 2;
        }
        chunkStart = i;
        continue;
      }
      i++;
    }
  }

  private number(): number {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m) return this.unexpected();
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private word<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) return this.unexpected();
    this.pos += word.length;
    return value;
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private unexpected(expected?: string): never {
    if (this.pos >= this.text.length) throw new JsonSyntaxError("unexpected end of JSON input", this.pos);
    const token = JSON.stringify(this.text.slice(this.pos, this.pos + 10).split(/[\s,:{}[\]]/)[0] || this.text[this.pos]);
    throw new JsonSyntaxError(`unexpected token ${token} at position ${this.pos}${expected ? `, expected ${expected}` : ""}`, this.pos);
  }
}

/** Parses JSON text that may contain NaN, Infinity and -Infinity outside strings. */
export function parseJson(text: string): unknown {
  // Most bodies have no such token anywhere: the native parser is faster and gives the same result.
  if (!text.includes("NaN") && !text.includes("Infinity")) {
    try {
      return JSON.parse(text);
    } catch {
      // Fall through for a message with a position from our own parser.
    }
  }
  return new Parser(text).parse();
}

function nonFiniteAsString(_key: string, value: unknown): unknown {
  if (typeof value !== "number" || Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

/** JSON text with non-finite numbers written as "NaN", "Infinity" and "-Infinity", as MLflow's server does. */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, nonFiniteAsString);
}

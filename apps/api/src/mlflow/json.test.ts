import { describe, expect, it } from "vitest";
import { JsonSyntaxError, MAX_JSON_DEPTH, parseJson, stringifyJson } from "./json.js";

describe("parseJson", () => {
  it("parses what JSON.parse parses, to the same value", () => {
    const samples = [
      '{"a":1,"b":[true,false,null],"c":"x\\"y\\\\z\\u00e9\\n","d":-1.5e-3,"e":{}}',
      "[]",
      '  "text"  ',
      "0",
      '{"a":1,"a":2}',
      '{"emoji":"\\ud83d\\ude00","slash":"\\/"}',
    ];
    for (const text of samples) expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it("reads Python's NaN, Infinity and -Infinity tokens as numbers", () => {
    const value = parseJson('{"metrics": [{"key": "loss", "value": NaN}, {"key": "a", "value": Infinity}, {"key": "b", "value": -Infinity}]}') as {
      metrics: { value: number }[];
    };
    expect(value.metrics.map((m) => m.value)).toEqual([NaN, Infinity, -Infinity]);
    expect(parseJson("[NaN,-Infinity]")).toEqual([NaN, -Infinity]);
  });

  it("leaves the words alone inside strings, escaped quotes included", () => {
    expect(parseJson('{"key": "NaN", "value": "a \\"NaN\\" and Infinity", "x": NaN}')).toEqual({ key: "NaN", value: 'a "NaN" and Infinity', x: NaN });
    expect(parseJson('["\\\\", NaN]')).toEqual(["\\", NaN]);
  });

  it("keeps __proto__ as an own property, as JSON.parse does", () => {
    const value = parseJson('{"__proto__": {"polluted": true}, "x": NaN}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__", "x"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["{not json", /unexpected token .*position 1/],
    ['{"a": nan}', /unexpected token/],
    ['{"a": NaNa}', /unexpected token/],
    ['{"a": -NaN}', /unexpected token/],
    ['{"a": Infinit}', /unexpected token/],
    ['{"a": 1,}', /unexpected token/],
    ['{"a": 01}', /unexpected token/],
    ['{"a": "x', /unterminated string/],
    ['{"a": "\\x"}', /bad escape/],
    ['{"a": "\\u12"}', /bad \\u escape/],
    ['["a\tb"]', /bad control character/],
    ['{"a": NaN', /unexpected end/],
    ["[NaN] x", /unexpected token/],
    ["", /unexpected end/],
  ])("rejects %j", (text, message) => {
    expect(() => parseJson(text)).toThrow(JsonSyntaxError);
    expect(() => parseJson(text)).toThrow(message);
  });

  it("limits nesting instead of overflowing the stack", () => {
    const deep = `${"[".repeat(MAX_JSON_DEPTH + 1)}NaN${"]".repeat(MAX_JSON_DEPTH + 1)}`;
    expect(() => parseJson(deep)).toThrow(/nested deeper/);
    const ok = `${"[".repeat(MAX_JSON_DEPTH)}NaN${"]".repeat(MAX_JSON_DEPTH)}`;
    expect(() => parseJson(ok)).not.toThrow();
  });

  it("reports where the error is", () => {
    try {
      parseJson('{"a": NaN, "b": ?}');
      expect.unreachable();
    } catch (error) {
      expect((error as JsonSyntaxError).position).toBe(16);
    }
  });
});

describe("stringifyJson", () => {
  it("writes non-finite numbers as MLflow's server does", () => {
    expect(stringifyJson({ a: NaN, b: Infinity, c: -Infinity, d: 1.5, e: [NaN], f: "NaN" })).toBe(
      '{"a":"NaN","b":"Infinity","c":"-Infinity","d":1.5,"e":["NaN"],"f":"NaN"}',
    );
  });
});

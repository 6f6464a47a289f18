import { describe, expect, it } from "vitest";
import { parseMetricValue, parseMetricsFile, parseTrackingLine, type TrackingCommand } from "./protocol.js";
import { TRACKING_LIMITS } from "./limits.js";

const errorOf = (line: string): string => {
  const parsed = parseTrackingLine(line);
  if (parsed?.kind !== "error") throw new Error(`expected an error for ${line}, got ${JSON.stringify(parsed)}`);
  return parsed.message;
};

describe("parseTrackingLine", () => {
  it("ignores ordinary lines cheaply, including look-alikes", () => {
    for (const line of ["", "epoch 3 accuracy=0.9", ":: metric name=a value=1", "::metrics name=a value=1", "::metric-x", " ::metric name=a value=1", "::warning something", "::", "::tagged"]) {
      expect(parseTrackingLine(line)).toBeNull();
    }
  });

  it("parses metrics with step and timestamp, fields in any order", () => {
    expect(parseTrackingLine("::metric name=accuracy value=0.93 step=3 timestamp=1700000000000")).toEqual({
      kind: "metric",
      key: "accuracy",
      value: 0.93,
      step: 3,
      timestamp: 1700000000000,
    });
    expect(parseTrackingLine("::metric step=-2 value=1e-3   name=loss")).toEqual({ kind: "metric", key: "loss", value: 0.001, step: -2 });
    expect(parseTrackingLine("::metric\tkey=val/acc\tvalue=.5")).toEqual({ kind: "metric", key: "val/acc", value: 0.5 });
  });

  it("accepts nan and infinities in any case", () => {
    const value = (text: string) => (parseTrackingLine(`::metric name=m value=${text}`) as { value: number }).value;
    expect(value("nan")).toBeNaN();
    expect(value("NaN")).toBeNaN();
    expect(value("inf")).toBe(Infinity);
    expect(value("+Inf")).toBe(Infinity);
    expect(value("-inf")).toBe(-Infinity);
    expect(value("-Infinity")).toBe(-Infinity);
    expect(parseMetricValue("1e400")).toBe(Infinity);
  });

  it("parses params and tags, with quoted values and escapes", () => {
    expect(parseTrackingLine("::param name=lr value=0.01")).toEqual({ kind: "param", key: "lr", value: "0.01" });
    expect(parseTrackingLine('::tag name=team value="vision research"')).toEqual({ kind: "tag", key: "team", value: "vision research" });
    expect(parseTrackingLine('::tag value="say \\"hi\\" \\\\ bye\\nnext" key=note')).toEqual({ kind: "tag", key: "note", value: 'say "hi" \\ bye\nnext' });
    expect(parseTrackingLine('::param name="batch size" value=""')).toEqual({ kind: "param", key: "batch size", value: "" });
    expect(parseTrackingLine("::param name=path value=C:\\data\\x")).toEqual({ kind: "param", key: "path", value: "C:\\data\\x" });
    expect(parseTrackingLine('::metric name=m value="2.5"')).toEqual({ kind: "metric", key: "m", value: 2.5 });
  });

  it("reports malformed tracking lines with the command and the problem", () => {
    const cases: [string, RegExp][] = [
      ["::metric", /^::metric: name= is missing/],
      ["::metric name=acc", /value= is missing/],
      ["::metric value=1", /name= is missing/],
      ["::metric name=acc value=high", /acc: value must be a number.*"high"/],
      ["::metric name=acc value=0x1F", /value must be a number/],
      ["::metric name=acc value=", /value must be a number \(or nan, inf, -inf\), got ""/],
      ["::metric name=acc value=1 step=1.5", /step must be an integer, got "1.5"/],
      ["::metric name=acc value=1 step=99999999999999999999", /step must be an integer/],
      ["::metric name=acc value=1 timestamp=-5", /timestamp must be milliseconds/],
      ["::metric name=acc value=1 epoch=3", /unknown field "epoch" \(expected name, value, step, timestamp\)/],
      ["::param name=lr value=1 step=3", /^::param: unknown field "step" \(expected name, value\)/],
      ["::metric name=a key=b value=1", /name \(or key\) is given twice/],
      ["::metric name=a value=1 value=2", /value is given twice/],
      ["::metric name=a value=1 garbage", /expected field=value, got "garbage"/],
      ['::tag name=t value="open', /no closing quote/],
      ['::tag name=t value="a"b', /expected a space after the quoted value of value/],
      ['::tag name=t value="a\\tb"', /unknown escape \\t/],
      ['::tag name=t value="a\\', /unknown escape \\ at the end|no closing quote/],
      ["::tag name= value=x", /^::tag: invalid tag name ""/],
      ["::metric name=a//b value=1", /^::metric: invalid metric name "a\/\/b"/],
      ["::param name=lr! value=1", /^::param: invalid param name "lr!"/],
    ];
    for (const [line, pattern] of cases) expect(errorOf(line), line).toMatch(pattern);
  });

  it("applies the tracking limits to names and values", () => {
    const longKey = "k".repeat(TRACKING_LIMITS.keyLength + 1);
    expect(errorOf(`::metric name=${longKey} value=1`)).toMatch(/^::metric: invalid metric name/);
    expect(parseTrackingLine(`::metric name=${"k".repeat(TRACKING_LIMITS.keyLength)} value=1`)?.kind).toBe("metric");
    expect(errorOf(`::param name=p value=${"v".repeat(TRACKING_LIMITS.paramValueLength + 1)}`)).toMatch(/^::param: p: /);
    expect(parseTrackingLine(`::param name=p value=${"v".repeat(TRACKING_LIMITS.paramValueLength)}`)?.kind).toBe("param");
    expect(errorOf(`::tag name=t value=${"v".repeat(TRACKING_LIMITS.tagValueLength + 1)}`)).toMatch(/^::tag: t: /);
  });

  it("round-trips any value quoted the way the Python helper quotes it", () => {
    const quote = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
    for (const value of ["", "plain", "two words", 'a "quoted" word', "back\\slash\\", "line\nbreak", "tab\there", "ünïcödé ✓", '\\"', "trailing\r"]) {
      const parsed = parseTrackingLine(`::tag name=t value=${quote(value)}`) as TrackingCommand;
      expect(parsed, JSON.stringify(value)).toEqual({ kind: "tag", key: "t", value });
    }
  });
});

describe("parseMetricsFile", () => {
  it("reads a flat object of numbers", () => {
    expect(parseMetricsFile('{"accuracy": 0.93, "f1": 0.9}')).toEqual({ ok: true, metrics: [{ key: "accuracy", value: 0.93 }, { key: "f1", value: 0.9 }] });
    expect(parseMetricsFile("{}")).toEqual({ ok: true, metrics: [] });
    // A metric may be called "metrics" as long as it is a number.
    expect(parseMetricsFile('{"metrics": 1}')).toEqual({ ok: true, metrics: [{ key: "metrics", value: 1 }] });
  });

  it("reads a list with name or key, optional step and timestamp", () => {
    expect(parseMetricsFile('[{"name": "accuracy", "value": 0.93, "step": 3}, {"key": "loss", "value": 0.1, "timestamp": 1700000000000}]')).toEqual({
      ok: true,
      metrics: [
        { key: "accuracy", value: 0.93, step: 3 },
        { key: "loss", value: 0.1, timestamp: 1700000000000 },
      ],
    });
  });

  it("reads Kubeflow's metrics format", () => {
    expect(parseMetricsFile('{"metrics": [{"name": "accuracy-score", "numberValue": 0.9, "format": "PERCENTAGE"}]}')).toEqual({
      ok: true,
      metrics: [{ key: "accuracy-score", value: 0.9 }],
    });
  });

  it("accepts NaN and Infinity as Python's json module writes them, but not inside strings", () => {
    const result = parseMetricsFile('{"loss": NaN, "gain": Infinity, "drop": -Infinity, "ok": 1}');
    expect(result.ok).toBe(true);
    const values = result.ok ? result.metrics.map((m) => m.value) : [];
    expect(values[0]).toBeNaN();
    expect(values.slice(1)).toEqual([Infinity, -Infinity, 1]);
    expect(parseMetricsFile('{"metrics": [{"name": "NaN Infinity", "numberValue": NaN, "format": "\\"NaN\\""}]}')).toMatchObject({ ok: true, metrics: [{ key: "NaN Infinity" }] });
    expect(parseMetricsFile('{"note": "NaN"}')).toMatchObject({ ok: false, message: expect.stringContaining('"note": expected a number, got a string') });
    expect(parseMetricsFile("{loss: NaN}")).toMatchObject({ ok: false, message: expect.stringMatching(/^not valid JSON/) });
  });

  it("explains every other shape", () => {
    const message = (text: string) => {
      const r = parseMetricsFile(text);
      if (r.ok) throw new Error(`expected a failure for ${text}`);
      return r.message;
    };
    expect(message("")).toMatch(/^not valid JSON/);
    expect(message("accuracy=0.9")).toMatch(/^not valid JSON/);
    expect(message("0.93")).toMatch(/expected \{"accuracy": 0.93.*got a number/);
    expect(message("null")).toMatch(/got null/);
    expect(message('{"accuracy": "0.9"}')).toMatch(/"accuracy": expected a number, got a string/);
    expect(message('{"accuracy": {"value": 1}}')).toMatch(/"accuracy": expected a number, got an object/);
    expect(message('{"a": true}')).toMatch(/"a": expected a number, got a boolean/);
    expect(message('{"": 1}')).toMatch(/invalid metric name ""/);
    expect(message('[{"name": "a"}]')).toMatch(/^\[0\]\.value: expected a number, got nothing/);
    expect(message('[{"value": 1}]')).toMatch(/^\[0\]\.name: expected a string/);
    expect(message('[{"name": "a", "key": "b", "value": 1}]')).toMatch(/give name or key, not both/);
    expect(message('[{"name": "a", "value": 1, "epoch": 2}]')).toMatch(/unknown field "epoch"/);
    expect(message('[{"name": "a", "value": 1, "step": 0.5}]')).toMatch(/\[0\]\.step: expected an integer, got 0.5/);
    expect(message('[{"name": "a", "value": 1, "timestamp": -1}]')).toMatch(/\[0\]\.timestamp: expected a non-negative integer/);
    expect(message("[1]")).toMatch(/\[0\]: expected an object/);
    expect(message('{"metrics": [{"name": "a", "value": 1}]}')).toMatch(/metrics\[0\]: unknown field "value"/);
    expect(message('{"metrics": [{"name": "a", "numberValue": "1"}]}')).toMatch(/metrics\[0\]\.numberValue: expected a number/);
    expect(message('{"metrics": [], "other": 1}')).toMatch(/unexpected key "other"/);
    expect(message(`{"${"k".repeat(TRACKING_LIMITS.keyLength + 1)}": 1}`)).toMatch(/invalid metric name/);
  });
});

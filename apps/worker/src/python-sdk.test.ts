import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkTrackingKey, parseTrackingLine } from "@trellis/tracking";
import { findPythonSdkDir } from "./prepare-step.js";

const sdkDir = findPythonSdkDir();

/** Runs Python code with the helper importable; returns its stdout. */
function python(code: string, input: unknown = null): string {
  return execFileSync("python3", ["-c", code], {
    env: { ...process.env, PYTHONPATH: sdkDir!, TRELLIS_TEST_INPUT: JSON.stringify(input) },
    encoding: "utf8",
  });
}

describe("the Python helper (sdk/python/trellis)", () => {
  it("is found from the worker's sources", () => {
    expect(sdkDir).toBe(path.resolve("sdk/python"));
  });

  it("prints lines that the worker parses back to exactly what was logged", () => {
    const values = ["", "plain", "two words", 'say "hi"', "back\\slash\\", "line\nbreak", "tab\there", "ünïcödé ✓", '"leading quote', "trailing\r"];
    const out = python(
      [
        "import json, os",
        "from trellis import log_metric, log_metrics, log_param, log_params, set_tag, set_tags",
        "values = json.loads(os.environ['TRELLIS_TEST_INPUT'])",
        "print('ordinary output')",
        "log_metric('val acc', 0.93, step=3, timestamp=1700000000000)",
        "log_metrics({'nan': float('nan'), 'pos': float('inf'), 'neg': float('-inf'), 'tiny': 1e-300, 'int': 7, 'flag': True}, step=2.0)",
        "log_params({'p%d' % i: v for i, v in enumerate(values)})",
        "log_param('bool', False)",
        "set_tags({'t%d' % i: v for i, v in enumerate(values)})",
        "set_tag('mlflow.runName', 'name')",
      ].join("\n"),
      values,
    );
    const lines = out.split("\n").slice(0, -1);
    expect(lines[0]).toBe("ordinary output");
    const commands = lines.slice(1).map((line) => parseTrackingLine(line));
    expect(commands[0]).toEqual({ kind: "metric", key: "val acc", value: 0.93, step: 3, timestamp: 1700000000000 });
    const metrics = commands.slice(1, 7) as { key: string; value: number; step: number }[];
    expect(metrics.map((m) => m.key)).toEqual(["nan", "pos", "neg", "tiny", "int", "flag"]);
    expect(metrics[0]!.value).toBeNaN();
    expect(metrics.slice(1).map((m) => m.value)).toEqual([Infinity, -Infinity, 1e-300, 7, 1]);
    expect(metrics.every((m) => m.step === 2)).toBe(true);
    const texts = commands.slice(7);
    expect(texts).toEqual([
      ...values.map((value, i) => ({ kind: "param", key: `p${i}`, value })),
      { kind: "param", key: "bool", value: "False" },
      ...values.map((value, i) => ({ kind: "tag", key: `t${i}`, value })),
      { kind: "tag", key: "mlflow.runName", value: "name" },
    ]);
  });

  it("accepts and rejects the same names as the worker, with a ValueError", () => {
    const keys = ["acc", "val/acc", "with space", "a.b-c_d", "ünï", "x".repeat(250), "x".repeat(251), "", "a//b", "a/", "./a", "/a", "../a", "..", ".", "a/../b", "a:b", "a!", "tab\tkey", "emoji✓"];
    const out = python(
      [
        "import json, os",
        "from trellis import log_metric",
        "for key in json.loads(os.environ['TRELLIS_TEST_INPUT']):",
        "    try:",
        "        log_metric(key, 1)",
        "    except ValueError as err:",
        "        print('rejected', str(err).startswith('invalid metric name'))",
      ].join("\n"),
      keys,
    );
    const verdicts = out.split("\n").slice(0, -1).map((line) => (line.startsWith("::metric") ? "accepted" : line));
    expect(verdicts).toEqual(keys.map((key) => (checkTrackingKey("metric", key) === null ? "accepted" : "rejected True")));
  });

  it("refuses non-numbers and values over the length limits before printing anything", () => {
    const out = python(
      [
        "from trellis import log_metric, log_metrics, log_param, set_tag",
        "cases = [lambda: log_metric('a', '0.5'), lambda: log_metric('a', None), lambda: log_metric('a', 1, step=1.5),",
        "         lambda: log_metrics({'ok': 1, 'bad!': 2}), lambda: log_param('p', 'x' * 6001), lambda: set_tag('t', 'x' * 8001)]",
        "for case in cases:",
        "    try:",
        "        case()",
        "    except (TypeError, ValueError) as err:",
        "        print(type(err).__name__)",
      ].join("\n"),
    );
    expect(out.split("\n").slice(0, -1)).toEqual(["TypeError", "TypeError", "TypeError", "ValueError", "ValueError", "ValueError"]);
  });
});

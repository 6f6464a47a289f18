import { describe, expect, it } from "vitest";
import { parseArgs, parseParam, resolveConfig, UsageError } from "./args.js";

describe("parseArgs", () => {
  it("parses push", () => {
    expect(parseArgs(["push", "examples/hello"])).toEqual({ options: {}, command: { name: "push", dir: "examples/hello" } });
  });

  it("parses run with params, version and wait", () => {
    const { command } = parseArgs(["run", "churn-training", "-p", "day=2024-01-01", "--param", "lr=0.1", "-pseed=7", "--version", "3", "--wait"]);
    expect(command).toEqual({ name: "run", pipeline: "churn-training", params: { day: "2024-01-01", lr: "0.1", seed: "7" }, version: 3, wait: true });
  });

  it("keeps everything after the first = in a param value, and lets the last one win", () => {
    const { command } = parseArgs(["run", "p", "-p", "q=a=b", "-p", "x=1", "-p", "x=2", "-p", "empty="]);
    expect(command).toMatchObject({ params: { q: "a=b", x: "2", empty: "" }, wait: false });
    expect(command).not.toHaveProperty("version");
  });

  it("accepts --flag=value and global options anywhere", () => {
    const parsed = parseArgs(["--api=http://h:1", "status", "r1", "--project", "team"]);
    expect(parsed).toEqual({ options: { api: "http://h:1", project: "team" }, command: { name: "status", runId: "r1", json: false } });
    expect(parseArgs(["status", "r1", "--json"]).command).toEqual({ name: "status", runId: "r1", json: true });
  });

  it("parses logs with and without -f", () => {
    expect(parseArgs(["logs", "r1", "train"]).command).toEqual({ name: "logs", runId: "r1", step: "train", follow: false });
    expect(parseArgs(["logs", "-f", "r1", "train"]).command).toEqual({ name: "logs", runId: "r1", step: "train", follow: true });
    expect(parseArgs(["logs", "r1", "train", "--follow"]).command).toMatchObject({ follow: true });
    expect(parseArgs(["logs", "r1", "train", "--attempt", "2"]).command).toEqual({ name: "logs", runId: "r1", step: "train", follow: false, attempt: 2 });
  });

  it("treats everything after -- as positional", () => {
    expect(parseArgs(["logs", "--", "r1", "-weird-step"]).command).toEqual({ name: "logs", runId: "r1", step: "-weird-step", follow: false });
  });

  it("returns help for no command, help, -h and --help", () => {
    expect(parseArgs([]).command).toEqual({ name: "help", topic: undefined });
    expect(parseArgs(["help"]).command).toEqual({ name: "help", topic: undefined });
    expect(parseArgs(["run", "--help"]).command).toEqual({ name: "help", topic: "run" });
    expect(parseArgs(["-h"]).command.name).toBe("help");
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["push"], /push: missing DIR/],
    [["push", "a", "b"], /unexpected argument "b"/],
    [["logs", "r1"], /logs: missing STEP/],
    [["run", "p", "-p"], /-p needs a value/],
    [["run", "p", "-p", "novalue"], /-p expects key=value/],
    [["run", "p", "-p", "=v"], /-p expects key=value/],
    [["run", "p", "--version", "0"], /positive whole number/],
    [["run", "p", "--version", "1.5"], /positive whole number/],
    [["status", "r1", "-f"], /unknown option -f for "status"/],
    [["logs", "r1", "s", "--attempt", "x"], /--attempt expects a positive whole number/],
    [["push", "d", "--wait"], /unknown option --wait/],
    [["run", "p", "--wait=yes"], /does not take a value/],
    [["status", "r1", "--project="], /--project must not be empty/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe("parseParam", () => {
  it("splits at the first =", () => {
    expect(parseParam("a=b=c")).toEqual(["a", "b=c"]);
  });
});

describe("resolveConfig", () => {
  it("uses defaults", () => {
    expect(resolveConfig({}, {})).toEqual({ apiUrl: "http://localhost:4000", project: "default", webUrl: "http://localhost:3000", token: null });
  });

  it("reads the environment", () => {
    const env = { TRELLIS_API_URL: "http://api:4000/", TRELLIS_PROJECT: "ml", TRELLIS_WEB_URL: "https://trellis.example/", TRELLIS_TOKEN: " trl_pat_x " };
    expect(resolveConfig({}, env)).toEqual({ apiUrl: "http://api:4000", project: "ml", webUrl: "https://trellis.example", token: "trl_pat_x" });
  });

  it("prefers flags over the environment and strips a trailing /api/v1", () => {
    const config = resolveConfig({ api: "http://other:9/api/v1/", project: "p" }, { TRELLIS_API_URL: "http://api:4000", TRELLIS_PROJECT: "ml" });
    expect(config).toMatchObject({ apiUrl: "http://other:9", project: "p" });
  });

  it("rejects a URL that is not http(s)", () => {
    expect(() => resolveConfig({ api: "localhost:4000" }, {})).toThrow(UsageError);
    expect(() => resolveConfig({ api: "ftp://x" }, {})).toThrow(/not an http/);
  });
});

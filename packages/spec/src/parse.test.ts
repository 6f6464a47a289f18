import { describe, expect, it } from "vitest";
import { parsePipelineSpec, type PipelineSpec, type Result, type SpecIssue } from "./index.js";

const EXAMPLE = `
name: churn-training            # required
description: optional text
failFast: false
params:
  lr: { type: number, default: 0.01, description: "learning rate" }
  day: { type: string }                 # no default: required
steps:
  prepare:
    run: python3 prepare.py --day "\${{ params.day }}" --out "\${{ outputs.rows }}"
    outputs:
      rows: { type: dataset }
      count: { type: number }
  train:
    needs: [prepare]
    shell: python3
    script: |
      print("training on", "\${{ steps.prepare.outputs.rows }}")
    env: { SEED: "42" }
    retries: { limit: 2, backoff: exponential, delay: 1s, maxDelay: 1m }
    timeout: 10m
`;

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got:\n${r.issues.map((i) => `${i.path}: ${i.message}`).join("\n")}`);
  return r.value;
}

function issues(input: unknown): SpecIssue[] {
  const r = parsePipelineSpec(input);
  if (r.ok) throw new Error("expected validation issues");
  return r.issues;
}

function lines(input: unknown): string[] {
  return issues(input).map((i) => `${i.path}: ${i.message}`);
}

/** A minimal valid spec as an object, with `steps` replaced. */
function withSteps(steps: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: "p", ...extra, steps };
}

describe("parsePipelineSpec: the example spec", () => {
  const spec = value(parsePipelineSpec(EXAMPLE));

  it("reads the top-level fields and params", () => {
    expect(spec.name).toBe("churn-training");
    expect(spec.description).toBe("optional text");
    expect(spec.failFast).toBe(false);
    expect(spec.params).toEqual({
      lr: { type: "number", default: 0.01, description: "learning rate" },
      day: { type: "string" },
    });
    expect(Object.hasOwn(spec.params.day ?? {}, "default")).toBe(false);
  });

  it("normalises steps", () => {
    expect(Object.keys(spec.steps)).toEqual(["prepare", "train"]);
    expect(spec.steps.prepare).toEqual({
      name: "prepare",
      run: 'python3 prepare.py --day "${{ params.day }}" --out "${{ outputs.rows }}"',
      needs: [],
      env: {},
      outputs: { rows: { type: "dataset" }, count: { type: "number" } },
      retries: { limit: 0, backoff: "fixed", delayMs: 1000, maxDelayMs: 300_000, onOOM: null },
      timeoutMs: null,
      cache: { enabled: true, maxAgeMs: null },
      nondeterministic: false,
      executor: "shared",
      image: null,
      resources: { cpu: null, memoryBytes: null, gpu: 0 },
    });
    expect(spec.steps.train).toEqual({
      name: "train",
      shell: "python3",
      script: 'print("training on", "${{ steps.prepare.outputs.rows }}")\n',
      needs: ["prepare"],
      env: { SEED: "42" },
      outputs: {},
      retries: { limit: 2, backoff: "exponential", delayMs: 1000, maxDelayMs: 60_000, onOOM: null },
      timeoutMs: 600_000,
      cache: { enabled: true, maxAgeMs: null },
      nondeterministic: false,
      executor: "shared",
      image: null,
      resources: { cpu: null, memoryBytes: null, gpu: 0 },
    });
  });

  it("reads cache controls and the nondeterministic flag", () => {
    const s = value(
      parsePipelineSpec(
        withSteps({
          a: { run: "echo", cache: false },
          b: { run: "echo", cache: { maxAge: "7d" } },
          c: { run: "echo", nondeterministic: true, cache: { enabled: true } },
        }),
      ),
    );
    expect(s.steps.a!.cache).toEqual({ enabled: false, maxAgeMs: null });
    expect(s.steps.b!.cache).toEqual({ enabled: true, maxAgeMs: 7 * 86_400_000 });
    expect(s.steps.c!).toMatchObject({ nondeterministic: true, cache: { enabled: true, maxAgeMs: null } });
    const bad = parsePipelineSpec(withSteps({ a: { run: "echo", cache: { maxAge: "soon", ttl: 1 }, nondeterministic: "yes" } }));
    expect(bad.ok).toBe(false);
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(["steps.a.cache.maxAge", "steps.a.cache.ttl", "steps.a.nondeterministic"]));
  });

  it("is plain JSON (survives a round trip through the database)", () => {
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it("adds needs implied by templates, deduplicated and sorted", () => {
    const s = value(
      parsePipelineSpec(
        withSteps({
          b: { run: "echo", outputs: { x: { type: "string" } } },
          a: { run: "echo", outputs: { y: { type: "model" } } },
          c: {
            needs: ["b"],
            run: "use ${{ steps.b.outputs.x }} ${{steps.a.outputs.y}}",
            env: { X: "${{ steps.b.outputs.x }}" },
          },
        }),
      ),
    );
    expect(s.steps.c?.needs).toEqual(["a", "b"]);
  });

  it("adds needs from env templates alone", () => {
    const s = value(
      parsePipelineSpec(withSteps({ a: { run: "x", outputs: { o: { type: "file" } } }, b: { run: "y", env: { O: "${{ steps.a.outputs.o }}" } } })),
    );
    expect(s.steps.b?.needs).toEqual(["a"]);
  });
});

describe("parsePipelineSpec: defaults and shorthands", () => {
  it("fills defaults", () => {
    const s = value(parsePipelineSpec("name: p\nsteps:\n  a:\n    script: echo hi\n"));
    expect(s.description).toBe("");
    expect(s.failFast).toBe(false);
    expect(s.params).toEqual({});
    expect(s.steps.a?.shell).toBe("bash");
    expect(s.steps.a?.run).toBeUndefined();
  });

  it("accepts retries shorthand and numeric durations (seconds)", () => {
    const s = value(parsePipelineSpec(withSteps({ a: { run: "x", retries: 3, timeout: 90 } })));
    expect(s.steps.a?.retries).toEqual({ limit: 3, backoff: "fixed", delayMs: 1000, maxDelayMs: 300_000, onOOM: null });
    expect(s.steps.a?.timeoutMs).toBe(90_000);
  });

  it("raises the default maxDelay to a larger delay", () => {
    const s = value(parsePipelineSpec(withSteps({ a: { run: "x", retries: { limit: 1, delay: "10m" } } })));
    expect(s.steps.a?.retries).toEqual({ limit: 1, backoff: "fixed", delayMs: 600_000, maxDelayMs: 600_000, onOOM: null });
  });

  it("coerces env numbers and booleans to strings", () => {
    const s = value(parsePipelineSpec("name: p\nsteps:\n  a:\n    run: x\n    env: { SEED: 42, DEBUG: true, R: 0.5 }\n"));
    expect(s.steps.a?.env).toEqual({ SEED: "42", DEBUG: "true", R: "0.5" });
  });

  it("treats empty (null) optional keys as absent", () => {
    const s = value(parsePipelineSpec("name: p\ndescription:\nparams:\nsteps:\n  a:\n    run: x\n    env:\n    needs:\n    outputs:\n"));
    expect(s.params).toEqual({});
    expect(s.steps.a?.env).toEqual({});
  });

  it("keeps a null default for json params", () => {
    const s = value(parsePipelineSpec(withSteps({ a: { run: "x" } }, { params: { cfg: { type: "json", default: null } } })));
    expect(s.params.cfg).toEqual({ type: "json", default: null });
  });

  it("supports YAML anchors and merge keys", () => {
    const s = value(
      parsePipelineSpec(`
name: p
steps:
  a: &base
    run: x
    retries: 2
  b:
    <<: *base
    needs: [a]
`),
    );
    expect(s.steps.b?.retries.limit).toBe(2);
    expect(s.steps.b?.needs).toEqual(["a"]);
  });
});

describe("parsePipelineSpec: input forms", () => {
  it("accepts JSON text", () => {
    const s = value(parsePipelineSpec(JSON.stringify({ name: "j", steps: { a: { run: "echo" }, b: { run: "echo", needs: ["a"] } } })));
    expect(s.steps.b?.needs).toEqual(["a"]);
  });

  it("accepts an already-parsed object", () => {
    const s: PipelineSpec = value(parsePipelineSpec({ name: "o", steps: { a: { run: "echo" } } }));
    expect(s.name).toBe("o");
  });

  it("reports YAML syntax errors with line and column", () => {
    expect(issues("name: p\nsteps:\n  a: [\n    run: x")).toEqual([
      { path: "spec", message: expect.stringMatching(/^YAML syntax error at line 4, column \d+: /) },
    ]);
    expect(lines("name: p\nname: q\nsteps: {}\n")).toEqual(["spec: YAML syntax error at line 2, column 1: Map keys must be unique"]);
  });

  it("reports JSON syntax errors with line and column", () => {
    expect(issues('{\n  "name": "p",\n  "steps": {\n}')[0]?.message).toMatch(/^YAML syntax error at line \d+, column \d+/);
  });

  it("rejects several documents in one file", () => {
    expect(lines("name: a\n---\nname: b\n")).toEqual([
      "spec: YAML syntax error at line 2, column 1: the file contains more than one YAML document",
    ]);
  });

  it.each([
    ["a YAML scalar", "just text", "expected a mapping at the top level, got string"],
    ["a YAML list", "- a\n- b\n", "expected a mapping at the top level, got array"],
    ["an empty document", "", "the document is empty"],
    ["a comment-only document", "# nothing\n", "the document is empty"],
    ["a number", 42, "expected a mapping at the top level, got number"],
    ["null", null, "expected a mapping at the top level, got null"],
    ["an array", [], "expected a mapping at the top level, got array"],
  ])("rejects %s with a single spec issue", (_label, input, message) => {
    expect(issues(input)).toEqual([{ path: "spec", message }]);
  });

  it("reports an undefined alias", () => {
    expect(lines("name: *nope\nsteps: {}")).toEqual([expect.stringMatching(/^spec: invalid YAML: .*nope/)]);
  });
});

describe("parsePipelineSpec: validation issues", () => {
  it("requires name and steps", () => {
    expect(lines({})).toEqual(["name: required key is missing", "steps: required key is missing"]);
  });

  it("validates the pipeline name", () => {
    expect(issues({ name: "Churn Training", steps: { a: { run: "x" } } })).toEqual([
      { path: "name", message: expect.stringMatching(/^invalid pipeline name "Churn Training"/) },
    ]);
    expect(lines({ name: 5, steps: { a: { run: "x" } } })).toEqual(["name: expected string, got number"]);
    expect(parsePipelineSpec({ name: "a".repeat(100), steps: { a: { run: "x" } } }).ok).toBe(true);
    expect(parsePipelineSpec({ name: "a".repeat(101), steps: { a: { run: "x" } } }).ok).toBe(false);
    expect(parsePipelineSpec({ name: "0.v1_x-y", steps: { a: { run: "x" } } }).ok).toBe(true);
  });

  it("rejects unknown keys everywhere, naming key and path", () => {
    const got = issues({
      name: "p",
      extra: 1,
      params: { x: { type: "string", required: true } },
      steps: { a: { run: "x", retry: 2, outputs: { o: { type: "file", path: "/x" } }, retries: { limit: 1, jitter: true } } },
    });
    expect(got.map((i) => i.path)).toEqual(["extra", "params.x.required", "steps.a.retry", "steps.a.outputs.o.path", "steps.a.retries.jitter"]);
    expect(got[0]?.message).toBe('unknown key "extra"; allowed keys: name, description, failFast, executor, image, secrets, params, steps');
    expect(got[2]?.message).toMatch(/^unknown key "retry" \(did you mean "retries"\?\); allowed keys: run, script/);
  });

  it("requires at least one step", () => {
    expect(lines({ name: "p", steps: {} })).toEqual(["steps: must define at least one step"]);
    expect(lines({ name: "p", steps: [] })).toEqual(["steps: expected a mapping of step names to definitions, got array"]);
  });

  it("validates step names", () => {
    expect(lines(withSteps({ "1st": { run: "x" }, "has space": { run: "y" } }))).toEqual([
      'steps["1st"]: invalid step name "1st" (letters, digits, "_" and "-", starting with a letter, at most 63 characters)',
      'steps["has space"]: invalid step name "has space" (letters, digits, "_" and "-", starting with a letter, at most 63 characters)',
    ]);
  });

  it("requires exactly one of run or script, and shell only with script", () => {
    expect(lines(withSteps({ a: {}, b: { run: "x", script: "y" }, c: { run: "x", shell: "sh" }, d: "echo" }))).toEqual([
      'steps.a: step must define exactly one of "run" or "script"',
      'steps.b: step must define exactly one of "run" or "script", not both',
      'steps.c.shell: "shell" is only allowed with "script"',
      'steps.d: expected a mapping with "run" or "script", got string',
    ]);
    expect(lines(withSteps({ a: { run: "  " }, b: { script: 5 } }))).toEqual(["steps.a.run: must not be empty", "steps.b.script: expected string, got number"]);
  });

  it("reports unknown needs and self-dependency with the index", () => {
    expect(lines(withSteps({ prepare: { run: "x" }, train: { run: "y", needs: ["prepare", "prep"] } }))).toEqual([
      'steps.train.needs[1]: unknown step "prep"',
    ]);
    expect(lines(withSteps({ a: { run: "x", needs: ["a"] } }))).toEqual(["steps.a.needs[0]: step cannot depend on itself"]);
    expect(lines(withSteps({ a: { run: "x", needs: "b" }, b: { run: "y", needs: [1] } }))).toEqual([
      "steps.a.needs: expected a list of step names, got string",
      "steps.b.needs[0]: expected a step name, got number",
    ]);
  });

  it("ignores duplicate needs", () => {
    const s = value(parsePipelineSpec(withSteps({ a: { run: "x" }, b: { run: "y", needs: ["a", "a"] } })));
    expect(s.steps.b?.needs).toEqual(["a"]);
  });

  it("checks param types, defaults and enums", () => {
    expect(
      lines(
        withSteps(
          { a: { run: "x" } },
          {
            params: {
              day: { type: "number", default: "x" },
              n: { type: "integer", default: 1.5 },
              t: { type: "float" },
              u: {},
              e: { type: "string", enum: ["a", "b"], default: "c" },
              f: { type: "number", enum: [1, "2"] },
              g: { type: "boolean", enum: [] },
              h: "string",
              "bad name": { type: "string" },
            },
          },
        ),
      ),
    ).toEqual([
      "params.day.default: expected number, got string",
      "params.n.default: expected integer, got number 1.5",
      'params.t.type: invalid type "float" (expected one of string, number, integer, boolean, json)',
      "params.u.type: required key is missing",
      'params.e.default: must be one of "a", "b" (got "c")',
      "params.f.enum[1]: expected number, got string",
      "params.g.enum: expected a non-empty list of allowed values, got an empty list",
      'params.h: expected a mapping with at least "type", got string',
      'params["bad name"]: invalid parameter name "bad name" (letters, digits, "_" and "-", starting with a letter, at most 63 characters)',
    ]);
  });

  it("checks outputs", () => {
    // Integer-like keys ("9") always enumerate first in JS objects.
    expect(lines(withSteps({ a: { run: "x", outputs: { o: { type: "blob" }, p: {}, q: "file", "9": { type: "file" } } } }))).toEqual([
      'steps.a.outputs["9"]: invalid output name "9" (letters, digits, "_" and "-", starting with a letter, at most 63 characters)',
      'steps.a.outputs.o.type: invalid type "blob" (expected one of string, number, boolean, json, dataset, model, metrics, file, directory)',
      "steps.a.outputs.p.type: required key is missing",
      'steps.a.outputs.q: expected a mapping with "type", got string',
    ]);
  });

  it("checks env", () => {
    expect(lines(withSteps({ a: { run: "x", env: { "MY-VAR": "1", OBJ: { a: 1 }, NIL: null } } }))).toEqual([
      'steps.a.env.MY-VAR: invalid environment variable name "MY-VAR" (letters, digits and "_", not starting with a digit)',
      "steps.a.env.OBJ: expected string, got object",
      "steps.a.env.NIL: expected string, got null",
    ]);
  });

  it("checks durations and retries", () => {
    expect(
      lines(
        withSteps({
          a: { run: "x", timeout: "10 minutes" },
          b: { run: "x", timeout: "0s" },
          c: { run: "x", timeout: -5 },
          d: { run: "x", timeout: [1] },
          e: { run: "x", retries: { limit: 1.5, backoff: "linear", delay: "2m", maxDelay: "1m" } },
          f: { run: "x", retries: 101 },
          g: { run: "x", retries: { backoff: "fixed" } },
          h: { run: "x", retries: "2" },
        }),
      ),
    ).toEqual([
      'steps.a.timeout: invalid duration "10 minutes" (use e.g. 30s, 10m, 1h30m)',
      "steps.b.timeout: duration must be greater than 0",
      "steps.c.timeout: invalid duration -5 (use e.g. 30s, 10m, 1h30m)",
      'steps.d.timeout: expected a duration such as "30s" or "10m", got array',
      "steps.e.retries.limit: expected an integer from 0 to 100, got 1.5",
      'steps.e.retries.backoff: invalid backoff "linear" (expected fixed or exponential)',
      "steps.e.retries.maxDelay: must not be less than delay (1m < 2m)",
      "steps.f.retries: expected an integer from 0 to 100, got 101",
      "steps.g.retries.limit: required key is missing",
      'steps.h.retries: expected a number of retries or a mapping with "limit", got string',
    ]);
  });

  it("checks top-level types", () => {
    expect(lines({ name: "p", description: 1, failFast: "yes", params: [], steps: { a: { run: "x" } } })).toEqual([
      "description: expected string, got number",
      "failFast: expected boolean, got string",
      "params: expected a mapping of parameter names to definitions, got array",
    ]);
  });
});

describe("parsePipelineSpec: template checks", () => {
  const base = {
    name: "p",
    params: { day: { type: "string" } },
    steps: {
      prepare: { run: "x", outputs: { rows: { type: "dataset" } } },
    },
  };
  const check = (step: Record<string, unknown>) => lines({ ...base, steps: { ...base.steps, train: step } });

  it("accepts every allowed reference", () => {
    const train = {
      run: "${{params.day}} ${{ steps.prepare.outputs.rows }} ${{ outputs.m }} ${{ run.id }} ${{ run.pipeline }} ${{ step.name }} ${{ step.attempt }}",
      env: { ROWS: "${{ steps.prepare.outputs.rows }}" },
      outputs: { m: { type: "model" } },
    };
    const s = value(parsePipelineSpec({ ...base, steps: { ...base.steps, train } }));
    expect(s.steps.train?.needs).toEqual(["prepare"]);
  });

  it("names the path and the expression", () => {
    expect(check({ script: 'print("${{ steps.prep.outputs.rows }}")' })).toEqual([
      'steps.train.script: unknown template reference "steps.prep.outputs.rows": no step "prep"',
    ]);
    expect(
      check({
        run: "${{ params.nope }} ${{ steps.prepare.outputs.count }} ${{ outputs.x }} ${{ foo.bar }} ${{ steps.train.outputs.m }} ${{ run.user }} ${{ params }}",
        outputs: { m: { type: "string" } },
        env: { A: "${{ lr + 1 }}", B: "${{ }}", C: "${{ params.day" },
      }),
    ).toEqual([
      'steps.train.run: unknown template reference "params.nope": no parameter "nope"',
      'steps.train.run: unknown template reference "steps.prepare.outputs.count": step "prepare" has no output "count"',
      'steps.train.run: unknown template reference "outputs.x": step "train" has no output "x"',
      'steps.train.run: unknown template reference "foo.bar": unknown root "foo" (expected params, outputs, steps, run or step)',
      'steps.train.run: unknown template reference "steps.train.outputs.m": a step cannot reference its own outputs this way; use outputs.m',
      'steps.train.run: unknown template reference "run.user": expected run.id or run.pipeline',
      'steps.train.run: unknown template reference "params": expected params.NAME',
      'steps.train.env.A: malformed template expression "lr + 1" (expected a dotted reference such as params.NAME)',
      "steps.train.env.B: empty template expression",
      'steps.train.env.C: unterminated template expression "${{ params.day" (missing "}}")',
    ]);
  });

  it("does not add a dependency for a failed reference", () => {
    // The only problem reported is the reference itself (no cascade into needs or cycles).
    expect(check({ run: "${{ steps.prepare.outputs.nope }}" })).toHaveLength(1);
  });
});

describe("parsePipelineSpec: cycles", () => {
  it("reports a cycle of two once", () => {
    expect(lines(withSteps({ b: { run: "x", needs: ["a"] }, a: { run: "y", needs: ["b"] } }))).toEqual(["steps: dependency cycle a -> b -> a"]);
  });

  it("reports a cycle of three from its smallest step, in dependency order", () => {
    expect(
      lines(withSteps({ c: { run: "x", needs: ["b"] }, b: { run: "y", needs: ["a"] }, a: { run: "z", needs: ["c"] }, d: { run: "w", needs: ["a"] } })),
    ).toEqual(["steps: dependency cycle a -> c -> b -> a"]);
  });

  it("finds cycles created by template references", () => {
    expect(
      lines(
        withSteps({
          a: { run: "${{ steps.b.outputs.o }}", outputs: { o: { type: "string" } } },
          b: { run: "${{ steps.a.outputs.o }}", outputs: { o: { type: "string" } } },
        }),
      ),
    ).toEqual(["steps: dependency cycle a -> b -> a"]);
  });

  it("reports each distinct cycle", () => {
    expect(
      lines(
        withSteps({
          a: { run: "x", needs: ["b"] },
          b: { run: "x", needs: ["a", "c"] },
          c: { run: "x", needs: ["b"] },
          x: { run: "x", needs: ["y"] },
          y: { run: "x", needs: ["x"] },
        }),
      ),
    ).toEqual(["steps: dependency cycle a -> b -> a", "steps: dependency cycle b -> c -> b", "steps: dependency cycle x -> y -> x"]);
  });

  it("caps the number of reported cycles on dense graphs", () => {
    const names = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, "0")}`);
    const steps = Object.fromEntries(names.map((n) => [n, { run: "x", needs: names.filter((m) => m !== n) }]));
    const got = lines(withSteps(steps));
    expect(got).toHaveLength(21);
    expect(got[20]).toBe("steps: more dependency cycles not shown (first 20 listed)");
  });
});

describe("parsePipelineSpec: collects all problems at once", () => {
  it("reports problems from every section in one result", () => {
    const got = lines(`
name: Bad
params:
  lr: { type: number, default: fast }
steps:
  a:
    run: echo \${{ params.nope }}
    needs: [a, zz]
    timeout: 10 minutes
  b:
    needs: [c]
    run: x
  c:
    needs: [b]
    run: y
`);
    expect(got).toEqual([
      expect.stringMatching(/^name: invalid pipeline name "Bad"/),
      "params.lr.default: expected number, got string",
      'steps.a.run: unknown template reference "params.nope": no parameter "nope"',
      "steps.a.needs[0]: step cannot depend on itself",
      'steps.a.needs[1]: unknown step "zz"',
      'steps.a.timeout: invalid duration "10 minutes" (use e.g. 30s, 10m, 1h30m)',
      "steps: dependency cycle b -> c -> b",
    ]);
  });

  it("does not cascade errors from a broken param definition into templates", () => {
    expect(lines(withSteps({ a: { run: "${{ params.x }}" } }, { params: { x: { type: "float" } } }))).toEqual([
      'params.x.type: invalid type "float" (expected one of string, number, integer, boolean, json)',
    ]);
  });
});

describe("parsePipelineSpec: executors and resources", () => {
  it("defaults to the shared executor with no requests", () => {
    const s = value(parsePipelineSpec(withSteps({ a: { run: "x" } })));
    expect(s.steps.a).toMatchObject({ executor: "shared", image: null, resources: { cpu: null, memoryBytes: null, gpu: 0 } });
  });

  it("takes the pipeline's executor and image as defaults, and the built-in image last", () => {
    const s = value(
      parsePipelineSpec(
        withSteps(
          { a: { run: "x" }, b: { run: "x", image: "team/train:2" }, c: { run: "x", executor: "shared" } },
          { executor: "container", image: "team/base:1" },
        ),
      ),
    );
    expect(s.steps.a).toMatchObject({ executor: "container", image: "team/base:1" });
    expect(s.steps.b).toMatchObject({ executor: "container", image: "team/train:2" });
    expect(s.steps.c).toMatchObject({ executor: "shared", image: null });
    const plain = value(parsePipelineSpec(withSteps({ a: { run: "x", executor: "container" } })));
    expect(plain.steps.a?.image).toBe("trellis-python:latest");
  });

  it("parses resource quantities", () => {
    const s = value(parsePipelineSpec(withSteps({ a: { run: "x", resources: { cpu: "500m", memory: "4Gi", gpu: 1 } }, b: { run: "x", resources: { cpu: 2, memory: "1.5G" } } })));
    expect(s.steps.a?.resources).toEqual({ cpu: 0.5, memoryBytes: 4 * 2 ** 30, gpu: 1 });
    expect(s.steps.b?.resources).toEqual({ cpu: 2, memoryBytes: 1.5e9, gpu: 0 });
  });

  it("names every bad resource setting and its path", () => {
    const got = lines(
      withSteps({
        a: { run: "x", executor: "vm", resources: { cpu: -1, memory: "lots", gpu: 0.5, disk: 1 } },
        b: { run: "x", image: "team/train:1" },
        c: { run: "x", executor: "container", image: "has space" },
      }),
    );
    expect(got).toEqual(
      expect.arrayContaining([
        'steps.a.executor: invalid executor "vm" (expected shared or container)',
        expect.stringMatching(/^steps\.a\.resources\.cpu: invalid CPU request -1/),
        expect.stringMatching(/^steps\.a\.resources\.memory: invalid memory request "lots"/),
        "steps.a.resources.gpu: expected a whole number of GPUs from 0 to 64, got 0.5",
        expect.stringMatching(/^steps\.a\.resources\.disk: unknown key "disk"/),
        'steps.b.image: "image" is only used by container steps (add executor: container)',
        expect.stringMatching(/^steps\.c\.image: invalid image reference "has space"/),
      ]),
    );
  });

  it("parses out-of-memory retries with a default cap of 4× the request", () => {
    const s = value(parsePipelineSpec(withSteps({ a: { run: "x", resources: { memory: "512Mi" }, retries: { onOOM: { memoryFactor: 2 } } } })));
    expect(s.steps.a?.retries).toMatchObject({ limit: 0, onOOM: { memoryFactor: 2, maxMemoryBytes: 2 * 2 ** 30 } });
    const capped = value(parsePipelineSpec(withSteps({ a: { run: "x", resources: { memory: "1Gi" }, retries: { limit: 1, onOOM: { maxMemory: "3Gi" } } } })));
    expect(capped.steps.a?.retries).toMatchObject({ limit: 1, onOOM: { memoryFactor: 2, maxMemoryBytes: 3 * 2 ** 30 } });
  });

  it("rejects out-of-memory retries that cannot work", () => {
    expect(lines(withSteps({ a: { run: "x", retries: { onOOM: { memoryFactor: 2 } } } }))).toEqual([
      "steps.a.retries.onOOM: needs resources.memory: out-of-memory retries multiply the step's memory request",
    ]);
    expect(lines(withSteps({ a: { run: "x", resources: { memory: "1Gi" }, retries: { onOOM: { memoryFactor: 1, maxMemory: "512Mi" } } } }))).toEqual([
      "steps.a.retries.onOOM.memoryFactor: expected a number greater than 1 and at most 16, got 1",
      "steps.a.retries.onOOM.maxMemory: must be more than resources.memory (512Mi <= 1Gi)",
    ]);
  });
});

describe("parsePipelineSpec: model registration on outputs", () => {
  it("accepts register on artifact outputs, as a mapping or a bare name", () => {
    const s = value(parsePipelineSpec(withSteps({ a: { run: "x", outputs: { m: { type: "model", register: { model: "churn model" } }, d: { type: "directory", register: "churn-dir" } } } })));
    expect(s.steps.a?.outputs).toEqual({ m: { type: "model", register: { model: "churn model" } }, d: { type: "directory", register: { model: "churn-dir" } } });
  });

  it("rejects register on scalars and bad model names", () => {
    expect(lines(withSteps({ a: { run: "x", outputs: { n: { type: "number", register: { model: "m" } }, m: { type: "model", register: { model: "-bad", extra: 1 } } } } }))).toEqual([
      "steps.a.outputs.n.register: only artifact outputs can be registered as models (this one is number)",
      'steps.a.outputs.m.register.extra: unknown key "extra"; allowed keys: model',
      'steps.a.outputs.m.register.model: expected a model name (letters, digits, spaces, ".", "_" and "-", starting with a letter or digit), got "-bad"',
    ]);
  });
});

describe("parsePipelineSpec: secrets", () => {
  it("gives a step its own secrets, else the pipeline's; none means no key at all", () => {
    const s = value(
      parsePipelineSpec(
        withSteps(
          { a: { run: "x" }, b: { run: "x", secrets: ["API_TOKEN", "DB_PASSWORD"] }, c: { run: "x", secrets: [] }, d: { run: "x", secrets: null } },
          { secrets: ["DB_PASSWORD"] },
        ),
      ),
    );
    expect(s.steps.a?.secrets).toEqual(["DB_PASSWORD"]);
    expect(s.steps.b?.secrets).toEqual(["API_TOKEN", "DB_PASSWORD"]);
    expect(Object.hasOwn(s.steps.c ?? {}, "secrets")).toBe(false);
    expect(s.steps.d?.secrets).toEqual(["DB_PASSWORD"]);
    const plain = value(parsePipelineSpec(withSteps({ a: { run: "x" } })));
    expect(Object.hasOwn(plain.steps.a ?? {}, "secrets")).toBe(false);
  });

  it("reads them from YAML", () => {
    const s = value(parsePipelineSpec("name: p\nsteps:\n  train:\n    run: x\n    secrets: [DB_PASSWORD, _X1]\n"));
    expect(s.steps.train?.secrets).toEqual(["DB_PASSWORD", "_X1"]);
  });

  it("rejects bad and duplicate names with their paths", () => {
    expect(
      lines(
        withSteps(
          { train: { run: "x", secrets: ["DB_PASSWORD", "DB_PASSWORD", "db_password", "1X", 5, "A".repeat(129)] }, other: { run: "x", secrets: "DB_PASSWORD" } },
          { secrets: ["OK", "bad-name"] },
        ),
      ),
    ).toEqual([
      'secrets[1]: invalid secret name "bad-name" (upper-case letters, digits and "_", not starting with a digit, at most 128 characters)',
      "steps.train.secrets[1]: duplicate secret DB_PASSWORD (already at secrets[0])",
      'steps.train.secrets[2]: invalid secret name "db_password" (upper-case letters, digits and "_", not starting with a digit, at most 128 characters)',
      'steps.train.secrets[3]: invalid secret name "1X" (upper-case letters, digits and "_", not starting with a digit, at most 128 characters)',
      'steps.train.secrets[4]: invalid secret name 5 (upper-case letters, digits and "_", not starting with a digit, at most 128 characters)',
      `steps.train.secrets[5]: invalid secret name "${"A".repeat(60)}…" (upper-case letters, digits and "_", not starting with a digit, at most 128 characters)`,
      "steps.other.secrets: expected a list of secret names such as [DB_PASSWORD], got string",
    ]);
  });

  it("refuses a name that is both in env and in secrets", () => {
    expect(
      lines(
        withSteps(
          { own: { run: "x", env: { DB_PASSWORD: "dev" }, secrets: ["DB_PASSWORD"] }, inherited: { run: "x", env: { API_TOKEN: "t" } } },
          { secrets: ["API_TOKEN"] },
        ),
      ),
    ).toEqual([
      "steps.own.secrets[0]: DB_PASSWORD is also set in env; a variable comes either from env or from a secret",
      "steps.inherited.env.API_TOKEN: API_TOKEN is also one of the pipeline's secrets; a variable comes either from env or from a secret",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { parsePipelineSpec, type StepSpec } from "@trellis/spec";
import { cacheKeyOf, cacheKeyParts, diffKeyParts } from "./cache.js";

function step(yaml: string): StepSpec {
  const parsed = parsePipelineSpec(`name: p\nparams:\n  lr: { type: number, default: 0.1 }\n  other: { type: string, default: x }\nsteps:\n${yaml}`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value.steps.b!;
}

const up = "  a: { run: echo, outputs: { data: { type: dataset }, n: { type: number } } }\n";
const base = step(`${up}  b: { run: 'train \${{ params.lr }} \${{ steps.a.outputs.data }} \${{ steps.a.outputs.n }}', env: { SEED: '1' } }\n`);
const ref = (digest: string) => ({ artifactId: "00000000-0000-4000-8000-000000000000", digest, type: "dataset", kind: "file", size: 1 });
const parts = (overrides: Partial<Parameters<typeof cacheKeyParts>[0]> = {}) =>
  cacheKeyParts({ projectId: "p1", spec: base, params: { lr: 0.1, other: "x" }, codeDigest: "c1", upstreamOutputs: { a: { data: ref("d1"), n: 3 } }, ...overrides });

describe("cache keys", () => {
  it("cover what the step references and nothing else", () => {
    expect(parts()).toEqual({
      project: "p1",
      command: "train ${{ params.lr }} ${{ steps.a.outputs.data }} ${{ steps.a.outputs.n }}",
      shell: null,
      image: null,
      env: { SEED: "1" },
      code: "c1",
      params: { lr: 0.1 },
      inputs: { "a.data": "sha256:d1", "a.n": 3 },
      outputs: {},
    });
    expect(cacheKeyOf(parts({ params: { lr: 0.1, other: "y" } }))).toBe(cacheKeyOf(parts()));
    expect(cacheKeyOf(parts())).toMatch(/^[0-9a-f]{64}$/);
  });

  it("change with every part, and the diff names the part", () => {
    const cases: [string, ReturnType<typeof parts>][] = [
      ["params.lr", parts({ params: { lr: 0.2 } })],
      ["inputs.a.data", parts({ upstreamOutputs: { a: { data: ref("d2"), n: 3 } } })],
      ["inputs.a.n", parts({ upstreamOutputs: { a: { data: ref("d1"), n: 4 } } })],
      ["code", parts({ codeDigest: "c2" })],
      ["project", parts({ projectId: "p2" })],
      ["env.SEED", parts({ spec: { ...base, env: { SEED: "2" } } })],
      ["command", parts({ spec: { ...base, run: `${base.run} --fast` } })],
      ["image", parts({ spec: { ...base, image: "trellis/python:3.11" } as StepSpec })],
      ["outputs", parts({ spec: { ...base, outputs: { model: { type: "model" } } } })],
    ];
    for (const [part, changed] of cases) {
      expect(cacheKeyOf(changed), part).not.toBe(cacheKeyOf(parts()));
      expect(diffKeyParts(parts(), changed).map((c) => c.part), part).toEqual([part]);
    }
    expect(diffKeyParts(parts(), parts({ params: { lr: 0.2 } }))).toEqual([{ part: "params.lr", before: 0.1, after: 0.2 }]);
  });
});

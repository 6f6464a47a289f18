import { describe, expect, it } from "vitest";
import { parsePipelineSpec, renderStep, renderTemplate, TemplateError, templateExpressions, type TemplateContext } from "./index.js";

const ctx: TemplateContext = {
  params: { day: "2024-01-01", lr: 0.01, debug: true, cfg: { a: [1, 2] }, nothing: null },
  outputs: { rows: "/out/rows" },
  steps: { prepare: { outputs: { count: 42, path: "/data/x", ok: false, meta: { k: "v" } } } },
  run: { id: "run-1", pipeline: "churn" },
  step: { name: "train", attempt: 2 },
};

function thrown(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error("expected a TemplateError");
}

describe("renderTemplate", () => {
  it("renders every reference kind", () => {
    expect(
      renderTemplate(
        "${{ params.day }} ${{params.lr}} ${{  params.debug  }} ${{ outputs.rows }} ${{ steps.prepare.outputs.count }} ${{ steps.prepare.outputs.path }} ${{ run.id }}/${{ run.pipeline }} ${{ step.name }}#${{ step.attempt }}",
        ctx,
      ),
    ).toBe("2024-01-01 0.01 true /out/rows 42 /data/x run-1/churn train#2");
  });

  it("renders json values as JSON and falsy scalars as text", () => {
    expect(renderTemplate("${{ params.cfg }}|${{ params.nothing }}|${{ steps.prepare.outputs.meta }}|${{ steps.prepare.outputs.ok }}", ctx)).toBe(
      '{"a":[1,2]}|null|{"k":"v"}|false',
    );
  });

  it("leaves text without templates untouched, including lone braces and $", () => {
    const text = 'echo "${HOME}" {{ x }} $${ a } }} ${ {';
    expect(renderTemplate(text, ctx)).toBe(text);
    expect(renderTemplate("", ctx)).toBe("");
  });

  it("renders adjacent and multiline templates", () => {
    expect(renderTemplate("${{run.id}}${{run.id}}\n${{\n  step.name\n}}", ctx)).toBe("run-1run-1\ntrain");
  });

  it("throws TemplateError with the expression for missing values", () => {
    expect(thrown(() => renderTemplate("x ${{ params.nope }}", ctx)).expression).toBe("params.nope");
    expect(thrown(() => renderTemplate("${{ steps.other.outputs.x }}", ctx)).expression).toBe("steps.other.outputs.x");
    expect(thrown(() => renderTemplate("${{ steps.prepare.outputs.x }}", ctx)).message).toBe('template reference "steps.prepare.outputs.x" has no value');
    expect(thrown(() => renderTemplate("${{ outputs.model }}", ctx)).expression).toBe("outputs.model");
  });

  it("does not resolve inherited properties", () => {
    expect(thrown(() => renderTemplate("${{ params.constructor }}", ctx)).expression).toBe("params.constructor");
    expect(thrown(() => renderTemplate("${{ params.__proto__ }}", ctx)).expression).toBe("params.__proto__");
  });

  it("throws on malformed, unknown and unterminated expressions", () => {
    expect(thrown(() => renderTemplate("${{ a b }}", ctx)).message).toMatch(/^malformed template expression "a b"/);
    expect(thrown(() => renderTemplate("${{ env.HOME }}", ctx)).message).toMatch(/^unknown template reference "env.HOME": unknown root "env"/);
    const e = thrown(() => renderTemplate("echo ${{ params.day", ctx));
    expect(e.message).toBe('unterminated template expression "${{ params.day" (missing "}}")');
    expect(e.expression).toBe("${{ params.day");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("TemplateError");
  });
});

describe("templateExpressions", () => {
  it("returns expressions with offsets", () => {
    const t = "a ${{ params.x }} b ${{outputs.y}}";
    const found = templateExpressions(t);
    expect(found).toEqual([
      { expression: "params.x", start: 2, end: 17 },
      { expression: "outputs.y", start: 20, end: 34 },
    ]);
    for (const f of found) expect(t.slice(f.start, f.end)).toMatch(/^\$\{\{.*\}\}$/);
  });

  it("closes at the first }} and keeps a stray brace as text", () => {
    expect(templateExpressions("${{ a }}}")).toEqual([{ expression: "a", start: 0, end: 8 }]);
  });

  it("throws on an unterminated template", () => {
    expect(() => templateExpressions("ok ${{ a }} then ${{ b")).toThrow(TemplateError);
  });
});

describe("renderStep", () => {
  it("renders command and env of a parsed step", () => {
    const r = parsePipelineSpec({
      name: "p",
      params: { day: { type: "string" } },
      steps: {
        prepare: { run: "x", outputs: { count: { type: "number" } } },
        train: { script: "echo ${{ steps.prepare.outputs.count }}", env: { DAY: "${{ params.day }}", N: 3 } },
      },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const train = r.value.steps.train;
    if (!train) throw new Error("missing step");
    expect(renderStep(train, ctx)).toEqual({ script: "echo 42", shell: "bash", env: { DAY: "2024-01-01", N: "3" } });
  });
});

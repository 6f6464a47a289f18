/**
 * `${{ expr }}` templates in `run`, `script` and `env` values.
 *
 * Grammar: `${{`, optional whitespace, a dotted path of identifiers, optional whitespace,
 * `}}`. The first `}}` after `${{` closes it (expressions never contain braces). There are no
 * operators, filters or escapes: a reference is either one of the forms below or an error.
 *
 *   params.NAME               a run parameter
 *   outputs.NAME              the path this step writes its output NAME to
 *   steps.STEP.outputs.NAME   an upstream output (scalar value or artifact path); implies `needs: [STEP]`
 *   run.id | run.pipeline
 *   step.name | step.attempt
 *
 * Rendering inserts values verbatim — no shell quoting. Values that come from run parameters
 * are therefore safest passed through `env` and read as "$VAR" by the command.
 */

export interface TemplateContext {
  params: Record<string, unknown>;
  /** This step's output paths. */
  outputs: Record<string, string>;
  /** Upstream values (scalars) or paths (artifacts), by step then output name. */
  steps: Record<string, { outputs: Record<string, unknown> }>;
  run: { id: string; pipeline: string };
  step: { name: string; attempt: number };
}

export type TemplateReference =
  | { kind: "param"; name: string }
  | { kind: "output"; name: string }
  | { kind: "stepOutput"; step: string; output: string }
  | { kind: "run"; field: "id" | "pipeline" }
  | { kind: "step"; field: "name" | "attempt" };

export class TemplateError extends Error {
  /** The expression between the braces (trimmed), or the unterminated tail starting at `${{`. */
  readonly expression: string;

  constructor(message: string, expression: string) {
    super(message);
    this.name = "TemplateError";
    this.expression = expression;
  }
}

export interface TemplateExpression {
  /** Text between `${{` and `}}`, whitespace trimmed. */
  expression: string;
  /** Offset of `$`. */
  start: number;
  /** Offset just past the closing `}}`. */
  end: number;
}

const OPEN = "${{";
const CLOSE = "}}";
const IDENT = "[A-Za-z_][A-Za-z0-9_-]*";
const PATH_RE = new RegExp(`^${IDENT}(?:\\.${IDENT})*$`);

export const TEMPLATE_ROOTS = ["params", "outputs", "steps", "run", "step"] as const;

export type TemplateScan =
  | { ok: true; expressions: TemplateExpression[] }
  | { ok: false; expressions: TemplateExpression[]; unterminated: { text: string; start: number } };

/** Finds every `${{ ... }}`; a `${{` without a closing `}}` stops the scan and is reported. */
export function scanTemplate(template: string): TemplateScan {
  const expressions: TemplateExpression[] = [];
  let from = 0;
  for (;;) {
    const start = template.indexOf(OPEN, from);
    if (start < 0) return { ok: true, expressions };
    const close = template.indexOf(CLOSE, start + OPEN.length);
    if (close < 0) return { ok: false, expressions, unterminated: { text: template.slice(start), start } };
    const end = close + CLOSE.length;
    expressions.push({ expression: template.slice(start + OPEN.length, close).trim(), start, end });
    from = end;
  }
}

/** Every `${{ ... }}` in order. Throws TemplateError on an unterminated `${{`. */
export function templateExpressions(template: string): TemplateExpression[] {
  const scan = scanTemplate(template);
  if (!scan.ok) throw unterminatedError(scan.unterminated.text);
  return scan.expressions;
}

function unterminatedError(text: string): TemplateError {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return new TemplateError(`unterminated template expression ${JSON.stringify(shown)} (missing "}}")`, text);
}

/**
 * The syntactic meaning of an expression, independent of any spec. On failure, `message`
 * explains what is wrong (without repeating the expression); `malformed` distinguishes text
 * that is not a dotted reference at all from a well-formed reference to something unknown.
 */
export function parseTemplateReference(
  expression: string,
): { ok: true; ref: TemplateReference } | { ok: false; malformed: boolean; message: string } {
  if (!PATH_RE.test(expression)) {
    return { ok: false, malformed: true, message: "expected a dotted reference such as params.NAME" };
  }
  const parts = expression.split(".");
  const [root, a, b, c] = parts;
  const n = parts.length;
  switch (root) {
    case "params":
      if (n === 2 && a) return { ok: true, ref: { kind: "param", name: a } };
      return { ok: false, malformed: false, message: "expected params.NAME" };
    case "outputs":
      if (n === 2 && a) return { ok: true, ref: { kind: "output", name: a } };
      return { ok: false, malformed: false, message: "expected outputs.NAME" };
    case "steps":
      if (n === 4 && a && b === "outputs" && c) return { ok: true, ref: { kind: "stepOutput", step: a, output: c } };
      return { ok: false, malformed: false, message: "expected steps.STEP.outputs.NAME" };
    case "run":
      if (n === 2 && (a === "id" || a === "pipeline")) return { ok: true, ref: { kind: "run", field: a } };
      return { ok: false, malformed: false, message: "expected run.id or run.pipeline" };
    case "step":
      if (n === 2 && (a === "name" || a === "attempt")) return { ok: true, ref: { kind: "step", field: a } };
      return { ok: false, malformed: false, message: "expected step.name or step.attempt" };
    default:
      return {
        ok: false,
        malformed: false,
        message: `unknown root ${JSON.stringify(root ?? "")} (expected params, outputs, steps, run or step)`,
      };
  }
}

/** Strings as-is, numbers/booleans via String(), anything else (objects, arrays, null) as JSON. */
export function formatTemplateValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value) ?? "";
}

function lookup(record: Record<string, unknown> | undefined, key: string): { found: true; value: unknown } | { found: false } {
  // Own properties only: `params.constructor` must not resolve to Object.prototype.constructor.
  if (record === undefined || record === null || !Object.hasOwn(record, key)) return { found: false };
  const value = record[key];
  return value === undefined ? { found: false } : { found: true, value };
}

function resolve(ref: TemplateReference, ctx: TemplateContext): { found: true; value: unknown } | { found: false } {
  switch (ref.kind) {
    case "param":
      return lookup(ctx.params, ref.name);
    case "output":
      return lookup(ctx.outputs, ref.name);
    case "stepOutput": {
      const step = lookup(ctx.steps, ref.step);
      if (!step.found) return step;
      return lookup((step.value as { outputs?: Record<string, unknown> }).outputs, ref.output);
    }
    case "run":
      return lookup(ctx.run, ref.field);
    case "step":
      return lookup(ctx.step, ref.field);
  }
}

/**
 * Replaces every `${{ ... }}`. Throws TemplateError (with `.expression`) for a malformed or
 * unterminated expression or one whose value is missing from `ctx`.
 */
export function renderTemplate(template: string, ctx: TemplateContext): string {
  const scan = scanTemplate(template);
  if (!scan.ok) throw unterminatedError(scan.unterminated.text);
  let out = "";
  let last = 0;
  for (const { expression, start, end } of scan.expressions) {
    const parsed = parseTemplateReference(expression);
    if (!parsed.ok) throw new TemplateError(referenceError(expression, parsed), expression);
    const value = resolve(parsed.ref, ctx);
    if (!value.found) throw new TemplateError(`template reference "${expression}" has no value`, expression);
    out += template.slice(last, start) + formatTemplateValue(value.value);
    last = end;
  }
  return out + template.slice(last);
}

/** Declarations a template is checked against; built by parsePipelineSpec for each step. */
export interface TemplateScope {
  params: ReadonlySet<string>;
  /** Outputs of the step that owns the template; `null` when they could not be read (skip the check). */
  ownOutputs: ReadonlySet<string> | null;
  ownStep: string;
  /** Every step's declared outputs; `null` when a step's outputs could not be read (skip the check). */
  stepOutputs: ReadonlyMap<string, ReadonlySet<string> | null>;
}

/**
 * Validates a template against the spec's declarations. Returns the error messages (each
 * naming the expression) and the steps referenced through `steps.STEP.outputs.NAME`.
 */
export function checkTemplate(template: string, scope: TemplateScope): { messages: string[]; stepRefs: string[] } {
  const messages: string[] = [];
  const stepRefs: string[] = [];
  const scan = scanTemplate(template);
  for (const { expression } of scan.expressions) {
    const parsed = parseTemplateReference(expression);
    if (!parsed.ok) {
      messages.push(referenceError(expression, parsed));
      continue;
    }
    const problem = checkReference(parsed.ref, scope);
    if (problem) messages.push(`unknown template reference ${JSON.stringify(expression)}: ${problem}`);
    else if (parsed.ref.kind === "stepOutput") stepRefs.push(parsed.ref.step);
  }
  if (!scan.ok) messages.push(unterminatedError(scan.unterminated.text).message);
  return { messages, stepRefs };
}

function referenceError(expression: string, parsed: { malformed: boolean; message: string }): string {
  if (expression === "") return "empty template expression";
  return parsed.malformed
    ? `malformed template expression ${JSON.stringify(expression)} (${parsed.message})`
    : `unknown template reference ${JSON.stringify(expression)}: ${parsed.message}`;
}

function checkReference(ref: TemplateReference, scope: TemplateScope): string | null {
  switch (ref.kind) {
    case "param":
      return scope.params.has(ref.name) ? null : `no parameter "${ref.name}"`;
    case "output":
      return !scope.ownOutputs || scope.ownOutputs.has(ref.name) ? null : `step "${scope.ownStep}" has no output "${ref.name}"`;
    case "stepOutput": {
      if (ref.step === scope.ownStep) return `a step cannot reference its own outputs this way; use outputs.${ref.output}`;
      if (!scope.stepOutputs.has(ref.step)) return `no step "${ref.step}"`;
      const outputs = scope.stepOutputs.get(ref.step);
      if (outputs && !outputs.has(ref.output)) return `step "${ref.step}" has no output "${ref.output}"`;
      return null;
    }
    case "run":
    case "step":
      return null;
  }
}

/**
 * What a step's templates (run, script, env) read: param names, and upstream outputs as
 * `STEP.OUTPUT`, each sorted. A step sees exactly these params and is cached on exactly these.
 */
export function stepReferences(step: { run?: string; script?: string; env: Record<string, string> }): { params: string[]; inputs: string[] } {
  const params = new Set<string>();
  const inputs = new Set<string>();
  for (const text of [step.run ?? "", step.script ?? "", ...Object.values(step.env)]) {
    for (const e of templateExpressions(text)) {
      const parsed = parseTemplateReference(e.expression);
      if (!parsed.ok) continue;
      if (parsed.ref.kind === "param") params.add(parsed.ref.name);
      if (parsed.ref.kind === "stepOutput") inputs.add(`${parsed.ref.step}.${parsed.ref.output}`);
    }
  }
  return { params: [...params].sort(), inputs: [...inputs].sort() };
}

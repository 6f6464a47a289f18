import { renderTemplate, type TemplateContext } from "./template.js";
import type { StepSpec } from "./types.js";

/** A step with every template resolved, ready for the worker to execute. */
export interface RenderedStep {
  run?: string;
  script?: string;
  /** Set for script steps only, like StepSpec.shell. */
  shell?: string;
  env: Record<string, string>;
}

/**
 * Resolves the templates of `run`/`script` and of every env value. Throws TemplateError when
 * `ctx` lacks a referenced value (e.g. an upstream output that was never recorded).
 */
export function renderStep(step: StepSpec, ctx: TemplateContext): RenderedStep {
  const out: RenderedStep = {
    env: Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, renderTemplate(v, ctx)])),
  };
  if (step.run !== undefined) out.run = renderTemplate(step.run, ctx);
  if (step.script !== undefined) out.script = renderTemplate(step.script, ctx);
  if (step.shell !== undefined) out.shell = step.shell;
  return out;
}

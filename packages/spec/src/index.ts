/**
 * @trellis/spec — pure domain logic for pipeline specs (no I/O): parsing and validation,
 * the dependency graph, run parameters, durations, `${{ }}` templates and scalar outputs.
 */
export * from "./types.js";
export { formatIssues, formatPath } from "./issues.js";
export { parsePipelineSpec, parseSpecText, validatePipelineSpec } from "./parse.js";
export { canonicalJson } from "./canonical.js";
export { DEFAULT_CYCLE_LIMIT, downstreamOf, findCycles, formatCycle, topologicalOrder, upstreamOf, type StepGraph } from "./dag.js";
export { checkParamValue, validateRunParams } from "./params.js";
export { formatDuration, parseDuration } from "./duration.js";
export {
  checkTemplate,
  formatTemplateValue,
  parseTemplateReference,
  renderTemplate,
  scanTemplate,
  stepReferences,
  TEMPLATE_ROOTS,
  TemplateError,
  templateExpressions,
  type TemplateContext,
  type TemplateExpression,
  type TemplateReference,
  type TemplateScope,
} from "./template.js";
export { ARTIFACT_OUTPUT_TYPES, isArtifactRef, isScalarOutputType, parseScalarOutput, SCALAR_OUTPUT_TYPES, type ArtifactRef } from "./outputs.js";
export { retryDelayMs } from "./retry.js";
export { renderStep, type RenderedStep } from "./render.js";
export { formatBytes, formatCpu, parseCpu, parseMemory, scaledMemory, suggestCpuRequest, suggestMemoryRequest } from "./resources.js";

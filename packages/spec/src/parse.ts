import { LineCounter, parseDocument } from "yaml";
import { findCycles, formatCycle } from "./dag.js";
import { formatDuration, parseDuration } from "./duration.js";
import { fail, IssueList, isPlainObject, ok, suggest, typeName, type PathSegment } from "./issues.js";
import { checkParamValue, enumContains, enumMessage } from "./params.js";
import { checkTemplate, type TemplateScope } from "./template.js";
import { formatBytes, parseCpu, parseMemory } from "./resources.js";
import { ARTIFACT_OUTPUT_TYPES } from "./outputs.js";
import {
  BACKOFF_KINDS,
  DEFAULT_RETRY_POLICY,
  DEFAULT_SHELL,
  ENV_NAME_RE,
  MAX_RETRY_LIMIT,
  MAX_SECRET_NAME_LENGTH,
  SECRET_NAME_RE,
  OUTPUT_NAME_RE,
  OUTPUT_TYPES,
  PARAM_NAME_RE,
  PARAM_TYPES,
  PIPELINE_NAME_RE,
  SPEC_KEYS,
  STEP_NAME_RE,
  DEFAULT_CACHE_POLICY,
  DEFAULT_IMAGE,
  EXECUTORS,
  MODEL_NAME_RE,
  NO_RESOURCES,
  type CachePolicy,
  type ExecutorName,
  type ResourceRequest,
  type Backoff,
  type OutputSpec,
  type OutputType,
  type ParamSpec,
  type ParamType,
  type PipelineSpec,
  type Result,
  type RetryPolicy,
  type StepSpec,
} from "./types.js";

/** YAML syntax errors reported for one document; later ones are usually knock-on effects. */
const MAX_SYNTAX_ERRORS = 10;
/** Dependency cycles reported for one spec; more are summarised in one extra issue. */
const MAX_REPORTED_CYCLES = 20;
/** Aliases expanded while converting YAML; a guard against "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

type Raw = Record<string, unknown>;

/**
 * Parses and validates a pipeline spec. A string is YAML or JSON text (JSON is read by the
 * YAML 1.2 parser, of which it is a subset); anything else is taken as an already-parsed JSON
 * value. On failure every problem found is returned, not only the first.
 */
export function parsePipelineSpec(input: string | unknown): Result<PipelineSpec> {
  if (typeof input === "string") {
    const doc = parseSpecText(input);
    return doc.ok ? validatePipelineSpec(doc.value) : doc;
  }
  return validatePipelineSpec(input);
}

/**
 * YAML/JSON text → plain JSON-like value (no validation). Uses the YAML 1.2 core schema, so
 * `yes`/`on` stay strings and dates are not converted; `<<` merge keys are enabled so steps
 * can share settings through anchors. Duplicate keys are syntax errors.
 */
export function parseSpecText(text: string): Result<unknown> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return fail(
      doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        // The library's message for this case points at its own API; say what is wrong instead.
        const message = e.code === "MULTIPLE_DOCS" ? "the file contains more than one YAML document" : e.message;
        return { path: "spec", message: `YAML syntax error at line ${line}, column ${col}: ${message}` };
      }),
    );
  }
  if (doc.contents === null) return fail([{ path: "spec", message: "the document is empty" }]);
  try {
    return ok(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown);
  } catch (e) {
    // e.g. an alias to an undefined anchor, or too many aliases.
    return fail([{ path: "spec", message: `invalid YAML: ${e instanceof Error ? e.message : String(e)}` }]);
  }
}

/** Validates an already-parsed value (the result of JSON.parse or parseSpecText). */
export function validatePipelineSpec(raw: unknown): Result<PipelineSpec> {
  if (!isPlainObject(raw)) {
    return fail([{ path: "spec", message: `expected a mapping at the top level, got ${typeName(raw)}` }]);
  }
  const issues = new IssueList();
  checkKeys(raw, "pipeline", [], issues);

  let name = "";
  if (!present(raw, "name")) issues.add(["name"], "required key is missing");
  else if (typeof raw.name !== "string") issues.add(["name"], `expected string, got ${typeName(raw.name)}`);
  else if (!PIPELINE_NAME_RE.test(raw.name)) {
    issues.add(
      ["name"],
      `invalid pipeline name ${quote(raw.name)} (lowercase letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100 characters)`,
    );
  } else name = raw.name;
  const description = optionalString(raw, "description", [], issues) ?? "";
  const failFast = optionalBoolean(raw, "failFast", [], issues) ?? false;
  const params = parseParams(raw.params, ["params"], issues);
  const defaults: StepDefaults = {
    executor: parseExecutor(raw, [], issues) ?? "shared",
    image: parseImage(raw, [], issues) ?? null,
    secrets: parseSecrets(raw, [], issues) ?? [],
  };
  const steps = parseSteps(raw.steps, params.names, defaults, issues);

  if (!issues.empty) return fail(issues.items);
  return ok({ name, description, failFast, params: params.declared, steps });
}

// ---------------------------------------------------------------------------------------------
// Generic helpers. Convention: a key that is absent or null counts as "not given" (YAML users
// write `env:` with nothing after it); the only exception is a parameter's `default`, where
// null is a legitimate JSON value.

function present(obj: Raw, key: string): boolean {
  return Object.hasOwn(obj, key) && obj[key] !== undefined && obj[key] !== null;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

/** `"float"` for strings, `5` for numbers and booleans, the type name otherwise. */
function show(value: unknown): string {
  if (typeof value === "string") return quote(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeName(value);
}

function checkKeys(obj: Raw, kind: keyof typeof SPEC_KEYS, path: PathSegment[], issues: IssueList): void {
  const allowed: readonly string[] = SPEC_KEYS[kind];
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const hint = suggest(key, allowed);
    issues.add(
      [...path, key],
      `unknown key ${quote(key)}${hint ? ` (did you mean ${quote(hint)}?)` : ""}; allowed keys: ${allowed.join(", ")}`,
    );
  }
}

function optionalString(obj: Raw, key: string, path: PathSegment[], issues: IssueList): string | undefined {
  if (!present(obj, key)) return undefined;
  const v = obj[key];
  if (typeof v === "string") return v;
  issues.add([...path, key], `expected string, got ${typeName(v)}`);
  return undefined;
}

/** Like optionalString, but blank text is an error (an empty command or shell is always a mistake). */
function optionalText(obj: Raw, key: string, path: PathSegment[], issues: IssueList): string | undefined {
  const v = optionalString(obj, key, path, issues);
  if (v !== undefined && v.trim() === "") {
    issues.add([...path, key], "must not be empty");
    return undefined;
  }
  return v;
}

function optionalBoolean(obj: Raw, key: string, path: PathSegment[], issues: IssueList): boolean | undefined {
  if (!present(obj, key)) return undefined;
  const v = obj[key];
  if (typeof v === "boolean") return v;
  issues.add([...path, key], `expected boolean, got ${typeName(v)}`);
  return undefined;
}

/** A positive duration (string like "10m" or a number of seconds), in ms; undefined if invalid. */
function durationValue(value: unknown, path: PathSegment[], issues: IssueList): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") {
    issues.add(path, `expected a duration such as "30s" or "10m", got ${typeName(value)}`);
    return undefined;
  }
  const ms = parseDuration(value);
  if (ms === null) {
    issues.add(path, `invalid duration ${show(value)} (use e.g. 30s, 10m, 1h30m)`);
    return undefined;
  }
  if (ms <= 0) {
    issues.add(path, "duration must be greater than 0");
    return undefined;
  }
  return ms;
}

// ---------------------------------------------------------------------------------------------
// params

/**
 * `declared` holds the valid definitions; `names` every parameter name in the mapping, valid
 * or not, so that templates referencing a parameter whose definition is broken do not get a
 * second, misleading "no parameter" error.
 */
function parseParams(
  raw: unknown,
  path: PathSegment[],
  issues: IssueList,
): { declared: Record<string, ParamSpec>; names: ReadonlySet<string> } {
  const entries: [string, ParamSpec][] = [];
  if (raw === undefined || raw === null) return { declared: {}, names: new Set() };
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a mapping of parameter names to definitions, got ${typeName(raw)}`);
    return { declared: {}, names: new Set() };
  }
  for (const [name, def] of Object.entries(raw)) {
    const p = [...path, name];
    if (!PARAM_NAME_RE.test(name)) {
      issues.add(p, `invalid parameter name ${quote(name)} (letters, digits, "_" and "-", starting with a letter, at most 63 characters)`);
    }
    const spec = parseParam(def, p, issues);
    if (spec) entries.push([name, spec]);
  }
  return { declared: Object.fromEntries(entries), names: new Set(Object.keys(raw)) };
}

function parseParam(raw: unknown, path: PathSegment[], issues: IssueList): ParamSpec | undefined {
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a mapping with at least "type", got ${typeName(raw)}`);
    return undefined;
  }
  checkKeys(raw, "param", path, issues);
  let type: ParamType | undefined;
  if (!present(raw, "type")) issues.add([...path, "type"], "required key is missing");
  else if (typeof raw.type === "string" && (PARAM_TYPES as readonly string[]).includes(raw.type)) type = raw.type as ParamType;
  else issues.add([...path, "type"], `invalid type ${show(raw.type)} (expected one of ${PARAM_TYPES.join(", ")})`);
  const description = optionalString(raw, "description", path, issues);

  let enumValues: unknown[] | undefined;
  let enumValid = false;
  if (present(raw, "enum")) {
    if (!Array.isArray(raw.enum) || raw.enum.length === 0) {
      issues.add([...path, "enum"], `expected a non-empty list of allowed values, got ${Array.isArray(raw.enum) ? "an empty list" : typeName(raw.enum)}`);
    } else {
      enumValues = [...(raw.enum as unknown[])];
      enumValid = type !== undefined;
      if (type) {
        enumValues.forEach((v, i) => {
          const c = checkParamValue(type, v, false);
          if (!c.ok) {
            issues.add([...path, "enum", i], c.message);
            enumValid = false;
          }
        });
      }
    }
  }

  const hasDefault = Object.hasOwn(raw, "default") && raw.default !== undefined;
  if (hasDefault && type) {
    const c = checkParamValue(type, raw.default, false);
    if (!c.ok) issues.add([...path, "default"], c.message);
    else if (enumValid && enumValues && !enumContains(enumValues, c.value)) issues.add([...path, "default"], enumMessage(enumValues, c.value));
  }
  if (!type) return undefined;
  const spec: ParamSpec = { type };
  if (hasDefault) spec.default = raw.default;
  if (description !== undefined) spec.description = description;
  if (enumValues) spec.enum = enumValues;
  return spec;
}

// ---------------------------------------------------------------------------------------------
// steps

/** Pipeline-wide settings that steps inherit unless they set their own. */
interface StepDefaults {
  executor: ExecutorName;
  image: string | null;
  /** Replaced, not extended, by a step's own `secrets:` (`secrets: []` opts a step out). */
  secrets: string[];
}

function parseSteps(raw: unknown, params: ReadonlySet<string>, defaults: StepDefaults, issues: IssueList): Record<string, StepSpec> {
  const path: PathSegment[] = ["steps"];
  if (raw === undefined || raw === null) {
    issues.add(path, "required key is missing");
    return {};
  }
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a mapping of step names to definitions, got ${typeName(raw)}`);
    return {};
  }
  const names = Object.keys(raw);
  if (names.length === 0) {
    issues.add(path, "must define at least one step");
    return {};
  }

  // Pass 1: every step's declared output names, so templates can be checked against steps
  // defined later in the file. `null` = outputs unreadable; references to them are not checked
  // (the outputs error is reported on its own).
  const stepOutputs = new Map<string, ReadonlySet<string> | null>();
  for (const name of names) {
    const def = raw[name];
    const outputs = isPlainObject(def) ? def.outputs : undefined;
    if (outputs === undefined || outputs === null) stepOutputs.set(name, new Set());
    else stepOutputs.set(name, isPlainObject(outputs) ? new Set(Object.keys(outputs)) : null);
  }
  // Pass 2: full validation. `graph` keeps the valid needs of every step, including steps with
  // other errors, so cycles are still found when something else is wrong too.
  const steps: [string, StepSpec][] = [];
  const graph: [string, { needs: string[] }][] = [];
  for (const name of names) {
    const p = [...path, name];
    if (!STEP_NAME_RE.test(name)) {
      issues.add(p, `invalid step name ${quote(name)} (letters, digits, "_" and "-", starting with a letter, at most 63 characters)`);
    }
    const scope: TemplateScope = { params, ownStep: name, ownOutputs: stepOutputs.get(name) ?? null, stepOutputs };
    const parsed = parseStep(name, raw[name], p, scope, defaults, issues);
    graph.push([name, { needs: parsed.needs }]);
    if (parsed.step) steps.push([name, parsed.step]);
  }

  // Self-dependencies never reach the graph (reported on the needs entry instead).
  const cycles = findCycles(Object.fromEntries(graph), MAX_REPORTED_CYCLES + 1);
  for (const cycle of cycles.slice(0, MAX_REPORTED_CYCLES)) issues.add(path, `dependency cycle ${formatCycle(cycle)}`);
  if (cycles.length > MAX_REPORTED_CYCLES) issues.add(path, `more dependency cycles not shown (first ${MAX_REPORTED_CYCLES} listed)`);
  return Object.fromEntries(steps);
}

function parseStep(
  name: string,
  raw: unknown,
  path: PathSegment[],
  scope: TemplateScope,
  defaults: StepDefaults,
  issues: IssueList,
): { step?: StepSpec; needs: string[] } {
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a mapping with "run" or "script", got ${typeName(raw)}`);
    return { needs: [] };
  }
  checkKeys(raw, "step", path, issues);

  const run = optionalText(raw, "run", path, issues);
  const script = optionalText(raw, "script", path, issues);
  const shell = optionalText(raw, "shell", path, issues);
  const hasRun = present(raw, "run");
  const hasScript = present(raw, "script");
  if (hasRun && hasScript) issues.add(path, 'step must define exactly one of "run" or "script", not both');
  else if (!hasRun && !hasScript) issues.add(path, 'step must define exactly one of "run" or "script"');
  // `run` always goes through the default shell; `shell` names the interpreter of a script.
  if (present(raw, "shell") && !hasScript) issues.add([...path, "shell"], '"shell" is only allowed with "script"');

  const outputs = parseOutputs(raw.outputs, [...path, "outputs"], issues);
  const env = parseEnv(raw.env, [...path, "env"], issues);

  const referenced: string[] = [];
  const checkText = (text: string | undefined, at: PathSegment[]) => {
    if (text === undefined) return;
    const result = checkTemplate(text, scope);
    for (const message of result.messages) issues.add(at, message);
    referenced.push(...result.stepRefs);
  };
  checkText(run, [...path, "run"]);
  checkText(script, [...path, "script"]);
  for (const [key, value] of Object.entries(env)) checkText(value, [...path, "env", key]);

  const explicit = parseNeeds(raw.needs, name, [...path, "needs"], scope.stepOutputs, issues);
  const needs = [...new Set([...explicit, ...referenced])].sort();
  const executor = parseExecutor(raw, path, issues) ?? defaults.executor;
  const ownImage = parseImage(raw, path, issues);
  if (ownImage !== undefined && executor !== "container") {
    issues.add([...path, "image"], '"image" is only used by container steps (add executor: container)');
  }
  const image = executor === "container" ? (ownImage ?? defaults.image ?? DEFAULT_IMAGE) : null;
  const resources = parseResources(raw.resources, [...path, "resources"], issues);
  const retries = parseRetries(raw.retries, [...path, "retries"], resources, issues);
  const timeoutMs = present(raw, "timeout") ? (durationValue(raw.timeout, [...path, "timeout"], issues) ?? null) : null;

  const cache = parseCache(raw.cache, [...path, "cache"], issues);
  let nondeterministic = false;
  if (present(raw, "nondeterministic")) {
    if (typeof raw.nondeterministic === "boolean") nondeterministic = raw.nondeterministic;
    else issues.add([...path, "nondeterministic"], `expected true or false, got ${typeName(raw.nondeterministic)}`);
  }

  const ownSecrets = parseSecrets(raw, path, issues);
  const secrets = ownSecrets ?? defaults.secrets;
  // A variable has one source: with a name both in env and in secrets, which value the step
  // sees would depend on an ordering rule nobody reads.
  secrets.forEach((secret, i) => {
    if (!Object.hasOwn(env, secret)) return;
    if (ownSecrets) issues.add([...path, "secrets", i], `${secret} is also set in env; a variable comes either from env or from a secret`);
    else issues.add([...path, "env", secret], `${secret} is also one of the pipeline's secrets; a variable comes either from env or from a secret`);
  });

  const step: StepSpec = { name, needs, env, outputs, retries, timeoutMs, cache, nondeterministic, executor, image, resources };
  if (secrets.length > 0) step.secrets = secrets;
  if (run !== undefined) step.run = run;
  if (script !== undefined) {
    step.script = script;
    step.shell = shell ?? DEFAULT_SHELL;
  }
  return { step, needs };
}

function parseNeeds(
  raw: unknown,
  self: string,
  path: PathSegment[],
  steps: ReadonlyMap<string, unknown>,
  issues: IssueList,
): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    issues.add(path, `expected a list of step names, got ${typeName(raw)}`);
    return [];
  }
  const out: string[] = [];
  raw.forEach((dep: unknown, i) => {
    if (typeof dep !== "string") issues.add([...path, i], `expected a step name, got ${typeName(dep)}`);
    else if (dep === self) issues.add([...path, i], "step cannot depend on itself");
    else if (!steps.has(dep)) issues.add([...path, i], `unknown step ${quote(dep)}`);
    else out.push(dep); // duplicates are harmless and removed by the caller
  });
  return out;
}

function parseOutputs(raw: unknown, path: PathSegment[], issues: IssueList): Record<string, OutputSpec> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a mapping of output names to definitions, got ${typeName(raw)}`);
    return {};
  }
  const entries: [string, OutputSpec][] = [];
  for (const [name, def] of Object.entries(raw)) {
    const p = [...path, name];
    if (!OUTPUT_NAME_RE.test(name)) {
      issues.add(p, `invalid output name ${quote(name)} (letters, digits, "_" and "-", starting with a letter, at most 63 characters)`);
    }
    if (!isPlainObject(def)) {
      issues.add(p, `expected a mapping with "type", got ${typeName(def)}`);
      continue;
    }
    checkKeys(def, "output", p, issues);
    const description = optionalString(def, "description", p, issues);
    if (!present(def, "type")) {
      issues.add([...p, "type"], "required key is missing");
      continue;
    }
    if (typeof def.type !== "string" || !(OUTPUT_TYPES as readonly string[]).includes(def.type)) {
      issues.add([...p, "type"], `invalid type ${show(def.type)} (expected one of ${OUTPUT_TYPES.join(", ")})`);
      continue;
    }
    const spec: OutputSpec = { type: def.type as OutputType };
    if (description !== undefined) spec.description = description;
    if (present(def, "register")) {
      const register = parseRegister(def.register, [...p, "register"], spec.type, issues);
      if (register) spec.register = register;
    }
    entries.push([name, spec]);
  }
  return Object.fromEntries(entries);
}

/** `register: { model: NAME }` (or `register: NAME`) on an artifact output. */
function parseRegister(raw: unknown, path: PathSegment[], type: OutputType, issues: IssueList): OutputSpec["register"] {
  if (!(ARTIFACT_OUTPUT_TYPES as readonly string[]).includes(type)) {
    issues.add(path, `only artifact outputs can be registered as models (this one is ${type})`);
    return undefined;
  }
  let model: unknown = raw;
  if (isPlainObject(raw)) {
    checkKeys(raw, "register", path, issues);
    model = raw.model;
    path = [...path, "model"];
  }
  if (typeof model !== "string" || !MODEL_NAME_RE.test(model)) {
    issues.add(path, `expected a model name (letters, digits, spaces, ".", "_" and "-", starting with a letter or digit), got ${show(model)}`);
    return undefined;
  }
  return { model };
}

/**
 * Environment values are strings. YAML numbers and booleans are converted with String() for
 * convenience (`SEED: 42`); this normalises their spelling (`1.0` → "1", `0x10` → "16"), so
 * values that must be kept verbatim should be quoted.
 */
function parseEnv(raw: unknown, path: PathSegment[], issues: IssueList): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a mapping of variable names to values, got ${typeName(raw)}`);
    return {};
  }
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(raw)) {
    const p = [...path, name];
    if (!ENV_NAME_RE.test(name)) {
      issues.add(p, `invalid environment variable name ${quote(name)} (letters, digits and "_", not starting with a digit)`);
    }
    if (typeof value === "string") entries.push([name, value]);
    else if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") entries.push([name, String(value)]);
    else issues.add(p, `expected string, got ${typeName(value)}`);
  }
  return Object.fromEntries(entries);
}

/**
 * `secrets: [DB_PASSWORD, API_TOKEN]` (on a step or the pipeline): project secrets given to the
 * step as environment variables of the same names. Undefined when absent; invalid and duplicate
 * names are reported and left out.
 */
function parseSecrets(obj: Raw, path: PathSegment[], issues: IssueList): string[] | undefined {
  if (!present(obj, "secrets")) return undefined;
  const at = [...path, "secrets"];
  const raw = obj.secrets;
  if (!Array.isArray(raw)) {
    issues.add(at, `expected a list of secret names such as [DB_PASSWORD], got ${typeName(raw)}`);
    return undefined;
  }
  const names: string[] = [];
  const seen = new Map<string, number>();
  raw.forEach((name: unknown, i) => {
    if (typeof name !== "string" || !SECRET_NAME_RE.test(name) || name.length > MAX_SECRET_NAME_LENGTH) {
      issues.add(
        [...at, i],
        `invalid secret name ${show(name)} (upper-case letters, digits and "_", not starting with a digit, at most ${MAX_SECRET_NAME_LENGTH} characters)`,
      );
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      issues.add([...at, i], `duplicate secret ${name} (already at secrets[${first}])`);
      return;
    }
    seen.set(name, i);
    names.push(name);
  });
  return names;
}

function retryLimit(value: unknown, path: PathSegment[], issues: IssueList): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_RETRY_LIMIT) return value;
  issues.add(path, `expected an integer from 0 to ${MAX_RETRY_LIMIT}, got ${typeof value === "number" ? String(value) : typeName(value)}`);
  return undefined;
}

/** `retries: 2` is shorthand for `retries: { limit: 2 }` with the default backoff and delays. */
function parseCache(raw: unknown, path: PathSegment[], issues: IssueList): CachePolicy {
  const policy: CachePolicy = { ...DEFAULT_CACHE_POLICY };
  if (raw === undefined || raw === null) return policy;
  if (typeof raw === "boolean") return { ...policy, enabled: raw };
  if (!isPlainObject(raw)) {
    issues.add(path, `expected true, false or a mapping such as { maxAge: 7d }, got ${typeName(raw)}`);
    return policy;
  }
  checkKeys(raw, "cache", path, issues);
  if (present(raw, "enabled")) {
    if (typeof raw.enabled === "boolean") policy.enabled = raw.enabled;
    else issues.add([...path, "enabled"], `expected true or false, got ${typeName(raw.enabled)}`);
  }
  if (present(raw, "maxAge")) policy.maxAgeMs = durationValue(raw.maxAge, [...path, "maxAge"], issues) ?? null;
  return policy;
}

function parseExecutor(raw: Raw, path: PathSegment[], issues: IssueList): ExecutorName | undefined {
  if (!present(raw, "executor")) return undefined;
  if (typeof raw.executor === "string" && (EXECUTORS as readonly string[]).includes(raw.executor)) return raw.executor as ExecutorName;
  issues.add([...path, "executor"], `invalid executor ${show(raw.executor)} (expected ${EXECUTORS.join(" or ")})`);
  return undefined;
}

/** An image reference as Docker and Podman accept it: name[:tag][@digest], with an optional registry. */
const IMAGE_RE = /^[a-z0-9][a-z0-9._\-/:@]*$/i;

function parseImage(raw: Raw, path: PathSegment[], issues: IssueList): string | undefined {
  const image = optionalText(raw, "image", path, issues);
  if (image === undefined) return undefined;
  if (IMAGE_RE.test(image) && image.length <= 255) return image;
  issues.add([...path, "image"], `invalid image reference ${quote(image)} (e.g. trellis-python:latest, registry.example.com/team/train:1.2)`);
  return undefined;
}

/** `resources: { cpu: 2, memory: 4Gi, gpu: 1 }`; every key is optional. */
function parseResources(raw: unknown, path: PathSegment[], issues: IssueList): ResourceRequest {
  const request: ResourceRequest = { ...NO_RESOURCES };
  if (raw === undefined || raw === null) return request;
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a mapping such as { cpu: 2, memory: 4Gi, gpu: 1 }, got ${typeName(raw)}`);
    return request;
  }
  checkKeys(raw, "resources", path, issues);
  if (present(raw, "cpu")) {
    request.cpu = parseCpu(raw.cpu);
    if (request.cpu === null) issues.add([...path, "cpu"], `invalid CPU request ${show(raw.cpu)} (a positive number of cores such as 2 or 0.5, or millicores such as 500m)`);
  }
  if (present(raw, "memory")) {
    request.memoryBytes = parseMemory(raw.memory);
    if (request.memoryBytes === null) issues.add([...path, "memory"], `invalid memory request ${show(raw.memory)} (e.g. 512Mi, 4Gi, 2G)`);
  }
  if (present(raw, "gpu")) {
    if (typeof raw.gpu === "number" && Number.isInteger(raw.gpu) && raw.gpu >= 0 && raw.gpu <= 64) request.gpu = raw.gpu;
    else issues.add([...path, "gpu"], `expected a whole number of GPUs from 0 to 64, got ${show(raw.gpu)}`);
  }
  return request;
}

/** Default cap of out-of-memory retries, as a multiple of the step's memory request. */
const DEFAULT_OOM_CAP_FACTOR = 4;

function parseOnOom(raw: unknown, path: PathSegment[], resources: ResourceRequest, issues: IssueList): RetryPolicy["onOOM"] {
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a mapping such as { memoryFactor: 2, maxMemory: 8Gi }, got ${typeName(raw)}`);
    return null;
  }
  checkKeys(raw, "onOOM", path, issues);
  let memoryFactor = 2;
  if (present(raw, "memoryFactor")) {
    if (typeof raw.memoryFactor === "number" && raw.memoryFactor > 1 && raw.memoryFactor <= 16) memoryFactor = raw.memoryFactor;
    else issues.add([...path, "memoryFactor"], `expected a number greater than 1 and at most 16, got ${show(raw.memoryFactor)}`);
  }
  if (resources.memoryBytes === null) {
    issues.add(path, "needs resources.memory: out-of-memory retries multiply the step's memory request");
    return null;
  }
  let maxMemoryBytes = resources.memoryBytes * DEFAULT_OOM_CAP_FACTOR;
  if (present(raw, "maxMemory")) {
    const cap = parseMemory(raw.maxMemory);
    if (cap === null) issues.add([...path, "maxMemory"], `invalid memory ${show(raw.maxMemory)} (e.g. 8Gi)`);
    else if (cap <= resources.memoryBytes) {
      issues.add([...path, "maxMemory"], `must be more than resources.memory (${formatBytes(cap)} <= ${formatBytes(resources.memoryBytes)})`);
    } else maxMemoryBytes = cap;
  }
  return { memoryFactor, maxMemoryBytes };
}

function parseRetries(raw: unknown, path: PathSegment[], resources: ResourceRequest, issues: IssueList): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY };
  if (raw === undefined || raw === null) return policy;
  if (typeof raw === "number") {
    policy.limit = retryLimit(raw, path, issues) ?? 0;
    return policy;
  }
  if (!isPlainObject(raw)) {
    issues.add(path, `expected a number of retries or a mapping with "limit", got ${typeName(raw)}`);
    return policy;
  }
  checkKeys(raw, "retries", path, issues);
  if (present(raw, "onOOM")) policy.onOOM = parseOnOom(raw.onOOM, [...path, "onOOM"], resources, issues);
  // `retries: { onOOM: … }` alone is complete: only out-of-memory kills are retried.
  if (!present(raw, "limit")) {
    if (!present(raw, "onOOM")) issues.add([...path, "limit"], "required key is missing");
  } else policy.limit = retryLimit(raw.limit, [...path, "limit"], issues) ?? 0;
  if (present(raw, "backoff")) {
    if (typeof raw.backoff === "string" && (BACKOFF_KINDS as readonly string[]).includes(raw.backoff)) policy.backoff = raw.backoff as Backoff;
    else issues.add([...path, "backoff"], `invalid backoff ${show(raw.backoff)} (expected ${BACKOFF_KINDS.join(" or ")})`);
  }
  const delay = present(raw, "delay") ? durationValue(raw.delay, [...path, "delay"], issues) : undefined;
  const maxDelay = present(raw, "maxDelay") ? durationValue(raw.maxDelay, [...path, "maxDelay"], issues) : undefined;
  if (delay !== undefined) policy.delayMs = delay;
  // Invariant maxDelayMs >= delayMs. An explicit maxDelay below delay is an error; when only
  // `delay` is given, the default cap rises to meet it rather than silently shortening it.
  if (maxDelay !== undefined) {
    if (maxDelay < policy.delayMs) {
      issues.add([...path, "maxDelay"], `must not be less than delay (${formatDuration(maxDelay)} < ${formatDuration(policy.delayMs)})`);
    }
    policy.maxDelayMs = maxDelay;
  } else {
    policy.maxDelayMs = Math.max(DEFAULT_RETRY_POLICY.maxDelayMs, policy.delayMs);
  }
  return policy;
}

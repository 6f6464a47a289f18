import { existsSync } from "node:fs";
import { cp, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PrismaClient } from "@trellis/db";
import {
  DEFAULT_PROJECT,
  SecretUnreadable,
  dataPaths,
  materializeSnapshot,
  resolveSecrets,
  RUN_TOKEN_DEFAULT_TTL_MS,
  runTokenFor,
  type ClaimedStep,
  type Placement,
  type SecretsKey,
} from "@trellis/engine";
import type { ArtifactStore } from "@trellis/artifacts";
import {
  isArtifactRef,
  renderTemplate,
  TemplateError,
  type ArtifactRef,
  stepReferences,
  DEFAULT_IMAGE,
  type PipelineSpec,
  type StepSpec,
  type TemplateContext,
} from "@trellis/spec";
import { materializeInputs, recordInputLinks } from "./artifacts.js";
import type { ContainerSettings, ProcessSpec } from "./executor/types.js";
import { RUN_LABEL, STEP_LABEL } from "./executor/container-executor.js";

/** Environment variables of the worker that a step must not inherit. */
/**
 * The worker's own credentials, never inherited by a shared step: a step acts with its run
 * token and the secrets it declares, not with the control plane's keys or a user's token.
 */
const PRIVATE_ENV = [
  "DATABASE_URL",
  "REDIS_URL",
  "TEST_DATABASE_URL",
  "TRELLIS_SECRETS_KEY",
  "TRELLIS_BOOTSTRAP_TOKEN",
  "TRELLIS_SETUP_CODE",
  "TRELLIS_ADMIN_PASSWORD",
  "TRELLIS_OIDC_CLIENT_SECRET",
  "TRELLIS_TOKEN",
  "MLFLOW_TRACKING_TOKEN",
  "MLFLOW_TRACKING_USERNAME",
  "MLFLOW_TRACKING_PASSWORD",
];
/** A step's run token outlives its timeout by this much, for the reports after it stops. */
const RUN_TOKEN_MARGIN_MS = 10 * 60 * 1000;

export interface RunInfo {
  runId: string;
  projectId: string;
  pipeline: string;
  versionId: string;
  codeDigest: string | null;
  params: Record<string, unknown>;
  /** MLflow tracking URI of the run's project (the MLflow API of other projects lives under /projects/NAME). */
  mlflowUri: string;
}

export interface StepPreparerOptions {
  /** Base URL of the Trellis API as seen from step processes (TRELLIS_API_URL, MLFLOW_TRACKING_URI). */
  apiUrl: string;
  /** Directory put first on PYTHONPATH so `from trellis import log_metric` works; null leaves PYTHONPATH alone. */
  pythonSdkDir: string | null;
  /** Where upstream artifacts are fetched from, and the local directory they are materialized into. */
  artifacts: { store: ArtifactStore; cacheDir: string };
  /**
   * The worker has a GPU inventory: shared steps then always get CUDA_VISIBLE_DEVICES, empty
   * when they asked for no GPU, so no step uses a device it was not given.
   */
  hasGpus: boolean;
  /** Decrypts the secrets steps declare (TRELLIS_SECRETS_KEY); null: a step that declares one fails. */
  secretsKey: SecretsKey | null;
}

/** What the worker decided for this attempt before preparing it. */
export interface Assignment {
  /** The job's placement (memory already raised by out-of-memory retries); null: no requests. */
  placement: Placement | null;
  gpuDevices: string[];
}

/**
 * Where a container step sees its files. Host paths never appear inside containers, so the
 * rendered command is the same on every worker.
 */
export const CONTAINER_PATHS = {
  workspace: "/workspace",
  outputs: "/trellis/outputs",
  inputs: "/trellis/inputs",
  scratch: "/trellis/scratch",
  sdk: "/trellis/sdk",
} as const;

/**
 * The repository's `sdk/python` directory (the `trellis` Python helper), found by walking up
 * from this module: it is apps/worker/src under tsx and apps/worker/dist when built, and a
 * deployment may put the worker elsewhere in the tree. Null when there is none.
 */
export function findPythonSdkDir(from = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "sdk", "python");
    if (existsSync(path.join(candidate, "trellis", "__init__.py"))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

export interface PreparedStep {
  process: ProcessSpec;
  run: RunInfo;
  spec: StepSpec;
  outputsDir: string;
  /** Human-readable command shown in the UI. */
  command: string;
  /** Values of the secrets put in its environment: whatever the step prints is masked with them. */
  secretValues: string[];
}

/** Of the upstream outputs the step's templates reference ("STEP.OUTPUT"), the ones that are stored artifacts. */
function referencedArtifacts(inputs: string[], upstream: TemplateContext["steps"]): { name: string; ref: ArtifactRef }[] {
  return inputs.flatMap((name) => {
    const [step = "", output = ""] = name.split(".");
    const value = upstream[step]?.outputs[output];
    // Runs recorded before artifacts were stored hold plain paths: those pass through as they are.
    return isArtifactRef(value) ? [{ name, ref: value }] : [];
  });
}

/** A step that cannot even be started (bad reference, missing upstream output): a terminal failure. */
export class PreparationError extends Error {}

/**
 * Turns a claimed step into a process to run: loads the (immutable, cached) spec, makes the
 * run's workspace from its code snapshot, renders templates against params and upstream
 * outputs, and lays out the attempt's output paths.
 */
export class StepPreparer {
  private readonly specs = new Map<string, PipelineSpec>();
  private readonly runs = new Map<string, RunInfo>();
  private readonly workspaces = new Map<string, Promise<string>>();

  constructor(
    private readonly db: PrismaClient,
    private readonly dataDir: string,
    private readonly options: StepPreparerOptions,
  ) {}

  async prepare(step: ClaimedStep, assignment: Assignment = { placement: null, gpuDevices: [] }): Promise<PreparedStep> {
    const run = await this.runInfo(step.runId);
    const spec = (await this.pipelineSpec(run.versionId)).steps[step.template];
    if (!spec) throw new PreparationError(`step "${step.template}" is not in the pipeline spec`);
    const inContainer = spec.executor === "container";
    const mounts: ContainerSettings["mounts"] = [];

    // What the templates read: the params the step sees and the upstream outputs it needs fetched.
    const refs = stepReferences(spec);
    const [workspace, upstream] = await Promise.all([
      this.workspace(run),
      refs.inputs.length > 0 ? this.upstreamOutputs(step).then((u) => this.withInputPaths(step, refs.inputs, u, inContainer ? mounts : null)) : {},
    ]);
    const outputsDir = dataPaths.stepOutputs(this.dataDir, run.runId, step.name, step.attempt);
    await mkdir(outputsDir, { recursive: true });
    // The paths the step's process sees: the host's, or the container's mount points.
    const seen = inContainer
      ? { workspace: CONTAINER_PATHS.workspace, outputsDir: CONTAINER_PATHS.outputs, sdk: this.options.pythonSdkDir === null ? null : CONTAINER_PATHS.sdk }
      : { workspace, outputsDir, sdk: this.options.pythonSdkDir };
    const outputPaths: Record<string, string> = {};
    for (const [name, output] of Object.entries(spec.outputs)) {
      outputPaths[name] = path.join(seen.outputsDir, name);
      if (output.type === "directory") await mkdir(path.join(outputsDir, name), { recursive: true });
    }

    const ctx: TemplateContext = {
      params: run.params,
      outputs: outputPaths,
      steps: upstream,
      run: { id: run.runId, pipeline: run.pipeline },
      step: { name: step.name, attempt: step.attempt },
    };
    const render = (text: string, where: string) => {
      try {
        return renderTemplate(text, ctx);
      } catch (err) {
        if (err instanceof TemplateError) throw new PreparationError(`${where}: cannot resolve \${{ ${err.expression} }}: ${err.message}`);
        throw err;
      }
    };

    // Minted per attempt, living as long as the step may run (plus a margin for its last report).
    const runToken = await runTokenFor(this.db, run.runId, spec.timeoutMs ? spec.timeoutMs + RUN_TOKEN_MARGIN_MS : RUN_TOKEN_DEFAULT_TTL_MS);
    const env: Record<string, string> = {};
    // Shared steps inherit the worker's environment (PATH, virtualenvs, …); a container starts
    // from its image's environment, and HOME may not exist there for the worker's user.
    if (inContainer) env.HOME = "/tmp";
    else for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !PRIVATE_ENV.includes(key)) env[key] = value;
    // A step sees the params its templates reference, exactly what its cache key covers: reading
    // any other param could make a cached result wrong.
    const visibleParams = Object.fromEntries(refs.params.filter((p) => Object.hasOwn(run.params, p)).map((p) => [p, run.params[p]]));
    Object.assign(env, {
      PYTHONUNBUFFERED: "1",
      TRELLIS_RUN_ID: run.runId,
      TRELLIS_PIPELINE: run.pipeline,
      TRELLIS_STEP: step.name,
      TRELLIS_ATTEMPT: String(step.attempt),
      TRELLIS_WORKSPACE: seen.workspace,
      TRELLIS_OUTPUTS_DIR: seen.outputsDir,
      TRELLIS_PARAMS: JSON.stringify(visibleParams),
      TRELLIS_API_URL: this.options.apiUrl,
      TRELLIS_RUN_TOKEN: runToken,
      // MLflow clients inside a step log to Trellis, into the pipeline run itself, with the
      // run's token (MLflow sends MLFLOW_TRACKING_TOKEN as Authorization: Bearer).
      MLFLOW_TRACKING_URI: run.mlflowUri,
      MLFLOW_TRACKING_TOKEN: runToken,
      MLFLOW_RUN_ID: run.runId,
    });
    for (const [name, value] of Object.entries(visibleParams)) {
      env[`TRELLIS_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    // GPU devices: given by id. Inside a container the runtime exposes only the assigned
    // devices (device requests), so CUDA_VISIBLE_DEVICES is left to it there.
    env.TRELLIS_GPU_DEVICES = assignment.gpuDevices.join(",");
    if (!inContainer && (this.options.hasGpus || assignment.gpuDevices.length > 0)) env.CUDA_VISIBLE_DEVICES = assignment.gpuDevices.join(",");
    for (const [key, value] of Object.entries(spec.env)) env[key] = render(value, `env.${key}`);
    // Declared secrets, after the step's env: the spec refuses a name in both, so this only puts
    // them above the worker's inherited environment, where a declared secret must win.
    const secrets = await this.secrets(run, spec.secrets ?? []);
    Object.assign(env, secrets);
    // After the step's own env, so a PYTHONPATH set there (or inherited) is kept, behind ours.
    if (seen.sdk !== null) env.PYTHONPATH = env.PYTHONPATH ? `${seen.sdk}${path.delimiter}${env.PYTHONPATH}` : seen.sdk;

    let argv: string[];
    let command: string;
    if (spec.script !== undefined) {
      const script = render(spec.script, "script");
      const scratchDir = dataPaths.stepScratch(this.dataDir, run.runId, step.name, step.attempt);
      await writeFile(path.join(scratchDir, "script"), script, { mode: 0o755 });
      if (inContainer) mounts.push({ source: scratchDir, target: CONTAINER_PATHS.scratch, readOnly: true });
      const shell = (spec.shell ?? "bash").trim().split(/\s+/);
      argv = [...shell, path.join(inContainer ? CONTAINER_PATHS.scratch : scratchDir, "script")];
      command = `${shell.join(" ")} <<'SCRIPT'\n${script}\nSCRIPT`;
    } else {
      command = render(spec.run ?? "", "run");
      // Like CI runners: fail on the first failing command and on failures inside pipes.
      argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command];
    }
    const processSpec: ProcessSpec = { argv, cwd: seen.workspace, env, timeoutMs: spec.timeoutMs, gpuDevices: assignment.gpuDevices };
    if (inContainer) {
      mounts.push(
        { source: workspace, target: CONTAINER_PATHS.workspace, readOnly: false },
        { source: outputsDir, target: CONTAINER_PATHS.outputs, readOnly: false },
      );
      if (this.options.pythonSdkDir !== null) mounts.push({ source: this.options.pythonSdkDir, target: CONTAINER_PATHS.sdk, readOnly: true });
      processSpec.container = {
        image: spec.image ?? DEFAULT_IMAGE,
        mounts,
        cpu: assignment.placement?.cpu ?? null,
        memoryBytes: assignment.placement?.memoryBytes ?? null,
        labels: { [RUN_LABEL]: run.runId, [STEP_LABEL]: step.id },
      };
    }
    return { process: processSpec, run, spec, outputsDir, command, secretValues: Object.values(secrets) };
  }

  /**
   * The step's declared secrets, decrypted. Read on every attempt (never cached), so a changed
   * or deleted secret takes effect on the next attempt. Anything missing is a terminal failure:
   * a retry would find the same configuration.
   */
  private async secrets(run: RunInfo, names: string[]): Promise<Record<string, string>> {
    if (names.length === 0) return {};
    const key = this.options.secretsKey;
    if (!key) {
      throw new PreparationError(`the step uses secrets (${names.join(", ")}) but this worker has no TRELLIS_SECRETS_KEY; give it the same key as the API`);
    }
    try {
      const { values, missing } = await resolveSecrets(this.db, key, run.projectId, names);
      if (missing.length > 0) {
        const [them, s] = missing.length > 1 ? ["them", "s"] : ["it", ""];
        throw new PreparationError(`secret${s} ${missing.join(", ")} not defined in the project (deleted after the run started?); an admin can add ${them} under Settings → Secrets`);
      }
      return values;
    } catch (err) {
      if (err instanceof SecretUnreadable) throw new PreparationError(err.message);
      throw err;
    }
  }

  private async runInfo(runId: string): Promise<RunInfo> {
    const cached = this.runs.get(runId);
    if (cached) return cached;
    const run = await this.db.run.findUniqueOrThrow({
        where: { id: runId },
        select: {
          params: true,
          pipelineVersionId: true,
          projectId: true,
          project: { select: { name: true } },
          pipeline: { select: { name: true } },
          pipelineVersion: { select: { codeDigest: true } },
        },
      });
    // Only pipeline runs have steps, so a claimed step's run always has its pipeline.
    if (!run.pipeline || !run.pipelineVersionId || !run.pipelineVersion) throw new PreparationError(`run ${runId} is not a pipeline run`);
    // Run.params also collects the params that steps log while the run goes on; steps see only
    // the pipeline's declared params, so what a step receives does not depend on timing.
    const declared = (await this.pipelineSpec(run.pipelineVersionId)).params;
    const params = Object.fromEntries(Object.entries(run.params as Record<string, unknown>).filter(([name]) => Object.hasOwn(declared, name)));
    const info: RunInfo = {
      runId,
      projectId: run.projectId,
      pipeline: run.pipeline.name,
      versionId: run.pipelineVersionId,
      codeDigest: run.pipelineVersion.codeDigest,
      params,
      mlflowUri: run.project.name === DEFAULT_PROJECT ? this.options.apiUrl : `${this.options.apiUrl.replace(/\/+$/, "")}/projects/${encodeURIComponent(run.project.name)}`,
    };
    if (this.runs.size > 1000) this.runs.clear();
    this.runs.set(runId, info);
    return info;
  }

  private async pipelineSpec(versionId: string): Promise<PipelineSpec> {
    const cached = this.specs.get(versionId);
    if (cached) return cached;
    const version = await this.db.pipelineVersion.findUniqueOrThrow({ where: { id: versionId }, select: { spec: true } });
    const spec = version.spec as unknown as PipelineSpec;
    if (this.specs.size > 200) this.specs.clear();
    this.specs.set(versionId, spec);
    return spec;
  }

  /**
   * Materializes the upstream artifacts the step references and puts their local paths where
   * the templates read them; records them as the step's input links. Steps that reference
   * only scalars (or old plain paths) skip all of this.
   */
  private async withInputPaths(
    step: ClaimedStep,
    inputs: string[],
    upstream: TemplateContext["steps"],
    /** For container steps: where each input's read-only mount is added. */
    mounts: ContainerSettings["mounts"] | null,
  ): Promise<TemplateContext["steps"]> {
    const refs = referencedArtifacts(inputs, upstream);
    if (refs.length === 0) return upstream;
    const { store, cacheDir } = this.options.artifacts;
    const materialized = await materializeInputs(store, cacheDir, refs);
    await recordInputLinks(this.db, step, materialized);
    const resolved: TemplateContext["steps"] = {};
    for (const [name, value] of Object.entries(upstream)) resolved[name] = { outputs: { ...value.outputs } };
    for (const input of materialized) {
      const [stepName, output] = input.name.split(".") as [string, string];
      let seenPath = input.localPath;
      if (mounts) {
        seenPath = path.posix.join(CONTAINER_PATHS.inputs, stepName, output);
        mounts.push({ source: input.localPath, target: seenPath, readOnly: true });
      }
      resolved[stepName]!.outputs[output] = seenPath;
    }
    return resolved;
  }

  private async upstreamOutputs(step: ClaimedStep): Promise<TemplateContext["steps"]> {
    if (step.needs.length === 0) return {};
    const rows = await this.db.$queryRaw<{ name: string; outputs: Record<string, unknown> }[]>`
      SELECT name, outputs FROM "Step" WHERE "runId" = ${step.runId}::uuid AND name = ANY(${step.needs}::text[])`;
    return Object.fromEntries(rows.map((r) => [r.name, { outputs: r.outputs }]));
  }

  /** The run's working directory: a private copy of the code snapshot shared by its steps. */
  private workspace(run: RunInfo): Promise<string> {
    let pending = this.workspaces.get(run.runId);
    if (!pending) {
      pending = this.createWorkspace(run);
      this.workspaces.set(run.runId, pending);
      pending.catch(() => this.workspaces.delete(run.runId));
      if (this.workspaces.size > 1000) this.workspaces.delete(this.workspaces.keys().next().value as string);
    }
    return pending;
  }

  private async createWorkspace(run: RunInfo): Promise<string> {
    const dir = dataPaths.workspace(this.dataDir, run.runId);
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (exists) return dir;
    await mkdir(path.dirname(dir), { recursive: true });
    const tmp = `${dir}.tmp-${randomUUID()}`;
    if (run.codeDigest) {
      const snapshotDir = dataPaths.codeSnapshot(this.dataDir, run.codeDigest);
      await mkdir(path.dirname(snapshotDir), { recursive: true });
      await materializeSnapshot(this.db, run.codeDigest, snapshotDir);
      await cp(snapshotDir, tmp, { recursive: true });
    } else {
      await mkdir(tmp, { recursive: true });
    }
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      await rm(tmp, { recursive: true, force: true });
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
    });
    return dir;
  }
}

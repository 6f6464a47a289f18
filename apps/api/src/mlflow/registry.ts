import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { z } from "zod";
import {
  createModel,
  createModelVersion,
  deleteModel,
  deleteModelAlias,
  deleteModelVersion,
  DomainError,
  renameModel,
  setModelAlias,
  transitionModelVersion,
  updateModel,
  updateModelVersion,
} from "@trellis/engine";
import { checkTagValue, checkTrackingKey } from "@trellis/tracking";
import { MODEL_NAME_RE } from "@trellis/spec";
import type { ApiDeps } from "../deps.js";
import { access, actorOf } from "../http/access.js";
import { invalidValue, issuePath, MlflowError, missingValue } from "./errors.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import {
  MODEL_VERSION_FILTER,
  parseRegistryFilter,
  parseRegistryOrderBy,
  REGISTERED_MODEL_FILTER,
  type FilterSpec,
  type RegistryOrder,
} from "./registry-filter.js";
import {
  checkStage,
  latestVersions,
  MODEL_ORDER_KEYS,
  modelRow,
  modelVersion,
  registeredModel,
  searchModelVersions,
  searchRegisteredModels,
  VERSION_ORDER_KEYS,
  versionByAlias,
  versionNumber,
  versionsInStage,
} from "./registry-store.js";
import {
  CreateModelVersionBody,
  CreateRegisteredModelBody,
  DeleteModelVersionInput,
  DeleteModelVersionTagInput,
  DeleteRegisteredModelInput,
  DeleteRegisteredModelTagInput,
  GetLatestVersionsBody,
  GetLatestVersionsQuery,
  ModelAliasInput,
  ModelVersionQuery,
  RegisteredModelQuery,
  RenameRegisteredModelBody,
  SearchRegistryBody,
  SearchRegistryQuery,
  SetModelAliasBody,
  SetModelVersionTagBody,
  SetRegisteredModelTagBody,
  TransitionStageBody,
  UpdateModelVersionBody,
  UpdateRegisteredModelBody,
  type KeyValue,
} from "./schemas.js";
import { normalizeRunId, resolveProject } from "./store.js";
import { modelVersionView, registeredModelView } from "./views.js";

/**
 * MLflow's model registry REST API (model_registry.proto) over Trellis's registry, so
 * `mlflow.register_model`, `MlflowClient().transition_model_version_stage` and the like work
 * against Trellis. Registered under the tracking API's prefixes, in its context: the same JSON
 * parser, serializer and `{error_code, message}` errors.
 *
 * Trellis's rules apply: promotion to Production is checked against the model's gates (a
 * blocked promotion is INVALID_STATE with the gates' messages; MLflow clients cannot override),
 * and every change is in the model's audit trail, made by the X-Trellis-Actor header or
 * "anonymous". A version created from `runs:/<run>/<step>.<output>` (or `runs:/<run>/<output>`)
 * is linked to that Trellis artifact; other sources are kept as text.
 */

/** MLflow's limits (mlflow/store/model_registry/__init__.py). */
export const REGISTRY_LIMITS = {
  searchModelsDefault: 100,
  searchModelsThreshold: 1000,
  searchVersionsDefault: 10_000,
  searchVersionsThreshold: 200_000,
} as const;

const EMPTY = {};
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type AnyRequest = FastifyRequest;

/**
 * A DELETE request's fields: the Python client sends them as a JSON body, other clients in the
 * query string; both are read (the body wins). Checked with the schema, errors in MLflow's words.
 */
function deleteInput<S extends z.ZodType>(schema: S, request: AnyRequest): z.output<S> {
  const body = typeof request.body === "object" && request.body !== null ? (request.body as Record<string, unknown>) : {};
  const input = { ...((request.query as Record<string, unknown> | undefined) ?? {}), ...body };
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const messages = parsed.error.issues.map((issue) => {
    const path = issuePath(issue.path.map(String).join("/")) || "request";
    let value: unknown = input;
    for (const part of issue.path) value = value !== null && typeof value === "object" ? (value as Record<string | number, unknown>)[part as string] : undefined;
    return value === undefined || value === null || value === "" ? missingValue(path) : invalidValue(path, value, issue.message);
  });
  throw MlflowError.invalidParameter([...new Set(messages)].join(" "));
}

function checkMaxResults(value: number | null | undefined, fallback: number, max: number): number {
  if (value === null || value === undefined) return fallback;
  if (value < 1 || value > max) throw MlflowError.invalidParameter(`Invalid value ${value} for parameter 'max_results' supplied. It must be between 1 and ${max}`);
  return value;
}

/** Tags as a record, checked by MLflow's rules; a key given twice keeps its last value. */
function tagRecord(tags: KeyValue[] | null | undefined, path = "tags"): Record<string, string> {
  const out = new Map<string, string>();
  (tags ?? []).forEach((tag, i) => checkTag(tag.key, tag.value ?? "", `${path}[${i}]`, out));
  return Object.fromEntries(out);
}

function checkTag(key: string, value: string, path: string, into: Map<string, string>): void {
  const keyProblem = checkTrackingKey("tag", key);
  if (keyProblem) throw MlflowError.invalidParameter(`${path}.key: ${keyProblem}`);
  const valueProblem = checkTagValue(value);
  if (valueProblem) throw MlflowError.invalidParameter(`${path}.value: ${valueProblem}`);
  into.set(key, value);
}

function parseSearch(input: { filter?: string | null; order_by?: string[] | null }, spec: FilterSpec, orderKeys: readonly string[], aliases: Record<string, string> = {}) {
  const filterText = input.filter ?? "";
  const filter = parseRegistryFilter(filterText, spec);
  if (!filter.ok) throw MlflowError.invalidParameter(`Invalid filter '${filterText}': ${filter.message}`);
  const orderBy: RegistryOrder[] = (input.order_by ?? []).map((text) => {
    const order = parseRegistryOrderBy(text, orderKeys, aliases);
    if (!order.ok) throw MlflowError.invalidParameter(order.message);
    return order.value;
  });
  return { clauses: filter.value, orderBy };
}

/** A source naming a Trellis run's artifact: MLflow's runs:/ form, or the artifact_uri this API gives runs (which MLflow clients resolve runs:/ to). */
function normalizeSource(source: string): string {
  const underlying = /^trellis-artifacts:\/\d+\/([0-9a-fA-F-]{32,36})\/artifacts\/([^/]+)$/.exec(source);
  const runId = underlying ? normalizeRunId(underlying[1]!) : null;
  if (underlying && runId) return `runs:/${runId}/${underlying[2]}`;
  const runs = /^runs:\/([0-9a-f-]{36})\/([^/]+)$/.exec(source);
  if (runs && !UUID_RE.test(runs[1]!)) throw MlflowError.invalidParameter(`Invalid value '${source}' for parameter 'source' supplied: '${runs[1]}' is not a run id`);
  return source;
}

function nonNull<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

export const registryRoutes =
  (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { db } = deps;
    const hidden = { hide: true } as const;
    const project = (request: AnyRequest) => resolveProject(db, (request.params as { project?: string } | undefined)?.project);
    const modelView = async (projectId: string, name: string) => ({ registered_model: registeredModelView(await registeredModel(db, projectId, name)) });
    const versionView = async (projectId: string, name: string, version: number) => ({ model_version: modelVersionView(await modelVersion(db, projectId, name, version)) });

    // ---- registered models ---------------------------------------------------------------

    app.post("/registered-models/create", { config: { access: access.editor }, schema: { ...hidden, body: CreateRegisteredModelBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, description, tags } = request.body;
      try {
        await createModel(deps, { projectId, name, description: nonNull(description), tags: tagRecord(tags), actor: actorOf(request) });
      } catch (error) {
        if (error instanceof DomainError && error.code === "CONFLICT") throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
        throw error;
      }
      return modelView(projectId, name);
    });

    app.get("/registered-models/get", { config: { access: access.viewer }, schema: { ...hidden, querystring: RegisteredModelQuery } }, async (request) => {
      const { id: projectId } = await project(request);
      return modelView(projectId, request.query.name);
    });

    const searchModels = async (request: AnyRequest, input: z.output<typeof SearchRegistryBody>) => {
      const { id: projectId } = await project(request);
      const limit = checkMaxResults(input.max_results, REGISTRY_LIMITS.searchModelsDefault, REGISTRY_LIMITS.searchModelsThreshold);
      const offset = decodePageToken(input.page_token);
      const { clauses, orderBy } = parseSearch(input, REGISTERED_MODEL_FILTER, MODEL_ORDER_KEYS, { timestamp: "last_updated_timestamp" });
      const { models, more } = await searchRegisteredModels(db, { projectId, clauses, orderBy, offset, limit });
      return {
        ...(models.length > 0 ? { registered_models: models.map(registeredModelView) } : {}),
        ...(more ? { next_page_token: encodePageToken(offset + limit) } : {}),
      };
    };
    app.get("/registered-models/search", { config: { access: access.viewer }, schema: { ...hidden, querystring: SearchRegistryQuery } }, (request) => searchModels(request, request.query));
    app.post("/registered-models/search", { config: { access: access.viewer }, schema: { ...hidden, body: SearchRegistryBody } }, (request) => searchModels(request, request.body));

    app.patch("/registered-models/update", { config: { access: access.editor }, schema: { ...hidden, body: UpdateRegisteredModelBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, description } = request.body;
      await modelRow(db, projectId, name);
      await updateModel(deps, { projectId, name, description: nonNull(description), actor: actorOf(request) });
      return modelView(projectId, name);
    });

    app.post("/registered-models/rename", { config: { access: access.editor }, schema: { ...hidden, body: RenameRegisteredModelBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, new_name: newName } = request.body;
      if (!newName) throw MlflowError.invalidParameter(missingValue("new_name"));
      if (!MODEL_NAME_RE.test(newName)) throw MlflowError.invalidParameter(`Invalid value '${newName}' for parameter 'new_name': not a valid model name.`);
      try {
        await renameModel(deps, { projectId, name, newName, actor: actorOf(request) });
      } catch (err) {
        if (err instanceof DomainError && err.code === "CONFLICT") throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${newName}) already exists.`);
        throw err;
      }
      return modelView(projectId, newName);
    });

    app.delete("/registered-models/delete", { config: { access: access.admin }, schema: hidden }, async (request) => {
      const { id: projectId } = await project(request);
      const { name } = deleteInput(DeleteRegisteredModelInput, request);
      await modelRow(db, projectId, name);
      await deleteModel(deps, { projectId, name, actor: actorOf(request) });
      return EMPTY;
    });

    const getLatest = async (request: AnyRequest, input: z.output<typeof GetLatestVersionsBody>) => {
      const { id: projectId } = await project(request);
      const stages = (input.stages ?? []).map((s, i) => checkStage(s, `stages[${i}]`));
      const versions = await latestVersions(db, projectId, input.name, stages);
      return versions.length > 0 ? { model_versions: versions.map(modelVersionView) } : EMPTY;
    };
    app.post("/registered-models/get-latest-versions", { config: { access: access.viewer }, schema: { ...hidden, body: GetLatestVersionsBody } }, (request) => getLatest(request, request.body));
    app.get("/registered-models/get-latest-versions", { config: { access: access.viewer }, schema: { ...hidden, querystring: GetLatestVersionsQuery } }, (request) => getLatest(request, request.query));

    app.post("/registered-models/set-tag", { config: { access: access.editor }, schema: { ...hidden, body: SetRegisteredModelTagBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, key } = request.body;
      await modelRow(db, projectId, name);
      const value = request.body.value ?? "";
      checkTag(key, value, "tag", new Map());
      await updateModel(deps, { projectId, name, setTags: { [key]: value }, actor: actorOf(request) });
      return EMPTY;
    });

    app.delete("/registered-models/delete-tag", { config: { access: access.editor }, schema: hidden }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, key } = deleteInput(DeleteRegisteredModelTagInput, request);
      await modelRow(db, projectId, name);
      try {
        await updateModel(deps, { projectId, name, removeTags: [key], actor: actorOf(request) });
      } catch (err) {
        if (err instanceof DomainError && err.code === "NOT_FOUND") throw MlflowError.notFound(`No tag with name: ${key} in registered model with name: ${name}`);
        throw err;
      }
      return EMPTY;
    });

    // ---- aliases -------------------------------------------------------------------------

    app.post("/registered-models/alias", { config: { access: access.editor }, schema: { ...hidden, body: SetModelAliasBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, alias } = request.body;
      await modelRow(db, projectId, name);
      await setModelAlias(deps, { projectId, modelName: name, alias, version: versionNumber(request.body.version), actor: actorOf(request) });
      return EMPTY;
    });

    app.delete("/registered-models/alias", { config: { access: access.editor }, schema: hidden }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, alias } = deleteInput(ModelAliasInput, request);
      await modelRow(db, projectId, name);
      try {
        await deleteModelAlias(deps, { projectId, modelName: name, alias, actor: actorOf(request) });
      } catch (error) {
        if (error instanceof DomainError && error.code === "NOT_FOUND") throw MlflowError.notFound(`Registered model alias ${alias} not found.`);
        throw error;
      }
      return EMPTY;
    });

    app.get("/registered-models/alias", { config: { access: access.viewer }, schema: { ...hidden, querystring: ModelAliasInput } }, async (request) => {
      const { id: projectId } = await project(request);
      return { model_version: modelVersionView(await versionByAlias(db, projectId, request.query.name, request.query.alias)) };
    });

    // ---- model versions ------------------------------------------------------------------

    app.post("/model-versions/create", { config: { access: access.editor }, schema: { ...hidden, body: CreateModelVersionBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const body = request.body;
      const runId = body.run_id ? normalizeRunId(body.run_id) : null;
      if (body.run_id && !runId) throw MlflowError.invalidParameter(`Invalid value '${body.run_id}' for parameter 'run_id' supplied: not a run id`);
      await modelRow(db, projectId, body.name);
      const created = await createModelVersion(deps, {
        projectId,
        modelName: body.name,
        source: normalizeSource(body.source),
        ...(runId ? { runId } : {}),
        description: nonNull(body.description),
        tags: tagRecord(body.tags),
        actor: actorOf(request),
      });
      return versionView(projectId, body.name, created.version);
    });

    app.get("/model-versions/get", { config: { access: access.viewer }, schema: { ...hidden, querystring: ModelVersionQuery } }, async (request) => {
      const { id: projectId } = await project(request);
      return versionView(projectId, request.query.name, versionNumber(request.query.version));
    });

    const searchVersions = async (request: AnyRequest, input: z.output<typeof SearchRegistryBody>) => {
      const { id: projectId } = await project(request);
      const limit = checkMaxResults(input.max_results, REGISTRY_LIMITS.searchVersionsDefault, REGISTRY_LIMITS.searchVersionsThreshold);
      const offset = decodePageToken(input.page_token);
      const { clauses, orderBy } = parseSearch(input, MODEL_VERSION_FILTER, VERSION_ORDER_KEYS, { version: "version_number", timestamp: "last_updated_timestamp" });
      const { versions, more } = await searchModelVersions(db, { projectId, clauses, orderBy, offset, limit });
      return {
        ...(versions.length > 0 ? { model_versions: versions.map(modelVersionView) } : {}),
        ...(more ? { next_page_token: encodePageToken(offset + limit) } : {}),
      };
    };
    app.get("/model-versions/search", { config: { access: access.viewer }, schema: { ...hidden, querystring: SearchRegistryQuery } }, (request) => searchVersions(request, request.query));
    app.post("/model-versions/search", { config: { access: access.viewer }, schema: { ...hidden, body: SearchRegistryBody } }, (request) => searchVersions(request, request.body));

    app.patch("/model-versions/update", { config: { access: access.editor }, schema: { ...hidden, body: UpdateModelVersionBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, description } = request.body;
      const version = versionNumber(request.body.version);
      await modelVersion(db, projectId, name, version);
      await updateModelVersion(deps, { projectId, modelName: name, version, description: nonNull(description), actor: actorOf(request) });
      return versionView(projectId, name, version);
    });

    app.delete("/model-versions/delete", { config: { access: access.admin }, schema: hidden }, async (request) => {
      const { id: projectId } = await project(request);
      const input = deleteInput(DeleteModelVersionInput, request);
      const version = versionNumber(input.version);
      await modelVersion(db, projectId, input.name, version);
      await deleteModelVersion(deps, { projectId, modelName: input.name, version, actor: actorOf(request) });
      return EMPTY;
    });

    app.post("/model-versions/transition-stage", { config: { access: access.editor }, schema: { ...hidden, body: TransitionStageBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name } = request.body;
      const version = versionNumber(request.body.version);
      const stage = checkStage(request.body.stage);
      const archive = request.body.archive_existing_versions ?? false;
      if (archive && stage !== "Production" && stage !== "Staging") {
        throw MlflowError.invalidParameter(`Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production`);
      }
      const current = await modelVersion(db, projectId, name, version);
      const actor = actorOf(request);
      // MLflow moves a version to the stage it is in without complaint; so does this.
      if (current.stage !== stage) {
        await transitionModelVersion(deps, { projectId, modelName: name, version, toStage: stage, archiveExisting: stage === "Production" && archive, actor });
      }
      // The engine archives on promotion to Production; MLflow also archives the other Staging versions when asked.
      if (archive && stage === "Staging") {
        for (const other of await versionsInStage(db, projectId, name, "Staging", version)) {
          try {
            await transitionModelVersion(deps, {
              projectId,
              modelName: name,
              version: other,
              toStage: "Archived",
              expectedStage: "Staging",
              comment: `archived: version ${version} was moved to Staging`,
              actor,
            });
          } catch (error) {
            // Moved or deleted meanwhile: nothing left to archive.
            if (!(error instanceof DomainError && (error.code === "CONFLICT" || error.code === "NOT_FOUND"))) throw error;
          }
        }
      }
      return versionView(projectId, name, version);
    });

    app.get("/model-versions/get-download-uri", { config: { access: access.viewer }, schema: { ...hidden, querystring: ModelVersionQuery } }, async (request) => {
      const { id: projectId, name: projectName } = await project(request);
      const v = await modelVersion(db, projectId, request.query.name, versionNumber(request.query.version));
      const artifact = v.artifactId ? await db.artifact.findUnique({ where: { id: v.artifactId }, select: { id: true } }) : null;
      // A Trellis artifact: its content over HTTP (a directory as a tar archive); anything else as registered.
      const artifactUri = artifact ? `${request.protocol}://${request.host}/api/v1/projects/${encodeURIComponent(projectName)}/artifacts/${artifact.id}/content` : v.source;
      return { artifact_uri: artifactUri };
    });

    app.post("/model-versions/set-tag", { config: { access: access.editor }, schema: { ...hidden, body: SetModelVersionTagBody } }, async (request) => {
      const { id: projectId } = await project(request);
      const { name, key } = request.body;
      const version = versionNumber(request.body.version);
      await modelVersion(db, projectId, name, version);
      const value = request.body.value ?? "";
      checkTag(key, value, "tag", new Map());
      await updateModelVersion(deps, { projectId, modelName: name, version, setTags: { [key]: value }, actor: actorOf(request) });
      return EMPTY;
    });

    app.delete("/model-versions/delete-tag", { config: { access: access.editor }, schema: hidden }, async (request) => {
      const { id: projectId } = await project(request);
      const input = deleteInput(DeleteModelVersionTagInput, request);
      const version = versionNumber(input.version);
      await modelVersion(db, projectId, input.name, version);
      try {
        await updateModelVersion(deps, { projectId, modelName: input.name, version, removeTags: [input.key], actor: actorOf(request) });
      } catch (err) {
        if (err instanceof DomainError && err.code === "NOT_FOUND") throw MlflowError.notFound(`No tag with name: ${input.key} in model version (name=${input.name}, version=${version})`);
        throw err;
      }
      return EMPTY;
    });
  };

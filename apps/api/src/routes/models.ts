import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  checkGates,
  checkPromotionGates,
  createModel,
  createModelVersion,
  deleteModel,
  deleteModelAlias,
  deleteModelVersion,
  notFound,
  setModelAlias,
  transitionModelVersion,
  updateModel,
  updateModelVersion,
} from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { access, actorOf, projectOf, requireRole } from "../http/access.js";
import {
  CreateModelBody,
  CreateModelVersionBody,
  ErrorResponse,
  GateCheckResponse,
  ListModelsQuery,
  ModelAliasParams,
  ModelDetail,
  ModelEventsQuery,
  ModelEventsResponse,
  ModelParams,
  ModelSummary,
  ModelVersionParams,
  ModelVersionView,
  ProjectParams,
  PromotionBlockedResponse,
  SetAliasBody,
  TransitionBody,
  TransitionResponse,
  UpdateModelBody,
  UpdateModelVersionBody,
  errorResponses,
} from "../http/schemas.js";
import { findVersion, getModelDetail, getVersionView, listModelEvents, listModels } from "../queries/models.js";

const tags = ["models"];
const NoContent = { 204: z.null(), ...errorResponses };
const ACTOR_NOTE = "The change is recorded in the model's audit trail as made by the caller (a user's email, or a service token's name).";

/** The model registry: models, versions from runs' artifact outputs, stages with promotion gates, aliases and the audit trail. */
export const modelRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {

    app.get(
      "/projects/:project/models",
      {
        config: { access: access.viewer },
        schema: {
          tags,
          summary: "List registered models",
          description: "By name. `q` keeps the models whose name contains it (case-insensitive).",
          params: ProjectParams,
          querystring: ListModelsQuery,
          response: { 200: z.object({ items: z.array(ModelSummary) }), ...errorResponses },
        },
      },
      async (request) => listModels(deps.db, projectOf(request).id, request.query.q),
    );

    app.post(
      "/projects/:project/models",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Register a model",
          description: `gates: conditions on a version's run metrics for promotion to Production, e.g. "accuracy >= 0.8" or "f1 >= production.f1". 409 when the name is taken. ${ACTOR_NOTE}`,
          params: ProjectParams,
          body: CreateModelBody,
          response: { 201: ModelDetail, ...errorResponses },
        },
      },
      async (request, reply) => {
        const pid = projectOf(request).id;
        const { name, description, tags: modelTags, gates } = request.body;
        // Checked here too, so that an issue names the request's field (gates[i]).
        if (gates) checkGates(gates, "gates");
        await createModel(deps, { projectId: pid, name, description, tags: modelTags, gates, actor: actorOf(request) });
        return reply.status(201).send(await getModelDetail(deps.db, pid, name));
      },
    );

    app.get(
      "/projects/:project/models/:name",
      {
        config: { access: access.viewer },
        schema: { tags, summary: "A registered model with its versions (newest first)", params: ModelParams, response: { 200: ModelDetail, ...errorResponses } },
      },
      async (request) => getModelDetail(deps.db, projectOf(request).id, request.params.name),
    );

    app.patch(
      "/projects/:project/models/:name",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Edit a model's description, tags or promotion gates",
          description: `Fields left out are unchanged; tags and gates are replaced as a whole. ${ACTOR_NOTE}`,
          params: ModelParams,
          body: UpdateModelBody,
          response: { 200: ModelDetail, ...errorResponses },
        },
      },
      async (request) => {
        const pid = projectOf(request).id;
        const { description, tags: modelTags, gates } = request.body;
        if (gates) checkGates(gates, "gates");
        await updateModel(deps, { projectId: pid, name: request.params.name, description, tags: modelTags, gates, actor: actorOf(request) });
        return getModelDetail(deps.db, pid, request.params.name);
      },
    );

    app.delete(
      "/projects/:project/models/:name",
      {
        config: { access: access.admin },
        schema: {
          tags,
          summary: "Delete a model and its versions",
          description: `The artifacts stay (runs own them); the audit trail stays readable. ${ACTOR_NOTE}`,
          params: ModelParams,
          response: NoContent,
        },
      },
      async (request, reply) => {
        await deleteModel(deps, { projectId: projectOf(request).id, name: request.params.name, actor: actorOf(request) });
        return reply.status(204).send(null);
      },
    );

    // ---- versions ------------------------------------------------------------------------

    app.post(
      "/projects/:project/models/:name/versions",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Register a run's artifact output as a new version",
          description: `201 with the new version; 200 with the existing one when the same artifact of the same run was registered before. createModel: register the model first if it does not exist. ${ACTOR_NOTE}`,
          params: ModelParams,
          body: CreateModelVersionBody,
          response: { 200: ModelVersionView, 201: ModelVersionView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const pid = projectOf(request).id;
        const { runId, stepName, outputName, description, tags: versionTags, createModel: create } = request.body;
        const created = await createModelVersion(deps, {
          projectId: pid,
          modelName: request.params.name,
          runId,
          stepName,
          outputName,
          description,
          tags: versionTags,
          createModel: create ?? false,
          actor: actorOf(request),
        });
        return reply.status(created.created ? 201 : 200).send(await getVersionView(deps.db, pid, request.params.name, created.version));
      },
    );

    app.get(
      "/projects/:project/models/:name/versions/:version",
      {
      config: { access: access.viewer }, schema: { tags, summary: "A model version", params: ModelVersionParams, response: { 200: ModelVersionView, ...errorResponses } } },
      async (request) => getVersionView(deps.db, projectOf(request).id, request.params.name, request.params.version),
    );

    app.patch(
      "/projects/:project/models/:name/versions/:version",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Edit a version's description or tags",
          description: `Tags are replaced as a whole. ${ACTOR_NOTE}`,
          params: ModelVersionParams,
          body: UpdateModelVersionBody,
          response: { 200: ModelVersionView, ...errorResponses },
        },
      },
      async (request) => {
        const pid = projectOf(request).id;
        const { name, version } = request.params;
        await updateModelVersion(deps, { projectId: pid, modelName: name, version, description: request.body.description, tags: request.body.tags, actor: actorOf(request) });
        return getVersionView(deps.db, pid, name, version);
      },
    );

    app.delete(
      "/projects/:project/models/:name/versions/:version",
      {
        config: { access: access.admin },
        schema: { tags, summary: "Delete a model version", description: `Its aliases go with it. ${ACTOR_NOTE}`, params: ModelVersionParams, response: NoContent },
      },
      async (request, reply) => {
        const { name, version } = request.params;
        await deleteModelVersion(deps, { projectId: projectOf(request).id, modelName: name, version, actor: actorOf(request) });
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/projects/:project/models/:name/versions/:version/stage",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Move a version to a stage",
          description: [
            "Promotion to Production first checks the model's gates against the version's run metrics (and the current Production version's).",
            "A failing gate blocks it with a 409 whose issues name each failing gate (policy.gates[i]) and by how much it missed; gateResults has every gate's result.",
            "overrideReason promotes anyway and records why (it must not be empty); it needs the admin role (403 otherwise).",
            "The current Production version is archived unless archiveExisting is false.",
            "expectedStage: 409 unless the version is still in that stage.",
            ACTOR_NOTE,
          ].join(" "),
          params: ModelVersionParams,
          body: TransitionBody,
          response: { 200: TransitionResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: PromotionBlockedResponse },
        },
      },
      async (request) => {
        const pid = projectOf(request).id;
        const { name, version } = request.params;
        const { stage, comment, archiveExisting, overrideReason, expectedStage } = request.body;
        if (overrideReason !== undefined) requireRole(request, "admin", "overriding promotion gates");
        const result = await transitionModelVersion(deps, {
          projectId: pid,
          modelName: name,
          version,
          toStage: stage,
          comment,
          archiveExisting,
          overrideReason,
          expectedStage,
          actor: actorOf(request),
        });
        return {
          version: await getVersionView(deps.db, pid, name, version),
          fromStage: result.fromStage,
          toStage: result.toStage,
          gateResults: result.gateResults,
          overridden: result.overridden,
          archived: result.archived,
        };
      },
    );

    app.get(
      "/projects/:project/models/:name/versions/:version/gates",
      {
        config: { access: access.viewer },
        schema: {
          tags,
          summary: "Check the promotion gates",
          description: "What promoting this version to Production would meet: every gate's result, changing nothing.",
          params: ModelVersionParams,
          response: { 200: GateCheckResponse, ...errorResponses },
        },
      },
      async (request) => {
        const { name, version } = request.params;
        return { gateResults: await checkPromotionGates(deps.db, { projectId: projectOf(request).id, modelName: name, version }) };
      },
    );

    app.get(
      "/projects/:project/models/:name/versions/:version/download",
      {
        config: { access: access.viewer },
        schema: {
          tags,
          summary: "Download a version's artifact",
          description: "Redirects (302) to the artifact's content (a directory comes as a tar archive). 404 when the version has no artifact stored by Trellis.",
          params: ModelVersionParams,
          response: { 302: z.null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { project, name, version } = request.params;
        const { row } = await findVersion(deps.db, projectOf(request).id, name, version);
        const artifact = row.artifactId ? await deps.db.artifact.findUnique({ where: { id: row.artifactId }, select: { id: true } }) : null;
        if (!artifact) {
          throw notFound(
            row.artifactId
              ? `the stored artifact of version ${version} of model "${name}"`
              : `a stored artifact of version ${version} of model "${name}" (it was registered from "${row.source}", which Trellis does not store)`,
          );
        }
        return reply.redirect(`/api/v1/projects/${encodeURIComponent(project)}/artifacts/${artifact.id}/content`, 302);
      },
    );

    // ---- aliases -------------------------------------------------------------------------

    app.put(
      "/projects/:project/models/:name/aliases/:alias",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "Point an alias at a version",
          description: `Creates the alias or moves it. Aliases are letters, digits, "_" and "-", starting with a letter; "latest" and "v<number>" are reserved. ${ACTOR_NOTE}`,
          params: ModelAliasParams,
          body: SetAliasBody,
          response: { 200: ModelDetail, ...errorResponses },
        },
      },
      async (request) => {
        const pid = projectOf(request).id;
        const { name, alias } = request.params;
        await setModelAlias(deps, { projectId: pid, modelName: name, alias, version: request.body.version, actor: actorOf(request) });
        return getModelDetail(deps.db, pid, name);
      },
    );

    app.delete(
      "/projects/:project/models/:name/aliases/:alias",
      {
      config: { access: access.editor }, schema: { tags, summary: "Delete an alias", description: ACTOR_NOTE, params: ModelAliasParams, response: NoContent } },
      async (request, reply) => {
        const { name, alias } = request.params;
        await deleteModelAlias(deps, { projectId: projectOf(request).id, modelName: name, alias, actor: actorOf(request) });
        return reply.status(204).send(null);
      },
    );

    // ---- audit trail ---------------------------------------------------------------------

    app.get(
      "/projects/:project/models/:name/events",
      {
        config: { access: access.viewer },
        schema: {
          tags,
          summary: "A model's audit trail, newest first",
          description:
            "Every change: who, when, stage changes with the gate results and any override reason, aliases, edits. Append-only; it outlives a deleted model. Pages: pass nextBefore as before.",
          params: ModelParams,
          querystring: ModelEventsQuery,
          response: { 200: ModelEventsResponse, ...errorResponses },
        },
      },
      async (request) =>
        listModelEvents(deps.db, projectOf(request).id, request.params.name, {
          ...(request.query.before ? { before: request.query.before } : {}),
          limit: request.query.limit,
        }),
    );
  };

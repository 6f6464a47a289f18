import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { deleteRuns } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import {
  ArtifactDetail,
  ArtifactFileQuery,
  ArtifactParams,
  ArtifactPreview,
  DeleteRunsBody,
  DeleteRunsResponse,
  ErrorResponse,
  LineageGraph,
  LineageQuery,
  ProjectParams,
  RunArtifactsResponse,
  RunParams,
  errorResponses,
} from "../http/schemas.js";
import { describingLink, findArtifact, getArtifactDetail, listRunArtifacts, metadataOf } from "../queries/artifacts.js";
import { openContent, previewContent } from "../queries/artifact-content.js";
import { artifactLineage, runLineage } from "../queries/lineage.js";
import { access, projectOf } from "../http/access.js";

export const artifactRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {

    app.get(
      "/projects/:project/runs/:id/artifacts",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["artifacts"],
          summary: "A run's artifacts",
          description:
            "Every artifact output of the run's steps (including steps served from the cache or reused from an earlier run, with the step that actually produced it) and every artifact its steps consumed.",
          params: RunParams,
          response: { 200: RunArtifactsResponse, ...errorResponses },
        },
      },
      async (request) => listRunArtifacts(deps.db, projectOf(request).id, request.params.id),
    );

    app.get(
      "/projects/:project/runs/:id/lineage",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["lineage"],
          summary: "A run's lineage graph",
          description: "The run's steps, the code version they ran and every artifact they produced or consumed.",
          params: RunParams,
          response: { 200: LineageGraph, ...errorResponses },
        },
      },
      async (request) => runLineage(deps.db, projectOf(request).id, request.params.id),
    );

    app.get(
      "/projects/:project/artifacts/:id",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["artifacts"],
          summary: "An artifact",
          description: "What it is (digest, kind, size, recorded metadata), the steps that produced and consumed it, and a directory's files.",
          params: ArtifactParams,
          response: { 200: ArtifactDetail, ...errorResponses },
        },
      },
      async (request) => getArtifactDetail(deps.db, deps.artifacts, projectOf(request).id, request.params.id),
    );

    app.get(
      "/projects/:project/artifacts/:id/content",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["artifacts"],
          summary: "Download an artifact",
          description:
            "The stored bytes with Content-Type, Content-Length and Content-Disposition: a file artifact, one file of a directory (`path`), or a whole directory as a tar archive. Single byte ranges (`Range: bytes=a-b`) are answered with 206.",
          params: ArtifactParams,
          querystring: ArtifactFileQuery,
          response: { 416: ErrorResponse, ...errorResponses },
        },
      },
      async (request, reply) => {
        const pid = projectOf(request).id;
        const artifact = await findArtifact(deps.db, pid, request.params.id);
        const link = await describingLink(deps.db, pid, artifact.id);
        const range = typeof request.headers.range === "string" ? request.headers.range : undefined;
        const content = await openContent(deps.artifacts, artifact, metadataOf(link?.metadata), request.query.path, range);
        if (content.status === 416) {
          return reply
            .status(416)
            .header("content-range", `bytes */${content.size}`)
            .send({ error: { code: "RANGE_NOT_SATISFIABLE", message: `the file has ${content.size} bytes` } });
        }
        // A stream: no response schema describes (or serializes) it.
        return reply.status(content.status).headers(content.headers).send(content.body as never);
      },
    );

    app.get(
      "/projects/:project/artifacts/:id/preview",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["artifacts"],
          summary: "Preview an artifact",
          description:
            "Bounded: CSV/TSV as the header and the first 50 rows; JSON parsed (files up to 256 KiB); text up to 64 KiB; images and other binaries by type only (show or download them from /content). A directory without `path` lists its files.",
          params: ArtifactParams,
          querystring: ArtifactFileQuery,
          response: { 200: ArtifactPreview, ...errorResponses },
        },
      },
      async (request) => {
        const pid = projectOf(request).id;
        const artifact = await findArtifact(deps.db, pid, request.params.id);
        const link = await describingLink(deps.db, pid, artifact.id);
        return previewContent(deps.artifacts, artifact, metadataOf(link?.metadata), request.query.path);
      },
    );

    app.get(
      "/projects/:project/artifacts/:id/lineage",
      {
        config: { access: access.viewer },
        schema: {
          tags: ["lineage"],
          summary: "An artifact's lineage graph",
          description:
            "upstream: the steps that produced it, their inputs and so on back to raw datasets, each step with its code version; downstream: the steps (of every run) that consumed it, their outputs, and so on. `depth` counts steps along a path; at most 300 nodes (`truncated` says when the graph was cut).",
          params: ArtifactParams,
          querystring: LineageQuery,
          response: { 200: LineageGraph, ...errorResponses },
        },
      },
      async (request) =>
        artifactLineage(deps.db, projectOf(request).id, request.params.id, {
          direction: request.query.direction,
          depth: request.query.depth,
        }),
    );

    app.post(
      "/projects/:project/runs/delete",
      {
        config: { access: access.admin },
        schema: {
          tags: ["runs"],
          summary: "Delete finished runs and the artifacts only they use",
          description:
            "Deletes the runs (their steps, logs, metrics and artifact links), then every artifact that no remaining run and no cache entry refers to: its record and its stored content. Only finished runs: a named run that is queued or running is a 409. With finishedBefore, at most 1000 runs per call (`more` says whether to call again). dryRun: nothing is deleted; the answer says what would be, with the same numbers.",
          params: ProjectParams,
          body: DeleteRunsBody,
          response: { 200: DeleteRunsResponse, ...errorResponses },
        },
      },
      async (request) => {
        const { runIds, finishedBefore, dryRun } = request.body;
        const result = await deleteRuns(deps.db, deps.artifacts, {
          projectId: projectOf(request).id,
          ...(runIds ? { runIds } : {}),
          ...(finishedBefore ? { finishedBefore: new Date(finishedBefore) } : {}),
          dryRun,
        });
        return { dryRun: result.dryRun, runs: result.runIds.length, runIds: result.runIds, more: result.more, artifacts: result.artifacts, bytes: result.bytes };
      },
    );
  };

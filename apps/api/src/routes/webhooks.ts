import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createWebhook, notFound, projectByName, redeliverWebhook } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import {
  CreateWebhookBody,
  CreatedWebhook,
  DeliveriesQuery,
  DeliveryParams,
  ProjectParams,
  WebhookDeliveryView,
  WebhookParams,
  WebhookView,
  errorResponses,
} from "../http/schemas.js";
import { getCreatedWebhook, getDelivery, listDeliveries, listWebhooks } from "../queries/models.js";

const tags = ["webhooks"];

/** Webhooks told about model registry events, and their deliveries. */
export const webhookRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const projectId = async (name: string) => (await projectByName(deps.db, name)).id;

    app.get(
      "/projects/:project/webhooks",
      {
        schema: {
          tags,
          summary: "List webhooks",
          description: "Newest first, each with its latest delivery's status.",
          params: ProjectParams,
          response: { 200: z.object({ items: z.array(WebhookView) }), ...errorResponses },
        },
      },
      async (request) => listWebhooks(deps.db, await projectId(request.params.project)),
    );

    app.post(
      "/projects/:project/webhooks",
      {
        schema: {
          tags,
          summary: "Add a webhook",
          description:
            "Registry events (version_created, stage_changed, alias_set) of the project, or of one model, are POSTed to the URL as JSON, signed with HMAC-SHA256 of the secret; failures are retried with backoff. The secret is only ever shown in this response.",
          params: ProjectParams,
          body: CreateWebhookBody,
          response: { 201: CreatedWebhook, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { url, events, modelName, secret } = request.body;
        const created = await createWebhook(deps.db, { projectId: await projectId(request.params.project), url, events, modelName: modelName ?? null, secret });
        return reply.status(201).send(await getCreatedWebhook(deps.db, created.id, created.secret));
      },
    );

    app.delete(
      "/projects/:project/webhooks/:id",
      { schema: { tags, summary: "Delete a webhook and its deliveries", params: WebhookParams, response: { 204: z.null(), ...errorResponses } } },
      async (request, reply) => {
        const deleted = await deps.db.webhook.deleteMany({ where: { id: request.params.id, projectId: await projectId(request.params.project) } });
        if (deleted.count === 0) throw notFound(`webhook "${request.params.id}"`);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/projects/:project/webhooks/:id/deliveries",
      {
        schema: {
          tags,
          summary: "A webhook's deliveries, newest first",
          description: "Each with its attempts (time, duration, HTTP status or error) and the payload sent.",
          params: WebhookParams,
          querystring: DeliveriesQuery,
          response: { 200: z.object({ items: z.array(WebhookDeliveryView) }), ...errorResponses },
        },
      },
      async (request) => listDeliveries(deps.db, await projectId(request.params.project), request.params.id, request.query.limit),
    );

    app.post(
      "/projects/:project/webhook-deliveries/:id/redeliver",
      {
        schema: {
          tags,
          summary: "Deliver again",
          description: "Queues a new attempt now, whatever the delivery's state; answers with the delivery (pending).",
          params: DeliveryParams,
          response: { 202: WebhookDeliveryView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const pid = await projectId(request.params.project);
        await redeliverWebhook(deps, { projectId: pid, deliveryId: request.params.id });
        return reply.status(202).send(await getDelivery(deps.db, pid, request.params.id));
      },
    );
  };

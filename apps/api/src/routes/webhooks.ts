import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { createWebhook, notFound, redeliverWebhook } from "@trellis/engine";
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
import { access, projectOf } from "../http/access.js";

const tags = ["webhooks"];

/** Webhooks told about model registry events, and their deliveries. */
export const webhookRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {

    app.get(
      "/projects/:project/webhooks",
      {
        config: { access: access.admin },
        schema: {
          tags,
          summary: "List webhooks",
          description: "Newest first, each with its latest delivery's status.",
          params: ProjectParams,
          response: { 200: z.object({ items: z.array(WebhookView) }), ...errorResponses },
        },
      },
      async (request) => listWebhooks(deps.db, projectOf(request).id),
    );

    app.post(
      "/projects/:project/webhooks",
      {
        config: { access: access.admin },
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
        const created = await createWebhook(deps.db, { projectId: projectOf(request).id, url, events, modelName: modelName ?? null, secret });
        return reply.status(201).send(await getCreatedWebhook(deps.db, created.id, created.secret));
      },
    );

    app.delete(
      "/projects/:project/webhooks/:id",
      {
      config: { access: access.admin }, schema: { tags, summary: "Delete a webhook and its deliveries", params: WebhookParams, response: { 204: z.null(), ...errorResponses } } },
      async (request, reply) => {
        const deleted = await deps.db.webhook.deleteMany({ where: { id: request.params.id, projectId: projectOf(request).id } });
        if (deleted.count === 0) throw notFound(`webhook "${request.params.id}"`);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/projects/:project/webhooks/:id/deliveries",
      {
        config: { access: access.admin },
        schema: {
          tags,
          summary: "A webhook's deliveries, newest first",
          description: "Each with its attempts (time, duration, HTTP status or error) and the payload sent.",
          params: WebhookParams,
          querystring: DeliveriesQuery,
          response: { 200: z.object({ items: z.array(WebhookDeliveryView) }), ...errorResponses },
        },
      },
      async (request) => listDeliveries(deps.db, projectOf(request).id, request.params.id, request.query.limit),
    );

    app.post(
      "/projects/:project/webhook-deliveries/:id/redeliver",
      {
        config: { access: access.admin },
        schema: {
          tags,
          summary: "Deliver again",
          description: "Queues a new attempt now, whatever the delivery's state; answers with the delivery (pending).",
          params: DeliveryParams,
          response: { 202: WebhookDeliveryView, ...errorResponses },
        },
      },
      async (request, reply) => {
        const pid = projectOf(request).id;
        await redeliverWebhook(deps, { projectId: pid, deliveryId: request.params.id });
        return reply.status(202).send(await getDelivery(deps.db, pid, request.params.id));
      },
    );
  };

import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { conflict, deleteSecret, listSecrets, putSecret, SECRET_VALUE_LIMITS, type SecretItem } from "@trellis/engine";
import { MAX_SECRET_NAME_LENGTH, SECRET_NAME_RE } from "@trellis/spec";
import type { ApiDeps } from "../deps.js";
import { access, auditActor, projectOf } from "../http/access.js";
import { errorResponses, ProjectParams } from "../http/schemas.js";
import { iso } from "../queries/iso.js";

const tags = ["secrets"];

const SecretParams = ProjectParams.extend({
  name: z
    .string()
    .max(MAX_SECRET_NAME_LENGTH, { message: `at most ${MAX_SECRET_NAME_LENGTH} characters` })
    .regex(SECRET_NAME_RE, { message: 'upper-case letters, digits and "_", not starting with a digit (an environment variable name)' }),
});

const PutSecretBody = z.object({
  value: z
    .string()
    .min(SECRET_VALUE_LIMITS.min, { message: `at least ${SECRET_VALUE_LIMITS.min} characters (shorter values could not be masked in logs)` })
    .max(SECRET_VALUE_LIMITS.max, { message: `at most ${SECRET_VALUE_LIMITS.max} characters` }),
});

const SecretView = z
  .object({ name: z.string(), createdAt: z.string(), updatedAt: z.string(), updatedBy: z.string() })
  .meta({ id: "Secret", description: "A project secret as the API shows it: never its value." });

const secretView = (s: SecretItem): z.infer<typeof SecretView> => ({ name: s.name, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt), updatedBy: s.updatedBy });

/**
 * A project's secrets: admins set and delete them, editors (who write the pipelines that declare
 * them) see their names. No answer ever contains a value; steps get them as environment
 * variables, and their logs show `***` instead.
 */
export const secretRoutes = (deps: ApiDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const key = deps.secretsKey;

    app.get(
      "/projects/:project/secrets",
      {
        config: { access: access.editor },
        schema: {
          tags,
          summary: "List secrets",
          description: "Names and change times, by name. Values are never returned.",
          params: ProjectParams,
          response: { 200: z.object({ items: z.array(SecretView) }), ...errorResponses },
        },
      },
      async (request) => ({ items: (await listSecrets(deps.db, projectOf(request).id)).map(secretView) }),
    );

    app.put(
      "/projects/:project/secrets/:name",
      {
        config: { access: access.admin },
        schema: {
          tags,
          summary: "Set a secret",
          description: [
            "Creates (201) or replaces (200) the secret's value, stored encrypted (AES-256-GCM). The answer never contains the value.",
            "Steps that declare the name (`secrets: [NAME]`) get it as an environment variable, and it is masked as *** in their logs.",
            `Values are ${SECRET_VALUE_LIMITS.min} to ${SECRET_VALUE_LIMITS.max} characters.`,
            "409 when secrets are disabled (no TRELLIS_SECRETS_KEY on the API).",
          ].join(" "),
          params: SecretParams,
          body: PutSecretBody,
          response: { 200: SecretView, 201: SecretView, ...errorResponses },
        },
      },
      async (request, reply) => {
        if (!key) throw conflict("secrets are disabled: set TRELLIS_SECRETS_KEY (32 bytes, base64) on the API and workers");
        const { created, item } = await putSecret(deps.db, {
          projectId: projectOf(request).id,
          name: request.params.name,
          value: request.body.value,
          key,
          ...auditActor(request),
        });
        return reply.status(created ? 201 : 200).send(secretView(item));
      },
    );

    app.delete(
      "/projects/:project/secrets/:name",
      {
        config: { access: access.admin },
        schema: {
          tags,
          summary: "Delete a secret",
          description: "Runs already started that declare it fail at the steps that have not started yet.",
          params: SecretParams,
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await deleteSecret(deps.db, {
          projectId: projectOf(request).id,
          name: request.params.name,
          ...auditActor(request),
        });
        return reply.status(204).send(null);
      },
    );
  };

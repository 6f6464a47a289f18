import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { ArtifactNotFoundError, ArtifactRangeError } from "@trellis/artifacts";
import { DomainError, PromotionBlocked, RateLimited, type GateResult, type Issue } from "@trellis/engine";

/**
 * The one error body of the API: `{ error: { code, message, issues? } }`. A promotion blocked by
 * its gates (409) also carries every gate's result, passed or not, in `gateResults`.
 */
export interface ErrorBody {
  error: { code: string; message: string; issues?: Issue[]; gateResults?: GateResult[] };
}

const STATUS_BY_CODE: Record<DomainError["code"], number> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
};

function issuePath(context: string | undefined, instancePath: string): string {
  const parts = instancePath.split("/").filter(Boolean);
  let path = context === "body" || !context ? "" : context;
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part;
  return path || (context ?? "request");
}

/** Maps every error to a status and the error body in one place; internals never leak. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) {
      const body: ErrorBody = {
        error: {
          code: err.code,
          message: err.message,
          ...(err.issues.length ? { issues: err.issues } : {}),
          ...(err instanceof PromotionBlocked ? { gateResults: err.gateResults } : {}),
        },
      };
      if (err instanceof RateLimited) void reply.header("retry-after", String(err.retryAfterSeconds));
      return reply.status(STATUS_BY_CODE[err.code]).send(body);
    }
    // The store's own messages name where it keeps the bytes: log them, answer in general terms.
    if (err instanceof ArtifactNotFoundError) {
      request.log.warn({ err }, "artifact content missing from the store");
      return reply.status(404).send({ error: { code: "NOT_FOUND", message: "the stored content of this artifact is missing from the artifact store" } } satisfies ErrorBody);
    }
    if (err instanceof ArtifactRangeError) {
      return reply.status(416).send({ error: { code: "RANGE_NOT_SATISFIABLE", message: err.message } } satisfies ErrorBody);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: issuePath(err.validationContext, v.instancePath), message: v.message ?? "invalid value" }));
      return reply.status(400).send({ error: { code: "VALIDATION_FAILED", message: `invalid request ${err.validationContext ?? ""}`.trim(), issues } } satisfies ErrorBody);
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err }, "response did not match its schema");
      return reply.status(500).send({ error: { code: "INTERNAL", message: "internal error" } } satisfies ErrorBody);
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = err.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? "PAYLOAD_TOO_LARGE" : err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" ? "UNSUPPORTED_MEDIA_TYPE" : "BAD_REQUEST";
      return reply.status(status).send({ error: { code, message: err.message } } satisfies ErrorBody);
    }
    request.log.error({ err }, "unhandled error");
    return reply.status(500).send({ error: { code: "INTERNAL", message: "internal error" } } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url.split("?")[0]}` } } satisfies ErrorBody),
  );
}

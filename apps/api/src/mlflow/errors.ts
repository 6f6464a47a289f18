import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { DomainError, PromotionBlocked } from "@trellis/engine";

/**
 * MLflow's error body, `{"error_code": ..., "message": ...}`, and the statuses MLflow's server
 * gives each code (mlflow/exceptions.py: RESOURCE_ALREADY_EXISTS is a 400 there, not a 409).
 */

export type MlflowErrorCode =
  | "RESOURCE_DOES_NOT_EXIST"
  | "INVALID_PARAMETER_VALUE"
  | "RESOURCE_ALREADY_EXISTS"
  | "INVALID_STATE"
  | "BAD_REQUEST"
  | "ENDPOINT_NOT_FOUND"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "REQUEST_LIMIT_EXCEEDED"
  | "INTERNAL_ERROR";

export const MLFLOW_STATUS: Record<MlflowErrorCode, number> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  BAD_REQUEST: 400,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
};

export interface MlflowErrorBody {
  error_code: MlflowErrorCode;
  message: string;
}

export class MlflowError extends Error {
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
    /** Defaults to MLflow's status for the code. */
    readonly status: number = MLFLOW_STATUS[code],
  ) {
    super(message);
    this.name = "MlflowError";
  }

  static invalidParameter(message: string): MlflowError {
    return new MlflowError("INVALID_PARAMETER_VALUE", message);
  }

  static notFound(message: string): MlflowError {
    return new MlflowError("RESOURCE_DOES_NOT_EXIST", message);
  }

  get body(): MlflowErrorBody {
    return { error_code: this.code, message: this.message };
  }
}

/** MLflow's wording for a required field that is absent, null or empty. */
export const missingValue = (path: string) => `Missing value for required parameter '${path}'.`;

/** MLflow's wording for a field of the wrong type or out of range. */
export function invalidValue(path: string, value: unknown, reason?: string): string {
  return `Invalid value ${showValue(value)} for parameter '${path}' supplied${reason ? `: ${reason}` : "."}`;
}

function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (typeof value === "number" && !Number.isFinite(value)) text = String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/** `/metrics/0/key` → `metrics[0].key`. */
export function issuePath(instancePath: string): string {
  let path = "";
  for (const part of instancePath.split("/").filter(Boolean)) path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part;
  return path;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let node = root;
  for (const part of instancePath.split("/").filter(Boolean)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** What the mapping needs from a request: the raw inputs for messages, and whether a route matched. */
export interface RequestLike {
  method: string;
  url: string;
  body?: unknown;
  query?: unknown;
  is404?: boolean;
}

interface ErrorLike {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: unknown;
  validationContext?: string;
}

const JSON_ONLY = "Bad Request. Content-Type must be one of ['application/json'].";

/**
 * Maps anything a route can throw to MLflow's error: our own MlflowError as is, DomainError
 * by code (NOT_FOUND → RESOURCE_DOES_NOT_EXIST, UNAUTHENTICATED / FORBIDDEN / RATE_LIMITED →
 * UNAUTHENTICATED / PERMISSION_DENIED / REQUEST_LIMIT_EXCEEDED, a promotion blocked by its gates →
 * INVALID_STATE, the rest → INVALID_PARAMETER_VALUE naming every issue's path), zod
 * validation in MLflow's wording, Fastify's transport errors
 * (body, content type) as 400s. Null for an unexpected error (the caller logs it; 500).
 */
export function toMlflowError(err: unknown, request: RequestLike): MlflowError | null {
  if (request.is404) return endpointNotFound(request);
  if (err instanceof MlflowError) return err;
  if (err instanceof DomainError) {
    if (err.code === "NOT_FOUND") return MlflowError.notFound(capitalize(err.message));
    if (err.code === "UNAUTHENTICATED") return new MlflowError("UNAUTHENTICATED", capitalize(err.message));
    if (err.code === "FORBIDDEN") return new MlflowError("PERMISSION_DENIED", capitalize(err.message));
    if (err.code === "RATE_LIMITED") return new MlflowError("REQUEST_LIMIT_EXCEEDED", capitalize(err.message));
    if (err instanceof PromotionBlocked) return new MlflowError("INVALID_STATE", capitalize(err.message));
    const details = err.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    return MlflowError.invalidParameter(details.length > 0 ? `${capitalize(err.message)}: ${details.join("; ")}` : capitalize(err.message));
  }
  if (typeof err !== "object" || err === null) return null;
  const e = err as ErrorLike;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const source = e.validationContext === "querystring" ? request.query : request.body;
    const messages = err.validation.map((v) => {
      const path = issuePath(v.instancePath) || (e.validationContext === "body" ? "request body" : "query");
      const value = valueAt(source, v.instancePath);
      if (value === undefined || value === null || value === "") return missingValue(path);
      return invalidValue(path, value, v.message);
    });
    return MlflowError.invalidParameter([...new Set(messages)].join(" "));
  }
  const outOfRange = databaseOutOfRange(err);
  if (outOfRange !== null) return MlflowError.invalidParameter(`A value is out of range for the database: ${outOfRange}`);
  switch (e.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return MlflowError.invalidParameter(JSON_ONLY);
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return MlflowError.invalidParameter(`Bad Request. ${e.message}.`);
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new MlflowError("BAD_REQUEST", e.message);
  }
  const status = e.statusCode ?? 500;
  if (status >= 400 && status < 500) return new MlflowError("BAD_REQUEST", e.message, status);
  return null;
}

/**
 * Postgres' "numeric value out of range" (SQLSTATE 22003) as Prisma's driver adapter reports it,
 * e.g. a numeric filter meeting a stored value such as "1e999": the request cannot be answered,
 * but it is not a server fault. Null for any other error.
 */
function databaseOutOfRange(err: object): string | null {
  const cause = (err as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; originalMessage?: unknown } } } }).meta?.driverAdapterError?.cause;
  if (cause?.originalCode !== "22003") return null;
  return typeof cause.originalMessage === "string" ? cause.originalMessage : "numeric value out of range";
}

export function endpointNotFound(request: Pick<RequestLike, "method" | "url">): MlflowError {
  return new MlflowError("ENDPOINT_NOT_FOUND", `No endpoint ${request.method} ${request.url.split("?")[0]}`);
}

/** MLflow's check on POST bodies (mlflow/server/validation.py), before the body is read. */
export function checkContentType(method: string, contentType: string | undefined): MlflowError | null {
  if (method !== "POST" && method !== "PUT" && method !== "PATCH") return null;
  if (contentType === undefined || contentType.trim() === "") return MlflowError.invalidParameter("Bad Request. Content-Type header is missing.");
  const essence = contentType.split(";")[0]!.trim().toLowerCase();
  return essence === "application/json" ? null : MlflowError.invalidParameter(JSON_ONLY);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

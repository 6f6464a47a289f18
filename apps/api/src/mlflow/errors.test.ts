import { describe, expect, it } from "vitest";
import { validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { conflict, notFound, validationFailed } from "@trellis/engine";
import { checkContentType, invalidValue, issuePath, MlflowError, missingValue, toMlflowError } from "./errors.js";

const request = { method: "POST", url: "/api/2.0/mlflow/runs/log-batch?x=1" };

/** A Fastify validation error as fastify-type-provider-zod raises it. */
function zodValidationError(schema: z.ZodType, input: unknown, context = "body") {
  const validate = validatorCompiler({ schema, method: "POST", url: "/", httpPart: context } as Parameters<typeof validatorCompiler>[0]);
  const result = validate(input) as { error?: unknown[] };
  if (!result.error) throw new Error("expected a validation failure");
  return Object.assign(new Error("validation"), { statusCode: 400, validation: result.error, validationContext: context });
}

describe("toMlflowError", () => {
  it("passes MLflow errors through", () => {
    const error = MlflowError.invalidParameter("bad");
    expect(toMlflowError(error, request)).toBe(error);
  });

  it("maps domain errors: NOT_FOUND to RESOURCE_DOES_NOT_EXIST, the rest to INVALID_PARAMETER_VALUE naming the paths", () => {
    expect(toMlflowError(notFound('project "vision"'), request)?.body).toEqual({ error_code: "RESOURCE_DOES_NOT_EXIST", message: 'Project "vision" not found' });
    expect(toMlflowError(notFound("x"), request)?.status).toBe(404);
    const invalid = toMlflowError(validationFailed("invalid log batch", [{ path: "metrics[0].key", message: "bad name" }, { path: "params.lr", message: "too long" }]), request);
    expect(invalid?.body).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: "Invalid log batch: metrics[0].key: bad name; params.lr: too long" });
    expect(invalid?.status).toBe(400);
    expect(toMlflowError(conflict("run has finished"), request)?.body).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: "Run has finished" });
  });

  it("words zod validation failures as MLflow does, with the offending value", () => {
    const schema = z.object({ run_id: z.string().min(1), metrics: z.array(z.object({ key: z.string().min(1), step: z.number().int() })) });
    const missing = toMlflowError(zodValidationError(schema, { metrics: [] }), request);
    expect(missing?.body).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: missingValue("run_id") });
    const body = { run_id: "r", metrics: [{ key: "", step: 1.5 }] };
    const wrong = toMlflowError(zodValidationError(schema, body), { ...request, body });
    expect(wrong?.message).toContain("Missing value for required parameter 'metrics[0].key'.");
    expect(wrong?.message).toContain("Invalid value 1.5 for parameter 'metrics[0].step' supplied: ");
    const query = { max_results: "x" };
    const inQuery = toMlflowError(zodValidationError(z.object({ max_results: z.number() }), query, "querystring"), { ...request, query });
    expect(inQuery?.message).toMatch(/^Invalid value "x" for parameter 'max_results' supplied: /);
  });

  it("maps Fastify's transport errors to 400s and unknown routes to ENDPOINT_NOT_FOUND", () => {
    const media = Object.assign(new Error("Unsupported Media Type"), { code: "FST_ERR_CTP_INVALID_MEDIA_TYPE", statusCode: 415 });
    expect(toMlflowError(media, request)?.body).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: "Bad Request. Content-Type must be one of ['application/json']." });
    const tooLarge = Object.assign(new Error("Request body is too large"), { code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 });
    expect(toMlflowError(tooLarge, request)?.status).toBe(400);
    const other = Object.assign(new Error("nope"), { statusCode: 405 });
    expect(toMlflowError(other, request)).toMatchObject({ code: "BAD_REQUEST", status: 405 });
    expect(toMlflowError(new Error("boom"), request)).toBeNull();
    const outOfRange = Object.assign(new Error("Raw query failed"), {
      code: "P2010",
      meta: { driverAdapterError: { cause: { originalCode: "22003", originalMessage: '"1e999" is out of range for type double precision' } } },
    });
    expect(toMlflowError(outOfRange, request)?.body).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: 'A value is out of range for the database: "1e999" is out of range for type double precision',
    });
    const otherDb = Object.assign(new Error("Raw query failed"), { code: "P2010", meta: { driverAdapterError: { cause: { originalCode: "40001" } } } });
    expect(toMlflowError(otherDb, request)).toBeNull();
    expect(toMlflowError(new Error("anything"), { ...request, is404: true })?.body).toEqual({
      error_code: "ENDPOINT_NOT_FOUND",
      message: "No endpoint POST /api/2.0/mlflow/runs/log-batch",
    });
  });
});

describe("checkContentType", () => {
  it("wants JSON on POST, as MLflow's server", () => {
    expect(checkContentType("GET", undefined)).toBeNull();
    expect(checkContentType("POST", "application/json")).toBeNull();
    expect(checkContentType("POST", "Application/JSON; charset=utf-8")).toBeNull();
    expect(checkContentType("POST", undefined)?.message).toBe("Bad Request. Content-Type header is missing.");
    expect(checkContentType("POST", "text/plain")?.body).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: "Bad Request. Content-Type must be one of ['application/json']." });
  });
});

describe("messages", () => {
  it("follow MLflow's wording", () => {
    expect(missingValue("key")).toBe("Missing value for required parameter 'key'.");
    expect(invalidValue("step", "x")).toBe(`Invalid value "x" for parameter 'step' supplied.`);
    expect(invalidValue("value", NaN, "why")).toBe("Invalid value NaN for parameter 'value' supplied: why");
    expect(issuePath("/metrics/0/key")).toBe("metrics[0].key");
    expect(issuePath("/")).toBe("");
  });
});

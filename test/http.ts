import type { FastifyInstance } from "fastify";

/**
 * HTTP helpers shared by the API integration tests. Response bodies are checked field by field
 * against the API contract, hence `Json`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface JsonResponse {
  status: number;
  body: Json;
  headers: Record<string, unknown>;
  raw: string;
}

/** The instance-wide admin token the API creates from TRELLIS_BOOTSTRAP_TOKEN (set for integration tests in vitest.config.ts). */
export function adminToken(): string {
  const token = process.env.TRELLIS_BOOTSTRAP_TOKEN;
  if (!token) throw new Error("TRELLIS_BOOTSTRAP_TOKEN is not set: run integration tests through vitest.config.ts");
  return token;
}

/** `Authorization: Bearer` for a token (the bootstrap admin token by default). */
export const bearer = (token: string = adminToken()) => ({ authorization: `Bearer ${token}` });

/** Calls `/api/v1<url>` in-process as `token` (the bootstrap admin token by default). */
export function apiClient(app: () => FastifyInstance, token?: string) {
  return async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> => {
    const res = await app().inject({
      method: method as "GET",
      url: `/api/v1${url}`,
      ...(body !== undefined ? { payload: body as object } : {}),
      headers: { ...bearer(token), ...headers },
    });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as Json, headers: res.headers, raw: res.body };
  };
}

/**
 * fetch() over real HTTP as the bootstrap admin (unless `init` sends its own Authorization),
 * with the body parsed as JSON when it is JSON.
 */
export async function fetchJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json; text: string }> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${adminToken()}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  let body: Json = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

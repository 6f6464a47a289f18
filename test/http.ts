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

/** Calls `/api/v1<url>` in-process; `actor` is sent as X-Trellis-Actor. */
export function apiClient(app: () => FastifyInstance) {
  return async (method: string, url: string, body?: unknown, actor?: string): Promise<JsonResponse> => {
    const res = await app().inject({
      method: method as "GET",
      url: `/api/v1${url}`,
      ...(body !== undefined ? { payload: body as object } : {}),
      ...(actor !== undefined ? { headers: { "x-trellis-actor": actor } } : {}),
    });
    return { status: res.statusCode, body: (res.body ? res.json() : null) as Json, headers: res.headers, raw: res.body };
  };
}

/** fetch() over real HTTP, with the body parsed as JSON when it is JSON. */
export async function fetchJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Json = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

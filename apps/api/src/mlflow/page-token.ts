import { MlflowError } from "./errors.js";

/**
 * Page tokens in MLflow's format: base64 of `{"offset": n}`. Clients treat them as opaque;
 * using MLflow's own encoding keeps a token from an MLflow server and one from Trellis
 * interchangeable in tools that inspect them.
 */

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64");
}

/** The offset a token stands for; no token (or an empty one) is offset 0. */
export function decodePageToken(token: string | null | undefined): number {
  if (token === undefined || token === null || token === "") return 0;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(token)) throw MlflowError.invalidParameter(`Invalid page token, could not base64-decode: ${JSON.stringify(shorten(token))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw MlflowError.invalidParameter(`Invalid page token ${JSON.stringify(shorten(token))}: it does not decode to JSON`);
  }
  const offset = typeof parsed === "object" && parsed !== null ? (parsed as { offset?: unknown }).offset : undefined;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw MlflowError.invalidParameter(`Invalid page token ${JSON.stringify(shorten(token))}: expected a non-negative offset`);
  }
  return offset;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

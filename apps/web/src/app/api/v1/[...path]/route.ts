import type { NextRequest } from "next/server";

/**
 * Runtime proxy for the Trellis REST API: the browser only ever calls same-origin `/api/v1/*`
 * and this handler forwards each request to `${TRELLIS_API_URL}/api/v1/*`. The URL is read per
 * request (not baked in at build time like a `next.config` rewrite), so one build works against
 * any API. Responses are streamed back as they arrive, which keeps the SSE log tail live.
 */

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const DEFAULT_API_URL = "http://localhost:4000";

/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones the outgoing fetch must compute itself. */
const DROP_REQUEST_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "expect",
  // fetch() would transparently decompress an encoded answer; ask for identity instead so the
  // bytes (and their framing) pass through untouched.
  "accept-encoding",
]);

const DROP_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "trailer",
  "upgrade",
]);

function apiBaseUrl(): string {
  return (process.env.TRELLIS_API_URL || DEFAULT_API_URL).replace(/\/+$/, "");
}

function unreachable(base: string): Response {
  return Response.json(
    { error: { code: "API_UNREACHABLE", message: `cannot reach the Trellis API at ${base}` } },
    { status: 502, headers: { "cache-control": "no-store" } },
  );
}

function hasBody(request: NextRequest): boolean {
  if (request.method === "GET" || request.method === "HEAD") return false;
  if (request.headers.has("transfer-encoding")) return true;
  const length = Number(request.headers.get("content-length") ?? "0");
  return Number.isFinite(length) && length > 0;
}

async function proxy(request: NextRequest): Promise<Response> {
  const base = apiBaseUrl();
  // The raw (still percent-encoded) path and query, exactly as the browser sent them.
  const target = `${base}${request.nextUrl.pathname}${request.nextUrl.search}`;

  const headers = new Headers();
  request.headers.forEach((value, key) => {
    const name = key.toLowerCase();
    if (DROP_REQUEST_HEADERS.has(name) || name.startsWith("x-middleware-") || name.startsWith("x-nextjs-")) return;
    headers.set(name, value);
  });
  // Cookies (the session and CSRF cookies) go upstream with the other headers: the API decides.
  // X-Forwarded-For is the browser's address: `next start` fills it in from the socket when the
  // request arrived without one, and the API (which trusts it from loopback only) rate-limits
  // sign-ins by it. A reverse proxy in front of the web app must set it (not pass a client's).
  // Next adds -host/-proto too; fill them in if a custom server did not.
  if (!headers.has("x-forwarded-host")) headers.set("x-forwarded-host", request.headers.get("host") ?? request.nextUrl.host);
  if (!headers.has("x-forwarded-proto")) headers.set("x-forwarded-proto", request.nextUrl.protocol.replace(/:$/, ""));

  // Abort the upstream request when the browser goes away (e.g. an EventSource is closed), so the
  // API stops streaming a log nobody reads.
  const upstreamAbort = new AbortController();
  const onClientAbort = () => upstreamAbort.abort();
  if (request.signal.aborted) onClientAbort();
  else request.signal.addEventListener("abort", onClientAbort, { once: true });

  let upstream: Response;
  try {
    // `redirect: "manual"`: a redirect (the OIDC routes answer 302) goes back to the browser as
    // it is, with its cookies; following it here would hand the browser the wrong page.
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody(request) ? request.body : null,
      redirect: "manual",
      cache: "no-store",
      signal: upstreamAbort.signal,
      // Required by Node's fetch to send a streamed request body.
      ...({ duplex: "half" } as Record<string, unknown>),
    });
  } catch (err) {
    request.signal.removeEventListener("abort", onClientAbort);
    // The browser left before the API answered: nobody will read this response.
    if (upstreamAbort.signal.aborted) return new Response(null, { status: 499 });
    const cause = (err instanceof Error ? (err.cause ?? err) : undefined) as { code?: string; message?: string } | undefined;
    console.error(`[trellis-web] ${request.method} ${target}: ${cause?.code ?? cause?.message ?? String(err)}`);
    return unreachable(base);
  }

  const responseHeaders = new Headers();
  upstream.headers.forEach((value, key) => {
    const name = key.toLowerCase();
    if (name !== "set-cookie" && !DROP_RESPONSE_HEADERS.has(name)) responseHeaders.append(key, value);
  });
  // One header per cookie (sign-in sets the session and the CSRF cookie): joined into one line
  // with commas they would not parse, as cookie dates contain commas.
  for (const cookie of upstream.headers.getSetCookie()) responseHeaders.append("set-cookie", cookie);
  // fetch() already decoded the body if the API encoded it anyway: the original framing is gone.
  if (upstream.headers.has("content-encoding")) {
    responseHeaders.delete("content-encoding");
    responseHeaders.delete("content-length");
  }
  const isEventStream = (upstream.headers.get("content-type") ?? "").startsWith("text/event-stream");
  if (isEventStream) {
    // `no-transform` keeps Next's response compression (which would buffer) off the live stream;
    // `X-Accel-Buffering` does the same for an nginx in front of the web app.
    responseHeaders.set("cache-control", "no-cache, no-transform");
    responseHeaders.set("x-accel-buffering", "no");
  }

  const nullBody = request.method === "HEAD" || upstream.status === 204 || upstream.status === 304;
  let body: ReadableStream<Uint8Array> | null = null;
  if (!nullBody && upstream.body) {
    const reader = upstream.body.getReader();
    // Pass chunks through one by one (no buffering); cancelling our stream aborts the upstream one.
    body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            request.signal.removeEventListener("abort", onClientAbort);
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (err) {
          request.signal.removeEventListener("abort", onClientAbort);
          controller.error(err);
        }
      },
      cancel(reason) {
        request.signal.removeEventListener("abort", onClientAbort);
        upstreamAbort.abort();
        return reader.cancel(reason).catch(() => undefined);
      },
    });
  } else {
    request.signal.removeEventListener("abort", onClientAbort);
    await upstream.body?.cancel().catch(() => undefined);
  }

  return new Response(body, { status: upstream.status, statusText: upstream.statusText, headers: responseHeaders });
}

export const GET = proxy;
export const HEAD = proxy;
export const POST = proxy;
export const PUT = proxy;
export const PATCH = proxy;
export const DELETE = proxy;
export const OPTIONS = proxy;

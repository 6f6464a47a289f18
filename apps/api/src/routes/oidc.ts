import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type {} from "@fastify/cookie";
import * as client from "openid-client";
import { z } from "zod";
import { DomainError, oidcStateKey, parseAdminEmails, userFromOidcClaims } from "@trellis/engine";
import type { ApiDeps } from "../deps.js";
import { access } from "../http/access.js";
import { startSession } from "../http/session-cookies.js";
import { errorResponses } from "../http/schemas.js";

/**
 * Optional sign-in through an OpenID Connect identity provider (authorization code flow with
 * PKCE S256, state and nonce). Configured by environment; without TRELLIS_OIDC_ISSUER the routes
 * answer 404 and the sign-in page shows no SSO button.
 */
export interface OidcConfig {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** Where the IdP sends the browser back: `${TRELLIS_PUBLIC_URL}/api/v1/auth/oidc/callback`. */
  redirectUri: string;
  label: string;
  scope: string;
  /** Emails that become instance admins when their first OIDC sign-in creates their account. */
  adminEmails: string[];
}

const REQUIRED = ["TRELLIS_OIDC_ISSUER", "TRELLIS_OIDC_CLIENT_ID", "TRELLIS_OIDC_CLIENT_SECRET", "TRELLIS_PUBLIC_URL"] as const;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The OIDC settings, or null when TRELLIS_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET are all
 * unset. A partial or malformed configuration throws (start-up fails naming the variable)
 * rather than silently offering no SSO.
 */
export function oidcConfigFromEnv(env: NodeJS.ProcessEnv = process.env): OidcConfig | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  if (!value("TRELLIS_OIDC_ISSUER") && !value("TRELLIS_OIDC_CLIENT_ID") && !value("TRELLIS_OIDC_CLIENT_SECRET")) return null;
  const missing = REQUIRED.filter((name) => !value(name));
  if (missing.length) throw new Error(`OIDC sign-in is partly configured: set ${missing.join(", ")} (or unset every TRELLIS_OIDC_* variable)`);

  const issuer = parseUrl("TRELLIS_OIDC_ISSUER", value("TRELLIS_OIDC_ISSUER")!);
  // Plain HTTP lets anyone on the path forge the discovery document and keys; only a local test IdP may use it.
  if (issuer.protocol !== "https:" && !(issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname))) {
    throw new Error(`TRELLIS_OIDC_ISSUER must be an https:// URL (http:// only for localhost), got "${issuer.href}"`);
  }
  const publicUrl = parseUrl("TRELLIS_PUBLIC_URL", value("TRELLIS_PUBLIC_URL")!);
  if (publicUrl.protocol !== "https:" && publicUrl.protocol !== "http:") throw new Error(`TRELLIS_PUBLIC_URL must be an http(s):// URL, got "${publicUrl.href}"`);
  const scope = (value("TRELLIS_OIDC_SCOPES") ?? "openid email profile").split(/[\s,]+/).filter(Boolean);
  if (!scope.includes("openid")) throw new Error(`TRELLIS_OIDC_SCOPES must include "openid", got "${scope.join(" ")}"`);

  return {
    issuer,
    clientId: value("TRELLIS_OIDC_CLIENT_ID")!,
    clientSecret: value("TRELLIS_OIDC_CLIENT_SECRET")!,
    redirectUri: `${publicUrl.origin}${publicUrl.pathname.replace(/\/+$/, "")}/api/v1/auth/oidc/callback`,
    label: value("TRELLIS_OIDC_LABEL") ?? "Sign in with SSO",
    scope: scope.join(" "),
    adminEmails: parseAdminEmails(env.TRELLIS_OIDC_ADMIN_EMAILS),
  };
}

function parseUrl(name: string, raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new Error(`${name} must be a URL, got "${raw}"`);
  }
}

/** What the sign-in page needs to know (GET /auth/status). */
export function oidcStatus(config: OidcConfig | null): { enabled: boolean; label: string } {
  return { enabled: config !== null, label: config?.label ?? "" };
}

/** Discovery happens on first use (the API starts even while the IdP is down), then is cached; a failure is retried next time. */
const discovered = new WeakMap<OidcConfig, Promise<client.Configuration>>();

function discover(config: OidcConfig): Promise<client.Configuration> {
  let pending = discovered.get(config);
  if (!pending) {
    pending = client.discovery(config.issuer, config.clientId, config.clientSecret, undefined, {
      timeout: 10,
      // Only reachable for loopback issuers: oidcConfigFromEnv refuses other http:// URLs.
      ...(config.issuer.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {}),
    });
    pending.catch(() => discovered.delete(config));
    discovered.set(config, pending);
  }
  return pending;
}

/** The sign-in in progress, kept in the browser between the redirect to the IdP and the callback. */
interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  /** Epoch ms after which the callback is refused. */
  expires: number;
}

const PENDING_COOKIE = "trellis_oidc";
const PENDING_PATH = "/api/v1/auth/oidc";
const PENDING_TTL_S = 10 * 60;

async function seal(db: ApiDeps["db"], pending: PendingSignIn): Promise<string> {
  const body = Buffer.from(JSON.stringify(pending)).toString("base64url");
  return `${body}.${createHmac("sha256", await oidcStateKey(db)).update(body).digest("base64url")}`;
}

/** The pending sign-in of a cookie this API signed and that has not expired, or null. */
async function unseal(db: ApiDeps["db"], value: string | undefined): Promise<PendingSignIn | null> {
  if (!value || value.length > 4096) return null;
  const [body, signature, extra] = value.split(".");
  if (!body || !signature || extra !== undefined) return null;
  const expected = Buffer.from(createHmac("sha256", await oidcStateKey(db)).update(body).digest("base64url"));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const pending = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as PendingSignIn;
  return pending.expires > Date.now() ? pending : null;
}

/**
 * Where to go after signing in: a path on this site only. "//host" and "/\host" are
 * protocol-relative URLs to other sites in browsers, so they fall back to "/".
 */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  // Control characters (a smuggled newline or tab) have no place in a path.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return "/";
  return next;
}

function secureCookies(request: FastifyRequest): boolean {
  return request.protocol === "https" || process.env.TRELLIS_SECURE_COOKIES === "1";
}

/** Failures go back to the sign-in page, which shows the message: a browser is on the other end, not an API client. */
function toSignIn(reply: FastifyReply, message: string) {
  return reply.redirect(`/sign-in?error=${encodeURIComponent(message.slice(0, 300))}`, 302);
}

/** A plain-language reason for a failed exchange with the IdP (the details go to the log). */
function describe(err: unknown, config: OidcConfig): string {
  if (err instanceof DomainError) return err.message;
  if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError) {
    return `your identity provider answered "${err.error}"${err.error_description ? `: ${err.error_description}` : ""}`;
  }
  if (err instanceof client.ClientError) return `its answer could not be verified (${err.message})`;
  const name = err instanceof Error ? err.name : "";
  if (name === "TimeoutError" || name === "AbortError" || (err instanceof TypeError && err.message === "fetch failed")) {
    return `your identity provider at ${config.issuer.origin} could not be reached`;
  }
  return "an unexpected error occurred (see the API log)";
}

function notConfigured(): DomainError {
  return new DomainError("NOT_FOUND", "OIDC sign-in is not configured");
}

const StartQuery = z.object({ next: z.string().max(2048).optional() });
const CallbackQuery = z.object({
  code: z.string().max(8192).optional(),
  state: z.string().max(2048).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(4096).optional(),
});

export const oidcRoutes =
  (deps: ApiDeps, config: OidcConfig | null): FastifyPluginAsyncZod =>
  async (app) => {
    const fail = (log: FastifyBaseLogger, reply: FastifyReply, err: unknown, what: string) => {
      const reason = config ? describe(err, config) : "OIDC sign-in is not configured";
      if (err instanceof DomainError) log.info({ reason }, `OIDC ${what} refused`);
      else log.warn({ err }, `OIDC ${what} failed`);
      return toSignIn(reply, `Sign-in with your identity provider failed: ${reason}`);
    };

    app.get(
      "/auth/oidc/start",
      {
        config: { access: access.public },
        schema: {
          tags: ["auth"],
          summary: "Start signing in with the identity provider",
          description: "Redirects (302) to the identity provider; its answer comes back to /auth/oidc/callback. `next` is the path to return to.",
          querystring: StartQuery,
          response: { 404: errorResponses[404] },
        },
      },
      async (request, reply) => {
        if (!config) throw notConfigured();
        reply.header("cache-control", "no-store");
        try {
          const oidc = await discover(config);
          const pending: PendingSignIn = {
            state: client.randomState(),
            nonce: client.randomNonce(),
            verifier: client.randomPKCECodeVerifier(),
            next: safeNext(request.query.next),
            expires: Date.now() + PENDING_TTL_S * 1000,
          };
          const url = client.buildAuthorizationUrl(oidc, {
            redirect_uri: config.redirectUri,
            scope: config.scope,
            state: pending.state,
            nonce: pending.nonce,
            code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
            code_challenge_method: "S256",
          });
          reply.setCookie(PENDING_COOKIE, await seal(deps.db, pending), {
            path: PENDING_PATH,
            httpOnly: true,
            sameSite: "lax",
            secure: secureCookies(request),
            maxAge: PENDING_TTL_S,
          });
          return reply.redirect(url.href, 302);
        } catch (err) {
          return fail(request.log, reply, err, "start");
        }
      },
    );

    app.get(
      "/auth/oidc/callback",
      {
        config: { access: access.public },
        schema: {
          tags: ["auth"],
          summary: "Finish signing in with the identity provider",
          description: "The identity provider redirects here. Sets the session cookies and redirects (302) to the `next` path given to /auth/oidc/start, or to /sign-in?error=… when sign-in failed.",
          querystring: CallbackQuery,
          response: { 404: errorResponses[404] },
        },
      },
      async (request, reply) => {
        if (!config) throw notConfigured();
        // One attempt per start: the cookie is cleared whatever happens next.
        reply.clearCookie(PENDING_COOKIE, { path: PENDING_PATH, httpOnly: true, sameSite: "lax", secure: secureCookies(request) });
        reply.header("cache-control", "no-store");
        const query = request.query;
        try {
          if (query.error) {
            throw new DomainError("UNAUTHENTICATED", `your identity provider refused: ${query.error_description || query.error}`);
          }
          const pending = await unseal(deps.db, request.cookies[PENDING_COOKIE]);
          if (!pending) throw new DomainError("UNAUTHENTICATED", "the sign-in expired or was started in another browser; start again");
          if (!query.state || query.state !== pending.state) throw new DomainError("UNAUTHENTICATED", "the state did not match; start again");
          if (!query.code) throw new DomainError("UNAUTHENTICATED", "your identity provider sent no authorization code; start again");

          const oidc = await discover(config);
          // The token request must name the exact redirect_uri of the authorization request, which is
          // the public URL (behind the web proxy), not the URL this process was reached at.
          const currentUrl = new URL(config.redirectUri);
          const search = request.url.indexOf("?");
          if (search >= 0) currentUrl.search = request.url.slice(search);
          const tokens = await client.authorizationCodeGrant(oidc, currentUrl, {
            pkceCodeVerifier: pending.verifier,
            expectedState: pending.state,
            expectedNonce: pending.nonce,
            idTokenExpected: true,
          });
          const claims = tokens.claims();
          if (!claims) throw new DomainError("UNAUTHENTICATED", "your identity provider sent no ID token");
          let profile: Record<string, unknown> = claims;
          // Some providers put email and name only in UserInfo, not in the ID token.
          if (typeof claims.email !== "string" && oidc.serverMetadata().userinfo_endpoint) {
            profile = { ...(await client.fetchUserInfo(oidc, tokens.access_token, claims.sub)), ...claims };
          }
          if (typeof profile.email !== "string" || !profile.email) {
            throw new DomainError("UNAUTHENTICATED", "your identity provider did not share your email address (Trellis needs the email scope)");
          }
          const name = typeof profile.name === "string" ? profile.name : typeof profile.preferred_username === "string" ? profile.preferred_username : null;
          const user = await userFromOidcClaims(deps.db, {
            issuer: claims.iss,
            subject: claims.sub,
            email: profile.email,
            // Some providers send the string "true".
            emailVerified: profile.email_verified === true || profile.email_verified === "true",
            name,
            ip: request.ip,
            adminEmails: config.adminEmails,
          });
          await startSession(deps.db, request, reply, user.id);
          return reply.redirect(pending.next, 302);
        } catch (err) {
          return fail(request.log, reply, err, "callback");
        }
      },
    );
  };

import type { FastifyReply, FastifyRequest } from "fastify";
import { createSession, type NewSession } from "@trellis/engine";
import type { PrismaClient } from "@trellis/db";

/**
 * The session travels in two cookies: `trellis_session`, httpOnly so page scripts cannot read
 * it, and `trellis_csrf`, readable so the web client can echo it in X-CSRF-Token (another site
 * can send the cookies but cannot read them). SameSite=Lax keeps them off cross-site
 * sub-requests while letting an identity provider's redirect back in. Secure whenever the
 * browser came over HTTPS (browsers refuse Secure cookies on plain-HTTP hosts other than
 * localhost, so a plain-HTTP install would otherwise not work at all).
 */
export const SESSION_COOKIE = "trellis_session";
export const CSRF_COOKIE = "trellis_csrf";
export const CSRF_HEADER = "x-csrf-token";

function secure(request: FastifyRequest): boolean {
  return request.protocol === "https" || process.env.TRELLIS_SECURE_COOKIES === "1";
}

function setSessionCookies(reply: FastifyReply, session: NewSession, request: FastifyRequest): void {
  const common = { path: "/", sameSite: "lax" as const, secure: secure(request), expires: session.expiresAt };
  reply.setCookie(SESSION_COOKIE, session.token, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
}

/** Signs the user in on this browser: a new session, and its cookies on the reply. */
export async function startSession(db: PrismaClient, request: FastifyRequest, reply: FastifyReply, userId: string): Promise<void> {
  setSessionCookies(reply, await createSession(db, { userId, ip: request.ip, userAgent: request.headers["user-agent"] ?? null }), request);
}

export function clearSessionCookies(reply: FastifyReply, request: FastifyRequest): void {
  const common = { path: "/", sameSite: "lax" as const, secure: secure(request) };
  reply.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, { ...common, httpOnly: false });
}

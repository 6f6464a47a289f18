import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "@trellis/db";

/** A session lasts a week from sign-in; signing out or disabling the user ends it at once. */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface NewSession {
  /** The cookie value (only its sha256 is stored). */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface SessionUser {
  sessionId: string;
  csrfToken: string;
  user: { id: string; email: string; name: string; instanceAdmin: boolean };
}

const sessionId = (token: string) => createHash("sha256").update(token).digest("hex");

export async function createSession(db: PrismaClient, input: { userId: string; ip?: string | null; userAgent?: string | null }): Promise<NewSession> {
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.session.create({
    data: { id: sessionId(token), userId: input.userId, csrfToken, expiresAt, ip: input.ip ?? null, userAgent: input.userAgent?.slice(0, 300) ?? null },
  });
  return { token, csrfToken, expiresAt };
}

/** The live session of a cookie value with its (enabled) user, or null. */
export async function findSession(db: PrismaClient, token: string): Promise<SessionUser | null> {
  if (!token || token.length > 200) return null;
  const row = await db.session.findUnique({
    where: { id: sessionId(token) },
    select: { id: true, csrfToken: true, expiresAt: true, user: { select: { id: true, email: true, name: true, instanceAdmin: true, disabledAt: true } } },
  });
  if (!row || row.expiresAt.getTime() <= Date.now() || row.user.disabledAt) return null;
  const { disabledAt: _disabled, ...user } = row.user;
  return { sessionId: row.id, csrfToken: row.csrfToken, user };
}

export async function deleteSession(db: PrismaClient, id: string): Promise<void> {
  await db.session.deleteMany({ where: { id } });
}

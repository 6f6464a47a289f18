import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "@trellis/db";
import { conflict, notFound, validationFailed } from "../errors.js";
import { recordAudit } from "./audit.js";
import { isRole, roleAtLeast, type Role } from "./roles.js";

/**
 * API tokens. A token is shown once: only its sha256 is stored, with a short prefix for people
 * to recognise it. Prefixes name the kind, so secret scanners and people can tell them apart.
 * Every request looks the token up, so revocation takes effect on the next request.
 */
export type TokenKind = "personal" | "service";
export const TOKEN_PREFIXES: Record<TokenKind, string> = { personal: "trl_pat_", service: "trl_svc_" };
const LAST_USED_RESOLUTION_MS = 60_000;

export const hashToken = (secret: string) => createHash("sha256").update(secret).digest("hex");

function newSecret(kind: TokenKind): string {
  return `${TOKEN_PREFIXES[kind]}${randomBytes(24).toString("base64url")}`;
}

export interface Actor {
  actor: string;
  actorUserId: string | null;
  ip: string | null;
}

export interface ApiTokenRow {
  id: string;
  name: string;
  kind: string;
  prefix: string;
  role: string;
  projectId: string | null;
  userId: string | null;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  project: { name: string } | null;
  user: { email: string; name: string } | null;
}

export const API_TOKEN_SELECT = {
  id: true,
  name: true,
  kind: true,
  prefix: true,
  role: true,
  projectId: true,
  userId: true,
  createdBy: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  project: { select: { name: true } },
  user: { select: { email: true, name: true } },
} as const;

export interface CreateTokenInput extends Actor {
  kind: TokenKind;
  name: string;
  projectId: string;
  role: Role;
  /** The user a personal token acts for. */
  userId: string | null;
  expiresInDays?: number | undefined;
}

/** Creates a token and returns it with its secret, which is never available again. */
export async function createApiToken(db: PrismaClient, input: CreateTokenInput): Promise<{ token: ApiTokenRow; secret: string }> {
  const name = input.name.trim();
  if (!name) throw validationFailed("invalid token", [{ path: "name", message: "give the token a name" }]);
  if (input.kind === "personal" && !input.userId) throw new Error("a personal token needs its user");
  const secret = newSecret(input.kind);
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  const token = await db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: {
        name,
        kind: input.kind,
        tokenHash: hashToken(secret),
        prefix: secret.slice(0, TOKEN_PREFIXES[input.kind].length + 4),
        projectId: input.projectId,
        role: input.role,
        userId: input.kind === "personal" ? input.userId : null,
        createdBy: input.actor,
        expiresAt,
      },
      select: API_TOKEN_SELECT,
    });
    await recordAudit(tx, {
      action: "token.created",
      actor: input.actor,
      actorUserId: input.actorUserId,
      projectId: input.projectId,
      target: name,
      details: { tokenId: row.id, kind: input.kind, role: input.role, expiresAt: expiresAt?.toISOString() ?? null },
      ip: input.ip,
    });
    return row;
  });
  return { token, secret };
}

/**
 * Revokes a token, from now on (guarded: only a live token is revoked). `scope` limits which
 * tokens the caller may revoke: a project's (its admins) or a user's own personal tokens.
 * Revoking a revoked token changes nothing and is not an error.
 */
export async function revokeApiToken(db: PrismaClient, input: Actor & { tokenId: string; scope: { projectId: string } | { userId: string } }): Promise<void> {
  const where = { id: input.tokenId, ...("projectId" in input.scope ? { projectId: input.scope.projectId } : { userId: input.scope.userId, kind: "personal" }) };
  await db.$transaction(async (tx) => {
    const token = await tx.apiToken.findFirst({ where, select: { id: true, name: true, kind: true, projectId: true } });
    if (!token) throw notFound(`token ${input.tokenId}`);
    const { count } = await tx.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: new Date(), revokedBy: input.actor } });
    if (count === 0) return;
    await recordAudit(tx, {
      action: "token.revoked",
      actor: input.actor,
      actorUserId: input.actorUserId,
      projectId: token.projectId,
      target: token.name,
      details: { tokenId: token.id, kind: token.kind },
      ip: input.ip,
    });
  });
}

export interface LiveToken {
  id: string;
  name: string;
  kind: TokenKind;
  projectId: string | null;
  role: Role;
  user: { id: string; email: string; instanceAdmin: boolean } | null;
}

/** The live token with this secret (not revoked, not expired, its user enabled), or null. */
export async function findLiveToken(db: PrismaClient, secret: string): Promise<LiveToken | null> {
  if (!secret || secret.length > 512) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashToken(secret) },
    select: {
      id: true,
      name: true,
      kind: true,
      projectId: true,
      role: true,
      revokedAt: true,
      expiresAt: true,
      lastUsedAt: true,
      user: { select: { id: true, email: true, instanceAdmin: true, disabledAt: true } },
    },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= Date.now()) || row.user?.disabledAt) return null;
  if (!isRole(row.role) || (row.kind !== "personal" && row.kind !== "service")) return null;
  // Last use is kept to the minute: one write per token per minute, whatever the request rate.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.updateMany({
      where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(Date.now() - LAST_USED_RESOLUTION_MS) } }] },
      data: { lastUsedAt: new Date() },
    });
  }
  const user = row.user ? { id: row.user.id, email: row.user.email, instanceAdmin: row.user.instanceAdmin } : null;
  return { id: row.id, name: row.name, kind: row.kind, projectId: row.projectId, role: row.role, user };
}

export async function listApiTokens(db: PrismaClient, where: { projectId: string } | { userId: string }): Promise<ApiTokenRow[]> {
  return db.apiToken.findMany({
    where: "projectId" in where ? { projectId: where.projectId } : { userId: where.userId, kind: "personal" },
    select: API_TOKEN_SELECT,
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
  });
}

/** A role a user may hand to a personal token on a project: at most their own. */
export function checkPersonalTokenRole(requested: Role, own: Role | null, project: string): void {
  if (own === null) throw notFound(`project "${project}"`);
  if (!roleAtLeast(own, requested)) throw validationFailed("invalid token", [{ path: "role", message: `you are ${own} on project "${project}"; a token cannot have more (${requested})` }]);
}

/**
 * TRELLIS_BOOTSTRAP_TOKEN: an instance-wide admin service token with exactly this value, for
 * automation that must work before anyone signs in. Created when missing, kept when present;
 * a revoked one stays revoked (revocation must win over a restart).
 */
export async function ensureBootstrapToken(db: PrismaClient, secret: string): Promise<"created" | "kept" | "revoked"> {
  if (secret.length < 16) throw conflict("TRELLIS_BOOTSTRAP_TOKEN must be at least 16 characters");
  const tokenHash = hashToken(secret);
  const existing = await db.apiToken.findUnique({ where: { tokenHash }, select: { revokedAt: true } });
  if (existing) return existing.revokedAt ? "revoked" : "kept";
  const created = await db.apiToken.createMany({
    data: [{ name: "bootstrap", kind: "service", tokenHash, prefix: secret.slice(0, 8), projectId: null, role: "admin", createdBy: "TRELLIS_BOOTSTRAP_TOKEN" }],
    skipDuplicates: true,
  });
  if (created.count > 0) {
    await recordAudit(db, { action: "token.created", actor: "TRELLIS_BOOTSTRAP_TOKEN", target: "bootstrap", details: { kind: "service", role: "admin", scope: "instance" } });
  }
  return "created";
}

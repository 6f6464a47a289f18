import type { PrismaClient, Prisma } from "@trellis/db";
import { isRole, type ApiTokenRow, type MemberRow, type Role, type UserRow } from "@trellis/engine";
import { iso } from "./iso.js";

/** JSON views of accounts, memberships, tokens and audit events (never a hash or a secret). */

export const userView = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  instanceAdmin: u.instanceAdmin,
  disabled: u.disabledAt !== null,
  createdAt: iso(u.createdAt),
  lastSignInAt: u.lastSignInAt ? iso(u.lastSignInAt) : null,
});

export const memberView = (m: MemberRow) => ({ ...m, createdAt: iso(m.createdAt) });

export const tokenView = (t: ApiTokenRow) => ({
  id: t.id,
  name: t.name,
  kind: t.kind === "personal" ? ("personal" as const) : ("service" as const),
  project: t.project?.name ?? null,
  role: (isRole(t.role) ? t.role : "viewer") as Role,
  prefix: t.prefix,
  owner: t.user ? { email: t.user.email, name: t.user.name } : null,
  createdBy: t.createdBy,
  createdAt: iso(t.createdAt),
  expiresAt: t.expiresAt ? iso(t.expiresAt) : null,
  lastUsedAt: t.lastUsedAt ? iso(t.lastUsedAt) : null,
  revokedAt: t.revokedAt ? iso(t.revokedAt) : null,
});

/**
 * A page of the audit log, newest first (keyset on id). For a project: its own events plus the
 * sign-ins of its current members, which its admins are entitled to see.
 */
export async function auditPage(db: PrismaClient, input: { projectId?: string; limit: number; cursor?: string | undefined }) {
  let where: Prisma.AuditEventWhereInput = {};
  if (input.projectId) {
    const members = await db.projectMember.findMany({ where: { projectId: input.projectId }, select: { userId: true } });
    where = { OR: [{ projectId: input.projectId }, { projectId: null, action: { in: ["auth.sign_in", "auth.sign_in_failed"] }, actorUserId: { in: members.map((m) => m.userId) } }] };
  }
  const rows = await db.auditEvent.findMany({
    where: { AND: [where, ...(input.cursor ? [{ id: { lt: BigInt(input.cursor) } }] : [])] },
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const projectIds = [...new Set(page.flatMap((e) => (e.projectId ? [e.projectId] : [])))];
  const names = new Map((await db.project.findMany({ where: { id: { in: projectIds } }, select: { id: true, name: true } })).map((p) => [p.id, p.name]));
  return {
    items: page.map((e) => ({
      id: e.id.toString(),
      at: iso(e.at),
      actor: e.actor,
      action: e.action,
      target: e.target,
      project: e.projectId ? (names.get(e.projectId) ?? e.projectId) : null,
      details: (e.details ?? {}) as Record<string, unknown>,
      ip: e.ip,
    })),
    nextCursor: rows.length > input.limit ? page[page.length - 1]!.id.toString() : null,
  };
}

import type { Prisma, PrismaClient } from "@trellis/db";

/** The security events the audit log records. */
export type AuditAction =
  | "auth.setup"
  | "auth.sign_in"
  | "auth.sign_in_failed"
  | "auth.sign_out"
  | "user.created"
  | "user.updated"
  | "project.created"
  | "member.added"
  | "member.role_changed"
  | "member.removed"
  | "token.created"
  | "token.revoked"
  | "secret.created"
  | "secret.updated"
  | "secret.deleted";

export interface AuditEntry {
  action: AuditAction;
  /** Who did it, as people read it: an email, `token "ci" (service)`, or `bootstrap`. */
  actor: string;
  actorUserId?: string | null;
  /** The project it concerns; null for instance-level events (sign-ins, accounts). */
  projectId?: string | null;
  /** What it was done to: an email, a token name, a secret name. */
  target: string;
  details?: Prisma.InputJsonObject;
  ip?: string | null;
}

/**
 * Appends one audit event. Pass the transaction that makes the change, so the event exists
 * exactly when the change does.
 */
export async function recordAudit(db: Pick<PrismaClient, "auditEvent"> | Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
  await db.auditEvent.create({
    data: {
      action: entry.action,
      actor: entry.actor,
      actorUserId: entry.actorUserId ?? null,
      projectId: entry.projectId ?? null,
      target: entry.target,
      details: entry.details ?? {},
      ip: entry.ip ?? null,
    },
  });
}

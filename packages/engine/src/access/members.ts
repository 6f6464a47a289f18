import type { PrismaClient, Prisma } from "@trellis/db";
import { conflict, notFound, validationFailed } from "../errors.js";
import type { Actor } from "./api-tokens.js";
import { recordAudit } from "./audit.js";
import { isRole, type Role } from "./roles.js";
import { normalizeEmail } from "./users.js";

export interface MemberRow {
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

/** A user's role on a project: admin everywhere for instance admins, else their membership. */
export async function projectRoleOf(db: PrismaClient, user: { id: string; instanceAdmin: boolean }, projectId: string): Promise<Role | null> {
  if (user.instanceAdmin) return "admin";
  const member = await db.projectMember.findUnique({ where: { projectId_userId: { projectId, userId: user.id } }, select: { role: true } });
  return member && isRole(member.role) ? member.role : null;
}

export async function listMembers(db: PrismaClient, projectId: string): Promise<MemberRow[]> {
  const rows = await db.projectMember.findMany({
    where: { projectId },
    select: { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
    orderBy: { user: { email: "asc" } },
  });
  return rows.map((r) => ({ userId: r.user.id, email: r.user.email, name: r.user.name, role: isRole(r.role) ? r.role : "viewer", createdAt: r.createdAt }));
}

/** Locks the project's memberships for the transaction, so the last-admin check cannot race. */
async function lockProject(tx: Prisma.TransactionClient, projectId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Project" WHERE id = ${projectId}::uuid FOR UPDATE`;
}

async function assertAdminRemains(tx: Prisma.TransactionClient, projectId: string, losing: string): Promise<void> {
  const admins = await tx.projectMember.count({ where: { projectId, role: "admin" } });
  if (admins <= 1) throw conflict(`${losing} is the project's last admin; make another member admin first`);
}

export async function addMember(db: PrismaClient, input: Actor & { projectId: string; email: string; role: Role }): Promise<MemberRow> {
  const email = normalizeEmail(input.email);
  const user = await db.user.findUnique({ where: { email }, select: { id: true, email: true, name: true } });
  if (!user) throw validationFailed("invalid member", [{ path: "email", message: `no user has the email ${email}; an instance admin creates accounts (Admin → Users)` }]);
  return db.$transaction(async (tx) => {
    await lockProject(tx, input.projectId);
    const existing = await tx.projectMember.findUnique({ where: { projectId_userId: { projectId: input.projectId, userId: user.id } }, select: { role: true } });
    if (existing) throw conflict(`${email} is already a member (${existing.role}); change their role instead`);
    const row = await tx.projectMember.create({ data: { projectId: input.projectId, userId: user.id, role: input.role }, select: { createdAt: true } });
    await recordAudit(tx, { action: "member.added", actor: input.actor, actorUserId: input.actorUserId, projectId: input.projectId, target: email, details: { role: input.role }, ip: input.ip });
    return { userId: user.id, email: user.email, name: user.name, role: input.role, createdAt: row.createdAt };
  });
}

export async function changeMemberRole(db: PrismaClient, input: Actor & { projectId: string; userId: string; role: Role }): Promise<MemberRow> {
  return db.$transaction(async (tx) => {
    await lockProject(tx, input.projectId);
    const member = await tx.projectMember.findUnique({
      where: { projectId_userId: { projectId: input.projectId, userId: input.userId } },
      select: { role: true, createdAt: true, user: { select: { email: true, name: true } } },
    });
    if (!member) throw notFound(`member ${input.userId}`);
    if (member.role === input.role) return { userId: input.userId, email: member.user.email, name: member.user.name, role: input.role, createdAt: member.createdAt };
    if (member.role === "admin") await assertAdminRemains(tx, input.projectId, member.user.email);
    await tx.projectMember.update({ where: { projectId_userId: { projectId: input.projectId, userId: input.userId } }, data: { role: input.role } });
    await recordAudit(tx, {
      action: "member.role_changed",
      actor: input.actor,
      actorUserId: input.actorUserId,
      projectId: input.projectId,
      target: member.user.email,
      details: { from: member.role, to: input.role },
      ip: input.ip,
    });
    return { userId: input.userId, email: member.user.email, name: member.user.name, role: input.role, createdAt: member.createdAt };
  });
}

/** Removes a member; their personal tokens for the project stop working with the membership. */
export async function removeMember(db: PrismaClient, input: Actor & { projectId: string; userId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    await lockProject(tx, input.projectId);
    const member = await tx.projectMember.findUnique({
      where: { projectId_userId: { projectId: input.projectId, userId: input.userId } },
      select: { role: true, user: { select: { email: true } } },
    });
    if (!member) throw notFound(`member ${input.userId}`);
    if (member.role === "admin") await assertAdminRemains(tx, input.projectId, member.user.email);
    await tx.projectMember.delete({ where: { projectId_userId: { projectId: input.projectId, userId: input.userId } } });
    await recordAudit(tx, { action: "member.removed", actor: input.actor, actorUserId: input.actorUserId, projectId: input.projectId, target: member.user.email, details: { role: member.role }, ip: input.ip });
  });
}

/** Creates a project; a user who creates it becomes its admin. */
export async function createProjectAs(db: PrismaClient, input: Actor & { name: string; description: string }): Promise<{ id: string; name: string; description: string; createdAt: Date }> {
  return db.$transaction(async (tx) => {
    const project = await tx.project.create({ data: { name: input.name, description: input.description } });
    if (input.actorUserId) await tx.projectMember.create({ data: { projectId: project.id, userId: input.actorUserId, role: "admin" } });
    await recordAudit(tx, { action: "project.created", actor: input.actor, actorUserId: input.actorUserId, projectId: project.id, target: project.name, ip: input.ip });
    return project;
  });
}

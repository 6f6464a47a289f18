import { createApiToken, createUser, normalizeEmail, type Role } from "@trellis/engine";
import type { PrismaClient } from "@trellis/db";

/**
 * Real callers for API tests: an account (created once per email), its membership of a
 * project with a role, and a personal token for that project. The token acts as the user, so
 * audit trails name the user's email.
 */
export async function memberToken(db: PrismaClient, input: { projectId: string; email: string; role: Role; instanceAdmin?: boolean }): Promise<string> {
  const email = normalizeEmail(input.email);
  const user =
    (await db.user.findUnique({ where: { email }, select: { id: true } })) ??
    (await createUser(db, { email, name: email.split("@")[0]!, password: "correct horse battery staple", instanceAdmin: input.instanceAdmin ?? false, actor: "test", actorUserId: null, ip: null }));
  await db.projectMember.upsert({
    where: { projectId_userId: { projectId: input.projectId, userId: user.id } },
    create: { projectId: input.projectId, userId: user.id, role: input.role },
    update: { role: input.role },
  });
  const { secret } = await createApiToken(db, { kind: "personal", name: "test", projectId: input.projectId, role: input.role, userId: user.id, actor: email, actorUserId: user.id, ip: null });
  return secret;
}

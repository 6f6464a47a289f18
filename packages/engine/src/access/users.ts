import { createHash, timingSafeEqual } from "node:crypto";
import { Prisma, type PrismaClient } from "@trellis/db";
import { conflict, DomainError, notFound, unauthenticated, validationFailed } from "../errors.js";
import type { Actor } from "./api-tokens.js";
import { recordAudit } from "./audit.js";
import { hashPassword, passwordProblem, verifyNothing, verifyPassword } from "./passwords.js";

export const USER_SELECT = { id: true, email: true, name: true, instanceAdmin: true, disabledAt: true, createdAt: true, lastSignInAt: true } as const;
export type UserRow = Prisma.UserGetPayload<{ select: typeof USER_SELECT }>;

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/** Emails are compared case-insensitively: stored trimmed and lowercased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function checkNewUser(input: { email: string; password?: string | undefined }): void {
  const issues = [];
  if (!EMAIL_RE.test(normalizeEmail(input.email)) || input.email.length > 320) issues.push({ path: "email", message: "enter an email address like ada@example.com" });
  const weak = input.password !== undefined ? passwordProblem(input.password) : null;
  if (weak) issues.push({ path: "password", message: weak });
  if (issues.length) throw validationFailed("invalid user", issues);
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  instanceAdmin: boolean;
}

export async function createUser(db: PrismaClient, input: NewUser & Actor): Promise<UserRow> {
  checkNewUser(input);
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { email, name: input.name.trim(), passwordHash, instanceAdmin: input.instanceAdmin }, select: USER_SELECT });
      await recordAudit(tx, { action: "user.created", actor: input.actor, actorUserId: input.actorUserId, target: email, details: { instanceAdmin: input.instanceAdmin }, ip: input.ip });
      return user;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw conflict(`a user with email ${email} already exists`);
    throw err;
  }
}

export interface UserChanges {
  name?: string | undefined;
  password?: string | undefined;
  instanceAdmin?: boolean | undefined;
  disabled?: boolean | undefined;
}

/**
 * Changes an account. Disabling a user or changing their password ends their sessions; the
 * last enabled instance admin cannot be disabled or demoted (someone must manage accounts).
 */
export async function updateUser(db: PrismaClient, input: Actor & { userId: string; changes: UserChanges }): Promise<UserRow> {
  const { changes } = input;
  if (changes.password !== undefined) {
    const weak = passwordProblem(changes.password);
    if (weak) throw validationFailed("invalid user", [{ path: "password", message: weak }]);
  }
  const passwordHash = changes.password !== undefined ? await hashPassword(changes.password) : undefined;
  return db.$transaction(async (tx) => {
    // Serializes admin changes, so two admins cannot demote each other at once.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('trellis:instance-admins'))`;
    const before = await tx.user.findUnique({ where: { id: input.userId }, select: USER_SELECT });
    if (!before) throw notFound(`user ${input.userId}`);
    const losesAdmin = before.instanceAdmin && !before.disabledAt && (changes.instanceAdmin === false || changes.disabled === true);
    if (losesAdmin) {
      const admins = await tx.user.count({ where: { instanceAdmin: true, disabledAt: null } });
      if (admins <= 1) throw conflict(`${before.email} is the last instance admin; make someone else an instance admin first`);
    }
    const user = await tx.user.update({
      where: { id: input.userId },
      data: {
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        ...(changes.instanceAdmin !== undefined ? { instanceAdmin: changes.instanceAdmin } : {}),
        ...(changes.disabled !== undefined ? { disabledAt: changes.disabled ? (before.disabledAt ?? new Date()) : null } : {}),
      },
      select: USER_SELECT,
    });
    if (changes.disabled === true || passwordHash !== undefined) await tx.session.deleteMany({ where: { userId: input.userId } });
    const details = {
      ...(changes.name !== undefined ? { name: user.name } : {}),
      ...(passwordHash !== undefined ? { password: "changed" } : {}),
      ...(changes.instanceAdmin !== undefined ? { instanceAdmin: changes.instanceAdmin } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
    };
    await recordAudit(tx, { action: "user.updated", actor: input.actor, actorUserId: input.actorUserId, target: user.email, details, ip: input.ip });
    return user;
  });
}

/**
 * The enabled user with this email and password, or null. Unknown emails cost the same time as
 * wrong passwords, so timing does not reveal which accounts exist.
 */
export async function verifyCredentials(db: PrismaClient, email: string, password: string): Promise<UserRow | null> {
  const user = await db.user.findUnique({ where: { email: normalizeEmail(email) }, select: { ...USER_SELECT, passwordHash: true } });
  if (!user?.passwordHash) {
    await verifyNothing(password);
    return null;
  }
  if (!(await verifyPassword(password, user.passwordHash)) || user.disabledAt) return null;
  const { passwordHash: _hash, ...row } = user;
  return row;
}

export async function recordSignIn(db: PrismaClient, input: { user: { id: string; email: string }; method: "password" | "setup"; ip: string | null }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: input.user.id }, data: { lastSignInAt: new Date() } });
    await recordAudit(tx, { action: "auth.sign_in", actor: input.user.email, actorUserId: input.user.id, target: input.user.email, details: { method: input.method }, ip: input.ip });
  });
}

export async function setupRequired(db: PrismaClient): Promise<boolean> {
  return (await db.user.count()) === 0;
}

function sameCode(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The one-time setup: creates the first user, an instance admin, only while no user exists
 * and only with the setup code printed at start-up (whoever reaches a fresh server first must
 * not become its admin).
 */
export async function setupFirstAdmin(db: PrismaClient, input: { code: string; expectedCode: string | null; email: string; name: string; password: string; ip: string | null }): Promise<UserRow> {
  if (!input.expectedCode || !sameCode(input.code, input.expectedCode)) throw unauthenticated("the setup code is wrong: use the one `npm start` (or the API's log) printed");
  checkNewUser(input);
  const passwordHash = await hashPassword(input.password);
  const email = normalizeEmail(input.email);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('trellis:instance-admins'))`;
    if ((await tx.user.count()) > 0) throw conflict("setup is already done: sign in instead");
    const user = await tx.user.create({ data: { email, name: input.name.trim(), passwordHash, instanceAdmin: true }, select: USER_SELECT });
    await recordAudit(tx, { action: "auth.setup", actor: email, actorUserId: user.id, target: email, details: { instanceAdmin: true }, ip: input.ip });
    return user;
  });
}

/**
 * TRELLIS_ADMIN_EMAIL / TRELLIS_ADMIN_PASSWORD: creates that instance admin when no user has the
 * email; an existing account is kept as it is (its password may have been changed since).
 */
export async function ensureAdminFromEnv(db: PrismaClient, email: string, password: string): Promise<"created" | "exists"> {
  const existing = await db.user.findUnique({ where: { email: normalizeEmail(email) }, select: { id: true } });
  if (existing) return "exists";
  try {
    await createUser(db, { email, name: "Admin", password, instanceAdmin: true, actor: "TRELLIS_ADMIN_EMAIL", actorUserId: null, ip: null });
    return "created";
  } catch (err) {
    // Two API processes starting together: the other one created it.
    if (err instanceof DomainError && err.code === "CONFLICT") return "exists";
    throw err;
  }
}

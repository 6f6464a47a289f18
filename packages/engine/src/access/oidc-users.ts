import { sharedKey } from "../shared-keys.js";
import { Prisma, type PrismaClient } from "@trellis/db";
import { DomainError, unauthenticated } from "../errors.js";
import { recordAudit } from "./audit.js";
import { normalizeEmail, USER_SELECT, type UserRow } from "./users.js";

/** What the identity provider vouched for in a verified ID token. */
export interface OidcIdentity {
  /** The ID token's `iss`: together with `subject`, the account's stable identity at the IdP. */
  issuer: string;
  subject: string;
  email: string;
  /** The IdP's `email_verified`: only a verified email may be linked to an existing account. */
  emailVerified: boolean;
  name?: string | null | undefined;
  ip?: string | null | undefined;
  /**
   * Emails that become instance admins when their account is created by an OIDC sign-in
   * (TRELLIS_OIDC_ADMIN_EMAILS); defaults to that variable.
   */
  adminEmails?: readonly string[] | undefined;
}

export interface OidcUser extends UserRow {
  /** True when this sign-in created the account. */
  created: boolean;
}

/** TRELLIS_OIDC_ADMIN_EMAILS: comma-separated, compared like every email (trimmed, lowercased). */
export function parseAdminEmails(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map(normalizeEmail)
    .filter((email) => email !== "");
}

/**
 * The account of an OIDC sign-in: the one already linked to (issuer, subject); else the account
 * with the same email, linked now, but only when the IdP says it verified that email (otherwise
 * anyone who can register that address at the IdP would take over the account); else a new
 * account with no project memberships. Records the sign-in (and the creation) in the same
 * transaction that updates lastSignInAt. Refusals are recorded as auth.sign_in_failed.
 */
export async function userFromOidcClaims(db: PrismaClient, identity: OidcIdentity): Promise<OidcUser> {
  const email = normalizeEmail(identity.email);
  const ip = identity.ip ?? null;
  if (!identity.issuer || !identity.subject) throw unauthenticated("the identity provider did not name the account (no iss or sub)");
  if (!email) throw unauthenticated("the identity provider did not share an email address; allow the email scope for Trellis");
  // A concurrent first sign-in of the same account can win the insert: the retry then finds it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction((tx) => signIn(tx, identity, email, ip));
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002" && attempt < 2) continue;
      if (err instanceof DomainError) {
        await recordAudit(db, { action: "auth.sign_in_failed", actor: email, target: email, details: { method: "oidc", reason: err.message }, ip });
      }
      throw err;
    }
  }
}

async function signIn(tx: Prisma.TransactionClient, identity: OidcIdentity, email: string, ip: string | null): Promise<OidcUser> {
  const now = new Date();
  const linked = await tx.user.findUnique({
    where: { oidcIssuer_oidcSubject: { oidcIssuer: identity.issuer, oidcSubject: identity.subject } },
    select: USER_SELECT,
  });
  let user: UserRow;
  let created = false;
  let linkedNow = false;
  if (linked) {
    if (linked.disabledAt) throw unauthenticated("this account is disabled");
    user = await tx.user.update({ where: { id: linked.id }, data: { lastSignInAt: now }, select: USER_SELECT });
  } else {
    const sameEmail = await tx.user.findUnique({ where: { email }, select: { ...USER_SELECT, oidcIssuer: true, oidcSubject: true } });
    if (sameEmail) {
      if (!identity.emailVerified) {
        throw unauthenticated(`an account with the email ${email} already exists, and your identity provider has not verified that address, so it cannot be linked`);
      }
      if (sameEmail.disabledAt) throw unauthenticated("this account is disabled");
      // Another account of the same IdP already owns this Trellis account; a second one must not.
      if (sameEmail.oidcIssuer === identity.issuer && sameEmail.oidcSubject !== null) {
        throw unauthenticated(`the account ${email} is already linked to another account of your identity provider`);
      }
      user = await tx.user.update({
        where: { id: sameEmail.id },
        data: { oidcIssuer: identity.issuer, oidcSubject: identity.subject, lastSignInAt: now },
        select: USER_SELECT,
      });
      linkedNow = true;
    } else {
      const adminEmails = identity.adminEmails ?? parseAdminEmails(process.env.TRELLIS_OIDC_ADMIN_EMAILS);
      const instanceAdmin = adminEmails.includes(email);
      const name = (identity.name?.trim() || email.split("@")[0] || email).slice(0, 200);
      user = await tx.user.create({
        data: { email, name, oidcIssuer: identity.issuer, oidcSubject: identity.subject, instanceAdmin, lastSignInAt: now },
        select: USER_SELECT,
      });
      created = true;
      await recordAudit(tx, {
        action: "user.created",
        actor: email,
        actorUserId: user.id,
        target: email,
        details: { method: "oidc", issuer: identity.issuer, instanceAdmin },
        ip,
      });
    }
  }
  await recordAudit(tx, {
    action: "auth.sign_in",
    actor: user.email,
    actorUserId: user.id,
    target: user.email,
    details: { method: "oidc", ...(linkedNow ? { linked: true } : {}) },
    ip,
  });
  return { ...user, created };
}

/**
 * The HMAC key that signs the OIDC sign-in cookie (state, nonce, PKCE verifier), shared through
 * the database so a sign-in started on one API process can finish on another.
 */
export function oidcStateKey(db: PrismaClient): Promise<Buffer> {
  return sharedKey(db, "oidc-state-signing-key");
}

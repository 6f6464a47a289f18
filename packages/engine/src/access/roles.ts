/**
 * Project roles, each including the one before: a viewer reads; an editor also changes
 * pipelines, runs, schedules, metrics and model versions; an admin also manages members,
 * tokens, secrets and webhooks, overrides promotion gates and deletes.
 */
export const ROLES = ["viewer", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when `role` includes everything `needed` may do. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** The lesser of two roles (a personal token never acts above its owner's current role). */
export function minRole(a: Role, b: Role): Role {
  return ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b;
}

import type { ProjectRole } from "./api-types";

/**
 * Browser-side pieces of signing in. The session itself is an httpOnly cookie the browser sends
 * on its own; the API is the only judge of who may do what, and the UI only follows its answers.
 */

/** The session cookie (httpOnly: the browser sends it, scripts cannot read it). */
export const SESSION_COOKIE = "trellis_session";
/** The CSRF cookie: readable by scripts, echoed as {@link CSRF_HEADER} on every mutating request. */
export const CSRF_COOKIE = "trellis_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

export const SIGN_IN_PATH = "/sign-in";
export const SETUP_PATH = "/setup";

/** Pages that work without a session: they must never send the browser to sign in again. */
export function isAuthPage(pathname: string): boolean {
  return [SIGN_IN_PATH, SETUP_PATH].some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

/** The value of cookie `name` in a `document.cookie` string, or null. */
export function readCookie(cookieHeader: string, name: string): string | null {
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/** Methods that change something: the API wants the CSRF header on these when a cookie signs them. */
export function isMutatingMethod(method: string | undefined): boolean {
  const m = (method ?? "GET").toUpperCase();
  return m === "POST" || m === "PUT" || m === "PATCH" || m === "DELETE";
}

/**
 * Where to go after signing in: only a path of this site. Anything else (another origin,
 * `//host`, `/\host`, which browsers treat as another origin, or an auth page) falls back to "/",
 * so a crafted link cannot send a fresh session elsewhere or loop back to the sign-in page.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  // Control characters (tabs and newlines are dropped by URL parsers) could smuggle in a host.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return "/";
  const pathname = next.split(/[?#]/, 1)[0] ?? "/";
  if (isAuthPage(pathname)) return "/";
  return next;
}

/** The sign-in page that comes back to `next` afterwards. */
export function signInHref(next: string | null | undefined): string {
  const target = safeNext(next);
  return target === "/" ? SIGN_IN_PATH : `${SIGN_IN_PATH}?next=${encodeURIComponent(target)}`;
}

/** Where the SSO button goes: the API starts the OIDC flow and comes back to `next`. */
export function oidcStartHref(next: string | null | undefined): string {
  return `/api/v1/auth/oidc/start?next=${encodeURIComponent(safeNext(next))}`;
}

/**
 * The sign-in page's `?error=`: the OIDC callback sends its reason there as a sentence
 * ("your identity provider refused: …"), shown as it is.
 */
export function oidcErrorMessage(error: string | null | undefined): string | null {
  const text = error?.trim();
  if (!text) return null;
  return `Single sign-on failed: ${text.replace(/\.$/, "")}.`;
}

export type Role = ProjectRole;

/** Project roles, each including the one before (the API's order). */
export const ROLES = ["viewer", "editor", "admin"] as const satisfies readonly Role[];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** What a role allows in the UI: "edit" is the editor role or more, "admin" the admin role. */
export type Capability = "edit" | "admin";

/** Whether `role` may do `what` (no role, e.g. while it loads, may do nothing). */
export function can(role: Role | null | undefined, what: Capability): boolean {
  return isRole(role) && roleAtLeast(role, what === "admin" ? "admin" : "editor");
}

export const ROLE_LABELS: Record<Role, string> = { viewer: "Viewer", editor: "Editor", admin: "Admin" };

/**
 * Pure helpers of the access-control pages (project settings, account, admin): roles, token
 * status, audit-event wording, expiry choices, usage snippets and secret-name rules.
 */

import { ROLES, roleAtLeast, type Role } from "./auth";

/** The roles a token may be given by someone holding `role` (a token never acts above its owner). */
export function rolesUpTo(role: Role): Role[] {
  return ROLES.filter((r) => roleAtLeast(role, r));
}

export const ROLE_HELP: Record<Role, string> = {
  viewer: "reads everything in the project",
  editor: "also pushes pipelines, starts runs, edits schedules and registers models",
  admin: "also manages members, tokens, secrets and webhooks, and deletes",
};

/** Token lifetimes offered when creating one; null = never expires. */
export const EXPIRY_CHOICES: { days: number | null; label: string }[] = [
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
  { days: 365, label: "1 year" },
  { days: null, label: "Never" },
];

export type TokenStatus = "active" | "revoked" | "expired";

export function tokenStatus(token: { revokedAt: string | null; expiresAt: string | null }, now: number): TokenStatus {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return "expired";
  return "active";
}

// ---------------------------------------------------------------- audit events

export type AuditTone = "auth" | "danger" | "create" | "change" | "neutral";

const ACTIONS: Record<string, { text: string; tone: AuditTone }> = {
  "auth.setup": { text: "set up Trellis", tone: "create" },
  "auth.sign_in": { text: "signed in", tone: "auth" },
  "auth.sign_in_failed": { text: "failed to sign in", tone: "danger" },
  "auth.sign_out": { text: "signed out", tone: "auth" },
  "user.created": { text: "created user", tone: "create" },
  "user.updated": { text: "updated user", tone: "change" },
  "project.created": { text: "created project", tone: "create" },
  "member.added": { text: "added member", tone: "create" },
  "member.role_changed": { text: "changed role", tone: "change" },
  "member.removed": { text: "removed member", tone: "danger" },
  "token.created": { text: "created token", tone: "create" },
  "token.revoked": { text: "revoked token", tone: "danger" },
  "secret.created": { text: "added secret", tone: "create" },
  "secret.updated": { text: "replaced secret", tone: "change" },
  "secret.deleted": { text: "deleted secret", tone: "danger" },
};

/** An audit action in words ("token.created" → "created token"); unknown actions are spelled out. */
export function describeAuditAction(action: string): { text: string; tone: AuditTone } {
  const known = ACTIONS[action];
  if (known) return known;
  const [subject = "", verb = ""] = action.split(".");
  const words = verb ? `${verb.replace(/_/g, " ")} ${subject.replace(/_/g, " ")}` : action.replace(/[._]/g, " ");
  return { text: words.trim() || action, tone: "neutral" };
}

const DETAIL_LABELS: Record<string, string> = {
  expiresAt: "expires",
  instanceAdmin: "instance admin",
  userAgent: "browser",
  expiresInDays: "expires in days",
  method: "via",
};

function detailValue(value: unknown): string {
  if (value === null || value === undefined) return "none";
  // Timestamps (an expiry): the day is what a reader wants.
  if (typeof value === "string") return /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) ? value.slice(0, 10) : value;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return String(value);
  return JSON.stringify(value);
}

/** Internal ids (tokenId, userId…): meaningless to a reader, kept for the full JSON only. */
const isInternalId = (key: string) => key === "id" || /[a-z]Id$/.test(key);

/**
 * A one-line summary of an event's details: a change as `from → to`, the rest as
 * `key: value` pairs (keys in words, internal ids left out), in the order the API wrote them.
 */
export function summarizeDetails(details: unknown): string {
  if (typeof details !== "object" || details === null || Array.isArray(details)) return details == null ? "" : detailValue(details);
  const d = details as Record<string, unknown>;
  const parts: string[] = [];
  const used = new Set<string>();
  if ("from" in d || "to" in d) {
    parts.push(`${detailValue(d.from)} → ${detailValue(d.to)}`);
    used.add("from").add("to");
  }
  for (const [key, value] of Object.entries(d)) {
    if (used.has(key) || isInternalId(key)) continue;
    // A nested change, e.g. { role: { from, to } }.
    if (typeof value === "object" && value !== null && !Array.isArray(value) && ("from" in value || "to" in value)) {
      const change = value as { from?: unknown; to?: unknown };
      parts.push(`${DETAIL_LABELS[key] ?? key}: ${detailValue(change.from)} → ${detailValue(change.to)}`);
      continue;
    }
    if (Array.isArray(value)) {
      parts.push(`${DETAIL_LABELS[key] ?? key}: ${value.map(detailValue).join(", ") || "none"}`);
      continue;
    }
    parts.push(`${DETAIL_LABELS[key] ?? key}: ${detailValue(value)}`);
  }
  return parts.join(" · ");
}

// ---------------------------------------------------------------- token usage snippets

/**
 * Where MLflow clients should send their requests. The web server proxies only /api/v1, so the
 * MLflow routes must be reached on the API server itself; `npm start` serves the UI on :3000 and
 * the API on :4000, so that pairing is assumed, anything else is left as a placeholder.
 */
export function mlflowBaseUrl(webOrigin: string): string {
  try {
    const url = new URL(webOrigin);
    if (url.port === "3000") {
      url.port = "4000";
      return url.origin;
    }
  } catch {
    // not a URL: fall through to the placeholder
  }
  return "$TRELLIS_API_URL";
}

export interface TokenSnippet {
  id: "curl" | "mlflow" | "cli";
  label: string;
  code: string;
}

/** How to use a new token: with curl, with MLflow clients and with the `trellis` CLI. */
export function tokenSnippets(opts: { webOrigin: string; project: string | null; secret: string; role: Role }): TokenSnippet[] {
  const { webOrigin, project, secret, role } = opts;
  const apiPath = project ? `/api/v1/projects/${encodeURIComponent(project)}/runs` : "/api/v1/projects";
  const mlflowUri = `${mlflowBaseUrl(webOrigin)}${project ? `/projects/${encodeURIComponent(project)}` : ""}`;
  const projectFlag = project && project !== "default" ? ` --project ${shellWord(project)}` : "";
  return [
    { id: "curl", label: "HTTP API", code: `curl -H "Authorization: Bearer ${secret}" ${webOrigin}${apiPath}` },
    {
      id: "mlflow",
      label: "MLflow clients",
      code: `export MLFLOW_TRACKING_URI=${mlflowUri}\nexport MLFLOW_TRACKING_TOKEN=${secret}`,
    },
    {
      id: "cli",
      label: "trellis CLI",
      // A viewer token can only read: show a read.
      code: `TRELLIS_API_URL=${webOrigin} TRELLIS_TOKEN=${secret} npx trellis ${roleAtLeast(role, "editor") ? "run PIPELINE --wait" : "status RUN_ID"}${projectFlag}`,
    },
  ];
}

/** Quotes a word for a POSIX shell when it has anything but safe characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_.\-/:=@]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------- secrets

export const SECRET_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;
export const SECRET_NAME_MAX = 128;
export const SECRET_VALUE_MIN = 4;
export const SECRET_VALUE_MAX = 65_536;

/** Why a secret name is not accepted, or null (the same rule as the API's). */
export function secretNameProblem(name: string): string | null {
  if (!name) return null;
  if (name.length > SECRET_NAME_MAX) return `At most ${SECRET_NAME_MAX} characters.`;
  if (!SECRET_NAME_RE.test(name)) return "Use capital letters, digits and _, not starting with a digit (like an environment variable).";
  return null;
}

/** Why a secret value is not accepted, or null. */
export function secretValueProblem(value: string): string | null {
  if (!value) return null;
  if (value.length < SECRET_VALUE_MIN) return `At least ${SECRET_VALUE_MIN} characters: shorter values could not be masked in logs.`;
  if (value.length > SECRET_VALUE_MAX) return `At most ${SECRET_VALUE_MAX.toLocaleString("en-US")} characters.`;
  return null;
}

/** What a user types as a secret name, normalised the way names are written (upper case, _ for spaces and dashes). */
export function normalizeSecretName(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "_");
}

/** An address as people write it: IPv4 clients of a dual-stack server arrive as "::ffff:1.2.3.4". */
export function displayIp(ip: string | null): string {
  if (!ip) return "—";
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
}

const STATUS_ORDER: Record<TokenStatus, number> = { active: 0, expired: 1, revoked: 2 };

/** Usable tokens first, then expired, then revoked; newest first within each. */
export function sortTokens<T extends { createdAt: string; revokedAt: string | null; expiresAt: string | null }>(tokens: readonly T[], now: number): T[] {
  return [...tokens].sort(
    (a, b) => STATUS_ORDER[tokenStatus(a, now)] - STATUS_ORDER[tokenStatus(b, now)] || Date.parse(b.createdAt) - Date.parse(a.createdAt),
  );
}

/**
 * Names and sizes of tracked data, following MLflow's rules so MLflow clients see the same
 * acceptances and rejections they would from an MLflow server.
 *
 * Lengths count Unicode code points (as Python's `len` and Postgres' `varchar(n)` do), not
 * UTF-16 units, so an emoji is one character here as it is in the database.
 */

export const TRACKING_LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  runNameLength: 250,
  experimentNameLength: 500,
} as const;

export type TrackingKeyKind = "metric" | "param" | "tag";

/**
 * MLflow's name characters: `\w` (Unicode letters, digits and underscore, as Python's regex
 * engine reads it), dashes, periods, spaces, slashes and (as MLflow on POSIX servers) colons.
 */
const KEY_RE = /^[\p{L}\p{N}_\-. /:]+$/u;

const BAD_CHARACTERS = "names may contain letters, digits, underscores, dashes, periods, spaces, slashes and colons";

/**
 * Null when `key` is a valid metric, param or tag name, else a message.
 *
 * Besides the character set and length, a name must be its own normal form as a POSIX path
 * (MLflow's `path_not_unique`): names become file paths in some stores, so `a//b`, `a/./b`,
 * `a/` and `./a` would collide with other names, and `..`-leading or `/`-leading names would
 * escape their directory.
 */
export function checkTrackingKey(kind: TrackingKeyKind, key: unknown): string | null {
  if (typeof key !== "string") return `invalid ${kind} name: expected a string, got ${key === null ? "null" : typeof key}`;
  const shown = showName(key);
  if (key === "") return `invalid ${kind} name "": names must not be empty`;
  const length = codePoints(key);
  if (length > TRACKING_LIMITS.keyLength) {
    return `invalid ${kind} name ${shown}: names may be at most ${TRACKING_LIMITS.keyLength} characters (got ${length})`;
  }
  if (!KEY_RE.test(key)) return `invalid ${kind} name ${shown}: ${BAD_CHARACTERS}`;
  const normal = normalizePosixPath(key);
  if (normal !== key || normal === "." || normal.startsWith("..") || normal.startsWith("/")) {
    return `invalid ${kind} name ${shown}: names are used as file paths and must not resolve to another path (this one resolves to ${JSON.stringify(normal)})`;
  }
  return null;
}

/** Null when a param value fits MLflow's limit, else a message. */
export function checkParamValue(value: string): string | null {
  return checkValueLength("param", value, TRACKING_LIMITS.paramValueLength);
}

/** Null when a tag value fits MLflow's limit, else a message. */
export function checkTagValue(value: string): string | null {
  return checkValueLength("tag", value, TRACKING_LIMITS.tagValueLength);
}

function checkValueLength(kind: "param" | "tag", value: unknown, max: number): string | null {
  if (typeof value !== "string") return `invalid ${kind} value: expected a string, got ${value === null ? "null" : typeof value}`;
  const length = codePoints(value);
  return length > max ? `${kind} value is too long: ${length} characters (at most ${max})` : null;
}

/** Python's `posixpath.normpath`: collapses `//` and `.`, resolves `..`, keeps a leading `//`. */
function normalizePosixPath(path: string): string {
  if (path === "") return ".";
  // POSIX leaves exactly two leading slashes alone; one or three and more become one.
  const leading = path.startsWith("//") && !path.startsWith("///") ? "//" : path.startsWith("/") ? "/" : "";
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    const last = parts[parts.length - 1];
    if (part !== "..") parts.push(part);
    else if (last !== undefined && last !== "..") parts.pop();
    else if (leading === "") parts.push(part);
  }
  const joined = leading + parts.join("/");
  return joined === "" ? "." : joined;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The name quoted for a message, shortened so a 10 kB name does not make a 10 kB message. */
function showName(name: string): string {
  const points = [...name];
  return JSON.stringify(points.length > 60 ? `${points.slice(0, 60).join("")}…` : name);
}

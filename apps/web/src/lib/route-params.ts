/**
 * Route params may arrive percent-encoded depending on the navigation path (client vs server);
 * decode defensively — a lone "%" in an already-decoded value must not throw.
 */
export function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function projectPath(project: string, ...rest: string[]): string {
  return ["/projects", project, ...rest].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join("/");
}

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

export function experimentPath(project: string, id: number): string {
  return projectPath(project, "experiments", String(id));
}

/** The compare page of these runs (the selection is the URL, so the link can be shared). */
export function comparePath(project: string, runIds: readonly string[]): string {
  return `${projectPath(project, "compare")}?runs=${runIds.map(encodeURIComponent).join(",")}`;
}

export function runPath(project: string, id: string): string {
  return projectPath(project, "runs", id);
}

/** A run's page with one step's panel open. */
export function stepPath(project: string, runId: string, step: string): string {
  return `${runPath(project, runId)}?step=${encodeURIComponent(step)}`;
}

export function artifactPath(project: string, id: string): string {
  return projectPath(project, "artifacts", id);
}

/** A registered model's page; `version` selects one of its versions, `tab` a section. */
export function modelPath(project: string, name: string, opts: { version?: number; tab?: string } = {}): string {
  const sp = new URLSearchParams();
  if (opts.tab) sp.set("tab", opts.tab);
  if (opts.version !== undefined) sp.set("version", String(opts.version));
  const qs = sp.toString();
  return `${projectPath(project, "models", name)}${qs ? `?${qs}` : ""}`;
}

export function schedulePath(project: string, id: string): string {
  return projectPath(project, "schedules", id);
}

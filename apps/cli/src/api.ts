/** A small client for the Trellis HTTP API (plain fetch). */

export interface ApiIssue {
  path: string | (string | number)[];
  message: string;
}

/** The API answered with an error body `{ error: { code, message, issues? } }` (or a non-JSON error). */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(message);
  }
}

/** The API could not be reached at all. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
  constructor(
    readonly apiUrl: string,
    readonly reason?: string,
  ) {
    super(`cannot reach the Trellis API at ${apiUrl} — is \`npm start\` running?${reason && reason !== "ECONNREFUSED" ? ` (${reason})` : ""}`);
  }
}

export interface ApiClientOptions {
  apiUrl: string;
  /** Sent as Authorization: Bearer. */
  token?: string | null;
}

function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const c = current as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === "string") return c.code;
    if (Array.isArray(c.errors) && c.errors.length > 0) current = c.errors[0];
    else current = c.cause;
  }
  return undefined;
}

/** Formats an issue path (`["steps", "train", "run"]` → `steps.train.run`). */
export function issuePath(p: ApiIssue["path"]): string {
  if (!Array.isArray(p)) return String(p);
  return p.map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join("");
}

/** The lines printed for an error: the message, then each issue as `  path: message`. */
export function errorLines(err: unknown): string[] {
  if (err instanceof ApiError) {
    const lines = [err.message];
    if (err.status === 401) lines.push("  set TRELLIS_TOKEN to an API token (web UI: Account → Personal API tokens)");
    for (const issue of err.issues) {
      const where = issuePath(issue.path);
      lines.push(where ? `  ${where}: ${issue.message}` : `  ${issue.message}`);
    }
    return lines;
  }
  if (err instanceof Error) return [err.message];
  return [String(err)];
}

/** Builds an ApiError from a failed response's status and body text. */
export function apiErrorFrom(status: number, statusText: string, bodyText: string): ApiError {
  try {
    const body = JSON.parse(bodyText) as { error?: { code?: string; message?: string; issues?: ApiIssue[] } | string; message?: string };
    if (body && typeof body.error === "object" && body.error) {
      return new ApiError(status, body.error.code ?? "error", body.error.message ?? `HTTP ${status}`, Array.isArray(body.error.issues) ? body.error.issues : []);
    }
    // Framework-level errors (e.g. Fastify's { statusCode, error, message }).
    if (body && typeof body.message === "string") return new ApiError(status, typeof body.error === "string" ? body.error : "error", body.message);
  } catch {
    /* not JSON */
  }
  const text = bodyText.trim().slice(0, 300);
  return new ApiError(status, "http_error", `HTTP ${status} ${statusText}${text ? `: ${text}` : ""}`);
}

export class ApiClient {
  readonly apiUrl: string;
  private readonly token: string | null;

  constructor({ apiUrl, token }: ApiClientOptions) {
    this.apiUrl = apiUrl.replace(/\/+$/, "");
    this.token = token ?? null;
  }

  url(pathname: string): string {
    return `${this.apiUrl}/api/v1${pathname}`;
  }

  /** Sends a request; resolves to the response (any status) or throws ConnectionError. */
  async raw(pathname: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set("authorization", `Bearer ${this.token}`);
    try {
      return await fetch(this.url(pathname), { ...init, headers });
    } catch (err) {
      if (err instanceof Error && err.name === "AbortError") throw err;
      throw new ConnectionError(this.apiUrl, causeCode(err));
    }
  }

  /** Sends JSON, parses JSON; a non-2xx answer throws ApiError. */
  async request<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: { accept: "application/json" } };
    if (body !== undefined) {
      init.headers = { accept: "application/json", "content-type": "application/json" };
      init.body = JSON.stringify(body);
    }
    const res = await this.raw(pathname, init);
    const text = await res.text();
    if (!res.ok) throw apiErrorFrom(res.status, res.statusText, text);
    if (text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, "bad_response", `the API answered with something that is not JSON: ${text.slice(0, 200)}`);
    }
  }

  get<T>(pathname: string): Promise<T> {
    return this.request<T>("GET", pathname);
  }

  post<T>(pathname: string, body: unknown): Promise<T> {
    return this.request<T>("POST", pathname, body);
  }
}

/** `/projects/{project}` with the name encoded. */
export const projectPath = (project: string) => `/projects/${encodeURIComponent(project)}`;

// ---- response shapes (only the fields the CLI uses) ----

export interface PushResponse {
  pipeline: { name: string; latestVersion?: number };
  version: { version: number; contentDigest?: string };
  created: boolean;
}

export interface StepDetail {
  name: string;
  status: string;
  attempt: number;
  maxAttempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  error: string | null;
  failureKind: string | null;
}

export interface RunDetail {
  id: string;
  pipeline: string | { name: string };
  version: number | { version: number };
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  steps: StepDetail[];
}

export interface LogLine {
  seq: number;
  ts: string;
  stream: string;
  text: string;
}

export interface LogPage {
  attempt: number;
  lines: LogLine[];
  nextAfter: number | null;
  complete: boolean;
}

export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

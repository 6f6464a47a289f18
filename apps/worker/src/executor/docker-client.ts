import { existsSync } from "node:fs";
import http from "node:http";
import { StringDecoder } from "node:string_decoder";

/**
 * A small, dependency-free client for the Docker Engine API, limited to what the container
 * executor needs. It speaks to Docker and to Podman's Docker-compatible service alike; every
 * path is prefixed with a fixed API version so both answer with the same (v1.41) shapes.
 */

export const DOCKER_API_VERSION = "v1.41";

/** Where the engine listens. */
export type DockerEndpoint = { kind: "unix"; socketPath: string } | { kind: "tcp"; host: string; port: number };

/** Sockets probed, in order, when DOCKER_HOST is not set. */
export const DEFAULT_SOCKETS = ["/var/run/docker.sock", "/run/podman/podman.sock"] as const;

/**
 * Parses a DOCKER_HOST value: `unix:///path`, `tcp://host[:port]` or `http://host[:port]`
 * (port defaults to 2375, the engine's plain-HTTP port). TLS (`https://`, DOCKER_TLS_VERIFY)
 * is not supported: the worker talks to a local or trusted engine.
 */
export function parseDockerHost(value: string): DockerEndpoint {
  const trimmed = value.trim();
  if (trimmed.startsWith("unix://")) {
    const socketPath = trimmed.slice("unix://".length);
    if (!socketPath) throw new Error(`DOCKER_HOST "${value}" names no socket path`);
    return { kind: "unix", socketPath };
  }
  const match = /^(tcp|http):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(trimmed);
  if (match) {
    const port = match[3] === undefined ? 2375 : Number(match[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`DOCKER_HOST "${value}" has an invalid port`);
    // URL-style IPv6 literals ("[::1]") are passed to node:http without their brackets.
    return { kind: "tcp", host: match[2]!.replace(/^\[(.*)\]$/, "$1"), port };
  }
  throw new Error(`unsupported DOCKER_HOST "${value}": expected unix:///path, tcp://host:port or http://host:port`);
}

/** DOCKER_HOST when set, else the first socket of DEFAULT_SOCKETS that exists (else Docker's default). */
export function resolveDockerEndpoint(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): DockerEndpoint {
  const fromEnv = env.DOCKER_HOST;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return parseDockerHost(fromEnv);
  const socketPath = DEFAULT_SOCKETS.find((p) => exists(p)) ?? DEFAULT_SOCKETS[0];
  return { kind: "unix", socketPath };
}

export function describeEndpoint(endpoint: DockerEndpoint): string {
  return endpoint.kind === "unix" ? `unix://${endpoint.socketPath}` : `tcp://${endpoint.host}:${endpoint.port}`;
}

/** The engine answered with an error status. `engineMessage` is the engine's own explanation. */
export class DockerApiError extends Error {
  override readonly name = "DockerApiError";
  constructor(
    readonly statusCode: number,
    readonly engineMessage: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${statusCode} ${engineMessage}`);
  }
}

/** No engine listens at the endpoint (socket missing, connection refused, no permission...). */
export class DockerUnreachableError extends Error {
  override readonly name = "DockerUnreachableError";
  constructor(
    readonly endpoint: string,
    /** The system error code, e.g. ECONNREFUSED or ENOENT. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`container engine at ${endpoint} is unreachable (${code})`, options);
  }
}

/** System error codes that mean "nothing usable listens there", as opposed to a failure mid-request. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOENT", "EACCES", "EPERM", "ENOTSOCK", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

// --- Response shapes (only the fields the worker reads; engines send many more). ---

export interface DockerVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
  Components?: { Name: string; Version: string }[];
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Config?: { Env?: string[] | null; Cmd?: string[] | null; WorkingDir?: string; User?: string } | null;
}

export interface ContainerMount {
  Type: "bind";
  Source: string;
  Target: string;
  ReadOnly: boolean;
}

export interface DeviceRequest {
  Driver: string;
  Count?: number;
  DeviceIDs?: string[];
  Capabilities: string[][];
}

/** The body of POST /containers/create, restricted to the fields the executor sets. */
export interface ContainerCreateBody {
  Image: string;
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  User?: string;
  Labels: Record<string, string>;
  Tty: false;
  OpenStdin: false;
  HostConfig: {
    Mounts: ContainerMount[];
    NanoCpus?: number;
    Memory?: number;
    MemorySwap?: number;
    NetworkMode: string;
    DeviceRequests?: DeviceRequest[];
    Init?: boolean;
    AutoRemove: false;
  };
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  OOMKilled: boolean;
  Dead?: boolean;
  /** The init process's pid in the engine host's pid namespace; 0 when not running. */
  Pid: number;
  ExitCode: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
}

export interface ContainerInspect {
  Id: string;
  Name?: string;
  State: ContainerState;
  HostConfig?: { Memory?: number; NanoCpus?: number };
  Config?: { Labels?: Record<string, string> | null };
}

export interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image?: string;
  State?: string;
  Labels?: Record<string, string> | null;
}

export interface WaitResponse {
  StatusCode: number;
  /** Docker: `{ Message }` or null; Podman: a string or null. */
  Error?: { Message?: string } | string | null;
}

export interface ContainerStats {
  read?: string;
  memory_stats?: { usage?: number; max_usage?: number; limit?: number };
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
}

export type LogStream = "stdout" | "stderr";

export interface LogsOptions {
  follow: boolean;
  /** The container was created with Tty=true: the stream is raw (all stdout), not multiplexed. */
  tty?: boolean;
  /** Aborting ends the request; the returned promise then resolves (output so far was delivered). */
  signal?: AbortSignal;
  /**
   * Continue with this demuxer (Tty=false only) instead of a fresh one, e.g. after restart(); the
   * caller then ends it. Without one, the stream's decoders are flushed when it ends.
   */
  demuxer?: DockerStreamDemuxer;
}

/**
 * Demultiplexes the engine's attach/logs stream for Tty=false containers: frames of
 * `[stream, 0, 0, 0, size (uint32 big-endian)]` followed by `size` bytes of payload. Frames
 * may be split across chunks anywhere, including inside the header. Text is decoded per stream
 * with its own StringDecoder, so a multi-byte UTF-8 character split across frames or chunks
 * is emitted whole, once its last byte arrives.
 *
 * It counts the payload bytes of each stream, so that a stream that was cut short can be
 * replaced by a fresh one from the start (the engine's log of a stopped container): restart()
 * makes it drop as many bytes per stream as it has already passed on, and the decoders carry on
 * where they were, even inside a character.
 */
export class DockerStreamDemuxer {
  private readonly header = Buffer.alloc(8);
  private headerFilled = 0;
  /** Payload bytes still to come in the current frame; 0 while reading a header. */
  private remaining = 0;
  private current: LogStream = "stdout";
  private readonly decoders: Record<LogStream, StringDecoder> = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  /** Payload bytes passed to the decoders, per stream, over every restart. */
  private readonly delivered: Record<LogStream, number> = { stdout: 0, stderr: 0 };
  /** Payload bytes seen per stream since the last restart; those below `delivered` are dropped. */
  private readonly seen: Record<LogStream, number> = { stdout: 0, stderr: 0 };

  constructor(private readonly onText: (stream: LogStream, text: string) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(8 - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < 8) return;
        this.headerFilled = 0;
        this.current = this.streamOf(this.header[0]!);
        this.remaining = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      this.payload(this.current, chunk.subarray(offset, offset + take));
      this.remaining -= take;
      offset += take;
    }
  }

  /** Starts over with a new stream that repeats what this one delivered, then goes on. */
  restart(): void {
    this.headerFilled = 0;
    this.remaining = 0;
    this.seen.stdout = 0;
    this.seen.stderr = 0;
  }

  /** Flushes what the decoders hold (an incomplete trailing character becomes U+FFFD). */
  end(): void {
    this.emit("stdout", this.decoders.stdout.end());
    this.emit("stderr", this.decoders.stderr.end());
  }

  private payload(stream: LogStream, bytes: Buffer): void {
    const start = this.seen[stream];
    this.seen[stream] += bytes.length;
    const skip = Math.max(0, this.delivered[stream] - start);
    if (skip >= bytes.length) return;
    this.delivered[stream] += bytes.length - skip;
    this.emit(stream, this.decoders[stream].write(skip > 0 ? bytes.subarray(skip) : bytes));
  }

  private streamOf(type: number): LogStream {
    // 0 (stdin) is documented to be written on stdout; 3 is Docker's "systemerr".
    if (type === 0 || type === 1) return "stdout";
    if (type === 2 || type === 3) return "stderr";
    throw new Error(`malformed multiplexed stream: frame type ${type} (was the container created with Tty=true?)`);
  }

  private emit(stream: LogStream, text: string): void {
    if (text.length > 0) this.onText(stream, text);
  }
}

/** For a raw (Tty=true) stream: everything is stdout, decoded with one StringDecoder. */
class RawStreamDecoder {
  private readonly decoder = new StringDecoder("utf8");
  constructor(private readonly onText: (stream: LogStream, text: string) => void) {}
  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text) this.onText("stdout", text);
  }
  end(): void {
    const text = this.decoder.end();
    if (text) this.onText("stdout", text);
  }
}

interface RequestOptions {
  method: "GET" | "POST" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** No response within this long fails the request; null for requests that legitimately last (wait). */
  timeoutMs?: number | null;
  /** Aborting destroys the request; a pending call rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface DockerClientOptions {
  endpoint?: DockerEndpoint;
  /** Default timeout of ordinary requests (everything but wait and followed logs). */
  requestTimeoutMs?: number;
}

/**
 * The engine client. Every request uses a fresh connection (no keep-alive): connecting to a
 * local socket costs well under a millisecond, and this avoids the "reused a socket the server
 * just closed" class of failures entirely. Long requests (wait, followed logs) hold their own
 * connection, so they never block other calls.
 */
export class DockerClient {
  readonly endpoint: DockerEndpoint;
  private readonly requestTimeoutMs: number;
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(options: DockerClientOptions = {}) {
    this.endpoint = options.endpoint ?? resolveDockerEndpoint();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  }

  describe(): string {
    return describeEndpoint(this.endpoint);
  }

  async ping(): Promise<void> {
    await this.request({ method: "GET", path: "/_ping", timeoutMs: 10_000 });
  }

  async version(): Promise<DockerVersion> {
    return (await this.requestJson({ method: "GET", path: "/version" })) as DockerVersion;
  }

  /** The image, or null when the engine does not have it. */
  async inspectImage(name: string): Promise<ImageInspect | null> {
    try {
      return (await this.requestJson({ method: "GET", path: `/images/${encodeName(name)}/json` })) as ImageInspect;
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) return null;
      throw error;
    }
  }

  async createContainer(body: ContainerCreateBody, name?: string): Promise<{ Id: string; Warnings?: string[] | null }> {
    return (await this.requestJson({ method: "POST", path: "/containers/create", query: { name }, body })) as { Id: string; Warnings?: string[] | null };
  }

  /** Starts a created container; starting one that already runs (304) is not an error. */
  async startContainer(id: string): Promise<void> {
    await this.request({ method: "POST", path: `/containers/${encodeURIComponent(id)}/start` });
  }

  /**
   * Streams the container's output to `onText` until the stream ends: with `follow`, when the
   * container has stopped and its log is read to the end. Resolves after the last text was
   * delivered. Note: followed logs must be requested after the container was started
   * (Podman 4.3 answers a follow on a created container with an empty body at once).
   */
  async logs(id: string, options: LogsOptions, onText: (stream: LogStream, text: string) => void = () => undefined): Promise<void> {
    if (options.demuxer && options.tty) throw new Error("logs: a demuxer is for Tty=false streams only");
    const decoder = options.demuxer ?? (options.tty ? new RawStreamDecoder(onText) : new DockerStreamDemuxer(onText));
    const endDecoder = !options.demuxer;
    let response: http.IncomingMessage;
    try {
      response = await this.open({
        method: "GET",
        path: `/containers/${encodeURIComponent(id)}/logs`,
        query: { stdout: 1, stderr: 1, follow: options.follow ? 1 : 0 },
        timeoutMs: options.follow ? null : undefined,
        signal: options.signal,
      });
    } catch (error) {
      if (!options.signal?.aborted) throw error;
      if (endDecoder) decoder.end();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        response.destroy();
        finish();
      };
      let done = false;
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        options.signal?.removeEventListener("abort", onAbort);
        if (error) return reject(error);
        try {
          if (endDecoder) decoder.end();
          resolve();
        } catch (e) {
          reject(e as Error);
        }
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      response.on("data", (chunk: Buffer) => {
        if (done) return;
        try {
          decoder.push(chunk);
        } catch (error) {
          response.destroy();
          finish(error as Error);
        }
      });
      response.once("end", () => finish());
      response.once("error", (error) => finish(error));
      // A connection closed before the end of the body (engine restarted) is an error, not an end.
      response.once("close", () => finish(response.complete ? undefined : new Error(`logs of container ${id}: connection closed early`)));
    });
  }

  /**
   * Waits until the container is no longer running; resolves with its exit code. Beware of it on
   * Podman before 4.5: the service polls every microsecond to answer it, burning over a core per
   * pending wait (containers/podman#18150), and answers only after its cleanup process ran,
   * 0.1–0.9 s after the exit. The container executor inspects instead.
   */
  async wait(id: string, options: { signal?: AbortSignal } = {}): Promise<WaitResponse> {
    return (await this.requestJson({
      method: "POST",
      path: `/containers/${encodeURIComponent(id)}/wait`,
      query: { condition: "not-running" },
      timeoutMs: null,
      signal: options.signal,
    })) as WaitResponse;
  }

  async inspectContainer(id: string): Promise<ContainerInspect> {
    return (await this.requestJson({ method: "GET", path: `/containers/${encodeURIComponent(id)}/json` })) as ContainerInspect;
  }

  /**
   * Sends a signal to the container's main process. Throws a DockerApiError when it is not
   * running (Docker: 409; Podman 4.3: 500 "container state improper").
   */
  async kill(id: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.request({ method: "POST", path: `/containers/${encodeURIComponent(id)}/kill`, query: { signal } });
  }

  /** Removes the container (with `force`, also a running one); false when it did not exist. */
  async remove(id: string, options: { force?: boolean } = {}): Promise<boolean> {
    try {
      await this.request({ method: "DELETE", path: `/containers/${encodeURIComponent(id)}`, query: { force: options.force ?? false, v: true } });
      return true;
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) return false;
      throw error;
    }
  }

  /**
   * One stats sample (`one-shot`: Docker then skips its second, "precpu" sample). Null when the
   * engine sent nothing: Podman 4.3 answers 200 with an empty body for a stopped container.
   */
  async stats(id: string): Promise<ContainerStats | null> {
    return (await this.requestJson({ method: "GET", path: `/containers/${encodeURIComponent(id)}/stats`, query: { stream: false, "one-shot": true } })) as ContainerStats | null;
  }

  /**
   * Containers (running or not with `all`) carrying every given label: `{ key: value }` matches
   * that value, `{ key: null }` any value.
   */
  async listContainers(options: { all?: boolean; labels?: Record<string, string | null> } = {}): Promise<ContainerSummary[]> {
    const labels = Object.entries(options.labels ?? {}).map(([k, v]) => (v === null ? k : `${k}=${v}`));
    const filters = labels.length > 0 ? JSON.stringify({ label: labels }) : undefined;
    return (await this.requestJson({ method: "GET", path: "/containers/json", query: { all: options.all ?? false, filters } })) as ContainerSummary[];
  }

  /** Releases the client's connections (requests in flight are ended). */
  close(): void {
    this.agent.destroy();
  }

  private async requestJson(options: RequestOptions): Promise<unknown> {
    const text = await this.request(options);
    if (text === "") return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${options.method} ${options.path}: engine sent invalid JSON: ${text.slice(0, 200)}`);
    }
  }

  /** Sends a request and reads the whole body; an error status becomes a DockerApiError. */
  private async request(options: RequestOptions): Promise<string> {
    const response = await this.open(options);
    const chunks: Buffer[] = [];
    return new Promise<string>((resolve, reject) => {
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      response.once("error", reject);
      response.once("close", () => {
        if (!response.complete) reject(new Error(`${options.method} ${options.path}: connection closed before the response ended`));
      });
    });
  }

  /** Opens a request and resolves with the response once its status is known (2xx/3xx only). */
  private open(options: RequestOptions): Promise<http.IncomingMessage> {
    const path = `/${DOCKER_API_VERSION}${options.path}${queryString(options.query)}`;
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const timeoutMs = options.timeoutMs === undefined ? this.requestTimeoutMs : options.timeoutMs;
    const target = this.endpoint.kind === "unix" ? { socketPath: this.endpoint.socketPath } : { host: this.endpoint.host, port: this.endpoint.port };
    return new Promise((resolve, reject) => {
      const request = http.request({
        ...target,
        agent: this.agent,
        method: options.method,
        path,
        headers: {
          Host: "docker",
          Accept: "application/json",
          ...(body ? { "Content-Type": "application/json", "Content-Length": body.length } : {}),
        },
      });
      let responded = false;
      // The timeout covers waiting for the response head; for finite requests also its body
      // (cleared by the caller's reads finishing, since the socket then closes).
      if (timeoutMs !== null) {
        request.setTimeout(timeoutMs, () => request.destroy(new Error(`${options.method} ${options.path}: no answer from the container engine within ${timeoutMs} ms`)));
      }
      if (options.signal) {
        const signal = options.signal;
        const abort = () => request.destroy(Object.assign(new Error(`${options.method} ${options.path}: aborted`), { name: "AbortError" }));
        if (signal.aborted) abort();
        else {
          signal.addEventListener("abort", abort, { once: true });
          request.once("close", () => signal.removeEventListener("abort", abort));
        }
      }
      request.once("error", (error: NodeJS.ErrnoException) => {
        if (responded) return; // reported through the response stream
        if (error.code && UNREACHABLE_CODES.has(error.code)) reject(new DockerUnreachableError(this.describe(), error.code, { cause: error }));
        else reject(error);
      });
      request.once("response", (response) => {
        responded = true;
        const status = response.statusCode ?? 0;
        if (status < 400) return resolve(response);
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.once("error", reject);
        response.once("end", () => reject(new DockerApiError(status, engineMessage(Buffer.concat(chunks).toString("utf8")), options.method, options.path)));
      });
      request.end(body);
    });
  }
}

/** Image references keep their `/` (the engine's route takes the rest of the path); other parts are escaped. */
function encodeName(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

function queryString(query: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Docker and Podman both send `{"message": ...}` on errors; anything else is passed on as text. */
function engineMessage(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && "message" in parsed && typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON
  }
  return text.trim() || "(no message)";
}

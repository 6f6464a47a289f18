import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { LineSplitter } from "./line-splitter.js";
import { NO_USAGE, type Executor, type LineHandler, type ProcessResult, type ProcessSpec, type ResourceUsage, type RunningProcess } from "./types.js";

type LauncherMessage =
  | { type: "output"; id: string; stream: "stdout" | "stderr"; data: string }
  | { type: "spawn-error"; id: string; message: string }
  | { type: "closed"; id: string; code: number | null; signal: string | null; usage: ResourceUsage | null };

interface Tracked {
  stdout: LineSplitter;
  stderr: LineSplitter;
  finish(result: ProcessResult): void;
  closed(code: number | null, signal: string | null, usage: ResourceUsage | null): void;
}

const CANCEL_GRACE_MS = 1_000;
const TIMEOUT_GRACE_MS = 2_000;
/** setTimeout cannot wait longer than 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const LAUNCHER_PATH = fileURLToPath(new URL("../../launcher/launcher.mjs", import.meta.url));

/**
 * The shared executor: runs steps as processes on this host, each in its own process group,
 * streaming stdout/stderr line by line. Processes are started by a small launcher process
 * (see launcher/launcher.mjs for why), which kills them all if this worker dies. Usage is
 * sampled by the launcher from /proc over the whole process group.
 */
export class SharedExecutor implements Executor {
  private launcher: ChildProcess | null = null;
  private readonly tracked = new Map<string, Tracked>();

  run(spec: ProcessSpec, onLine: LineHandler): RunningProcess {
    const launcher = this.ensureLauncher();
    const id = randomUUID();
    let stopReason: "cancelled" | "timed-out" | null = null;
    let usage: ResourceUsage = NO_USAGE;
    let timer: NodeJS.Timeout | null = null;
    let resolveResult!: (r: ProcessResult) => void;
    const result = new Promise<ProcessResult>((resolve) => (resolveResult = resolve));
    const signal = (sig: NodeJS.Signals) => launcher.connected && launcher.send({ type: "signal", id, signal: sig });
    const stop = (reason: "cancelled" | "timed-out", graceMs: number) => {
      if (stopReason) return;
      stopReason = reason;
      signal("SIGTERM");
      setTimeout(() => signal("SIGKILL"), graceMs).unref();
    };

    const tracked: Tracked = {
      stdout: new LineSplitter((l) => onLine("stdout", l)),
      stderr: new LineSplitter((l) => onLine("stderr", l)),
      finish: (r) => {
        if (timer) clearTimeout(timer);
        this.tracked.delete(id);
        resolveResult(r);
      },
      closed: (code, sig, sampled) => {
        if (sampled) usage = sampled;
        tracked.stdout.end();
        tracked.stderr.end();
        if (stopReason === "cancelled") tracked.finish({ kind: "cancelled" });
        else if (stopReason === "timed-out") tracked.finish({ kind: "timed-out", timeoutMs: spec.timeoutMs ?? 0 });
        else if (code !== null) tracked.finish({ kind: "exited", exitCode: code });
        else tracked.finish({ kind: "signalled", signal: sig ?? "unknown" });
      },
    };
    this.tracked.set(id, tracked);
    if (spec.timeoutMs !== null) timer = setTimeout(() => stop("timed-out", TIMEOUT_GRACE_MS), Math.min(spec.timeoutMs, MAX_TIMER_MS));
    launcher.send({ type: "start", id, argv: spec.argv, cwd: spec.cwd, env: spec.env });
    return { result, cancel: () => stop("cancelled", CANCEL_GRACE_MS), usage: () => usage };
  }

  /** Stops the launcher; it kills any step process still running. */
  async close(): Promise<void> {
    const launcher = this.launcher;
    this.launcher = null;
    if (!launcher || launcher.exitCode !== null) return;
    const exited = new Promise((r) => launcher.once("exit", r));
    // Without a channel (the launcher is already going, e.g. a signal reached the whole
    // process group), there is nothing to disconnect: it exits on its own.
    if (launcher.connected) launcher.disconnect();
    await exited;
  }

  private ensureLauncher(): ChildProcess {
    if (this.launcher && this.launcher.connected) return this.launcher;
    const launcher = fork(LAUNCHER_PATH, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "json" });
    launcher.on("message", (message: LauncherMessage) => {
      const t = this.tracked.get(message.id);
      if (!t) return;
      if (message.type === "output") (message.stream === "stdout" ? t.stdout : t.stderr).push(message.data);
      // A command that cannot be started (not found, not executable) will not start next time either.
      else if (message.type === "spawn-error") t.finish({ kind: "spawn-failed", message: message.message, retryable: false });
      else if (message.type === "closed") t.closed(message.code, message.signal, message.usage);
    });
    launcher.once("exit", () => {
      if (this.launcher === launcher) this.launcher = null;
      // Its steps were killed with it.
      for (const t of [...this.tracked.values()]) t.finish({ kind: "launcher-lost" });
    });
    this.launcher = launcher;
    return launcher;
  }
}

import { spawn } from "node:child_process";
import { LineSplitter } from "./line-splitter.js";
import { signalGroup, terminateGroup } from "./process-tree.js";

export interface ProcessSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number | null;
}

export type ProcessResult =
  | { kind: "exited"; exitCode: number }
  | { kind: "signalled"; signal: string }
  | { kind: "timed-out"; timeoutMs: number }
  | { kind: "cancelled" }
  | { kind: "spawn-failed"; message: string };

export interface RunningProcess {
  /** Resolves when the process group leader has exited and its output is drained. */
  result: Promise<ProcessResult>;
  /** Stops the step (SIGTERM, then SIGKILL after the grace period). */
  cancel(): void;
}

const CANCEL_GRACE_MS = 1_000;
const TIMEOUT_GRACE_MS = 2_000;

/**
 * The shared executor: runs a step as a child process on this host, in its own process
 * group, streaming stdout/stderr line by line to `onLine`.
 */
export function runProcess(spec: ProcessSpec, onLine: (stream: "stdout" | "stderr", line: string) => void): RunningProcess {
  const [command, ...args] = spec.argv;
  if (!command) throw new Error("empty command");
  let stopReason: "cancelled" | "timed-out" | null = null;
  const child = spawn(command, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const stdout = new LineSplitter((l) => onLine("stdout", l));
  const stderr = new LineSplitter((l) => onLine("stderr", l));
  child.stdout.on("data", (c: Buffer) => stdout.push(c));
  child.stderr.on("data", (c: Buffer) => stderr.push(c));

  const timer =
    spec.timeoutMs !== null
      ? setTimeout(() => {
          stopReason ??= "timed-out";
          terminateGroup(child, TIMEOUT_GRACE_MS);
        }, spec.timeoutMs)
      : null;

  const result = new Promise<ProcessResult>((resolve) => {
    child.once("error", (err) => {
      if (timer) clearTimeout(timer);
      resolve({ kind: "spawn-failed", message: err.message });
    });
    // When the leader exits, anything it left running in its group is killed: a step owns no
    // process after it ends, and "close" (stdio drained) cannot be held open by stragglers.
    child.once("exit", () => signalGroup(child, "SIGKILL"));
    // "close" fires after the stdio streams ended, so every line has been delivered.
    child.once("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      stdout.end();
      stderr.end();
      if (stopReason === "cancelled") resolve({ kind: "cancelled" });
      else if (stopReason === "timed-out") resolve({ kind: "timed-out", timeoutMs: spec.timeoutMs ?? 0 });
      else if (code !== null) resolve({ kind: "exited", exitCode: code });
      else resolve({ kind: "signalled", signal: signal ?? "unknown" });
    });
  });

  return {
    result,
    cancel() {
      if (stopReason) return;
      stopReason = "cancelled";
      terminateGroup(child, CANCEL_GRACE_MS);
    },
  };
}

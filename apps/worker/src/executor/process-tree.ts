import type { ChildProcess } from "node:child_process";

/**
 * Steps run in their own process group (spawned detached), so signalling -pid reaches the
 * whole tree the step started, not just its shell.
 */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** SIGTERM the group, then SIGKILL whatever is left after `graceMs`. */
export function terminateGroup(child: ChildProcess, graceMs: number): void {
  signalGroup(child, "SIGTERM");
  setTimeout(() => signalGroup(child, "SIGKILL"), graceMs).unref();
}

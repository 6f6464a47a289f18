// Child-process supervision shared by scripts/start.mjs and scripts/test.mjs.
// No dependencies: this module is loaded before `npm ci` may have run.
//
// Every child runs in its own process group (detached), so a Ctrl-C in the terminal reaches
// only the script, which then stops each group in order (and grandchildren with it, e.g.
// the server processes `next start` forks). A last-resort `exit` hook SIGKILLs whatever is
// still tracked if the script dies some other way.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { c, PREFIX_COLORS } from "./log.mjs";

/** @type {Set<import("node:child_process").ChildProcess>} */
const live = new Set();

function killGroup(child, signal) {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

process.on("exit", () => {
  for (const child of live) killGroup(child, "SIGKILL");
});

export function track(child) {
  live.add(child);
  child.once("exit", () => {
    // The leader is gone; anything left in its group (orphaned grandchildren) goes too.
    killGroup(child, "SIGTERM");
    live.delete(child);
  });
  return child;
}

/** Resolves when the child has exited (immediately if it already has). */
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the child has exited. */
export async function stopChild(child, { signal = "SIGTERM", timeoutMs = 10_000 } = {}) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  killGroup(child, signal);
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  if ((await Promise.race([done, timeout])) === "timeout") {
    killGroup(child, "SIGKILL");
    await done;
  }
  clearTimeout(timer);
}

/** Kills every child this module started (used on Ctrl-C). */
export async function stopAllChildren(opts) {
  await Promise.all([...live].map((child) => stopChild(child, opts)));
}

/**
 * Runs a command to completion with inherited stdout/stderr (stdin closed).
 * Resolves to { code, signal }; rejects only when the command cannot be started.
 */
export function runTask(cmd, args, { cwd, env, stdio = ["ignore", "inherit", "inherit"] } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { cwd, env, stdio, detached: true }));
    child.once("error", (err) => {
      live.delete(child);
      reject(err);
    });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Runs a command and captures its output: { code, signal, stdout, stderr }. */
export function capture(cmd, args, { cwd, env, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { cwd, env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], detached: true }));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", (err) => {
      live.delete(child);
      reject(err);
    });
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (child.stdin) {
      // A command that exits without reading its input must not crash us with EPIPE.
      child.stdin.on("error", () => {});
      child.stdin.end(input);
    }
  });
}

/**
 * Starts long-running children with prefixed, coloured output and watches them: when one
 * exits while the supervisor is not stopping, `onExit(name, code, signal)` is called.
 */
export class Supervisor {
  /** @param {{ onExit?: (name: string, code: number | null, signal: string | null) => void }} [opts] */
  constructor({ onExit } = {}) {
    this.onExit = onExit ?? (() => {});
    this.stopping = false;
    /** @type {{ name: string, child: import("node:child_process").ChildProcess }[]} */
    this.children = [];
    this.width = 0;
  }

  prefix(name) {
    const index = this.children.findIndex((entry) => entry.name === name);
    const color = PREFIX_COLORS[(index < 0 ? this.children.length : index) % PREFIX_COLORS.length];
    const label = `[${name}]`.padEnd(this.width + 2);
    return { out: c[color](label, process.stdout), err: c[color](label, process.stderr) };
  }

  /** Starts `cmd args` as `name`; its stdout/stderr lines are printed with a `[name]` prefix. */
  spawn(name, cmd, args, { cwd, env } = {}) {
    this.width = Math.max(this.width, name.length);
    const childEnv = { ...(env ?? process.env) };
    if (process.stdout.isTTY && !childEnv.NO_COLOR && childEnv.FORCE_COLOR === undefined) childEnv.FORCE_COLOR = "1";
    const child = track(spawn(cmd, args, { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"], detached: true }));
    const { out, err } = this.prefix(name);
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on("line", (line) => process.stdout.write(`${out} ${line}\n`));
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on("line", (line) => process.stderr.write(`${err} ${line}\n`));
    child.once("error", (error) => {
      process.stderr.write(`${err} failed to start: ${error.message}\n`);
      if (!this.stopping) this.onExit(name, null, null);
    });
    child.once("exit", (code, signal) => {
      if (!this.stopping) this.onExit(name, code, signal);
    });
    this.children.push({ name, child });
    return child;
  }

  /** Stops every child (SIGTERM, then SIGKILL after the timeout). */
  async stopAll(opts) {
    this.stopping = true;
    await Promise.all(this.children.map(({ child }) => stopChild(child, opts)));
  }
}

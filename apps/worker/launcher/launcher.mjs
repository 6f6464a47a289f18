// The step launcher: a tiny process, forked by a worker, that starts step processes for it.
// Why: fork() from the worker costs ~10 ms because the worker maps a lot of memory (Prisma's
// query engine); from this process it costs ~2 ms. It also ties the steps' lifetime to the
// worker's: when the worker dies (even by SIGKILL) the IPC channel closes and every step
// process group started here is killed.
//
// It also samples each step's process group from /proc (memory and CPU of every process in
// the group), the shared executor's equivalent of container stats.
//
// Protocol (Node IPC, JSON):
//   worker -> launcher  { type: "start", id, argv, cwd, env }   { type: "signal", id, signal }
//   launcher -> worker  { type: "output", id, stream, data }
//                       { type: "spawn-error", id, message }
//                       { type: "closed", id, code, signal, usage: { peakMemoryBytes, peakCpu, cpuSeconds } }
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const children = new Map();

// ---- usage sampling ---------------------------------------------------------------------
const SAMPLE_MS = 250;
const CLOCK_TICKS = 100; // USER_HZ, 100 on every Linux ABI Node supports
const PAGE_SIZE = pageSize();
/** id -> { pgid, peakMemoryBytes, peakCpu, cpuSeconds, last: { ticks, at } } */
const usage = new Map();
let sampler = null;
let earlySample = null;

/** Bytes per page, from this process's own RSS as /proc reports it in pages and in kB. */
function pageSize() {
  try {
    const pages = Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]);
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
    const size = (kb * 1024) / pages;
    // Round to a power of two: the two readings are taken a moment apart.
    return 2 ** Math.round(Math.log2(size));
  } catch {
    return 4096;
  }
}

/** One pass over /proc: per process group, resident memory and CPU ticks (own + reaped children). */
function scanGroups(pgids) {
  const totals = new Map();
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return totals; // no /proc (not Linux): nothing is sampled
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pgid = Number(fields[2]);
    if (!pgids.has(pgid)) continue;
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    const rss = Number(fields[21]) * PAGE_SIZE;
    const t = totals.get(pgid) ?? { rss: 0, ticks: 0 };
    t.rss += rss;
    t.ticks += ticks;
    totals.set(pgid, t);
  }
  return totals;
}

function sample() {
  if (usage.size === 0) return;
  const now = performance.now();
  const totals = scanGroups(new Set([...usage.values()].map((u) => u.pgid)));
  for (const u of usage.values()) {
    const t = totals.get(u.pgid);
    if (!t) continue;
    u.peakMemoryBytes = Math.max(u.peakMemoryBytes ?? 0, t.rss);
    u.cpuSeconds = Math.max(u.cpuSeconds ?? 0, t.ticks / CLOCK_TICKS);
    if (u.last && now - u.last.at >= SAMPLE_MS * 0.8) {
      const cores = (t.ticks - u.last.ticks) / CLOCK_TICKS / ((now - u.last.at) / 1000);
      if (cores >= 0) u.peakCpu = Math.max(u.peakCpu ?? 0, Math.round(cores * 100) / 100);
    }
    u.last = { ticks: t.ticks, at: now };
  }
}

function track(id, pgid) {
  usage.set(id, { pgid, peakMemoryBytes: null, peakCpu: null, cpuSeconds: null, last: null });
  // A first look soon after the start, so short steps get a reading too; coalesced, so a burst
  // of starts costs one scan of /proc.
  earlySample ??= setTimeout(() => {
    earlySample = null;
    sample();
  }, 100);
  sampler ??= setInterval(sample, SAMPLE_MS);
}

function untrack(id) {
  const u = usage.get(id);
  usage.delete(id);
  if (usage.size === 0 && sampler) {
    clearInterval(sampler);
    sampler = null;
  }
  return u ? { peakMemoryBytes: u.peakMemoryBytes, peakCpu: u.peakCpu, cpuSeconds: u.cpuSeconds } : null;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone.
  }
}

function send(message) {
  if (process.connected) process.send(message);
}

function start({ id, argv, cwd, env }) {
  let child;
  try {
    child = spawn(argv[0], argv.slice(1), { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    send({ type: "spawn-error", id, message: err.message });
    return;
  }
  children.set(id, child);
  if (child.pid) track(id, child.pid);
  for (const stream of ["stdout", "stderr"]) {
    const decoder = new StringDecoder("utf8");
    child[stream].on("data", (chunk) => send({ type: "output", id, stream, data: decoder.write(chunk) }));
    child[stream].on("end", () => {
      const rest = decoder.end();
      if (rest) send({ type: "output", id, stream, data: rest });
    });
  }
  child.once("error", (err) => {
    children.delete(id);
    untrack(id);
    send({ type: "spawn-error", id, message: err.message });
  });
  // A step owns no process after its leader exits: stragglers in its group are killed, which
  // also lets "close" (stdio drained) fire.
  child.once("exit", () => signalGroup(child.pid, "SIGKILL"));
  child.once("close", (code, signal) => {
    children.delete(id);
    send({ type: "closed", id, code, signal, usage: untrack(id) });
  });
}

process.on("message", (message) => {
  if (message.type === "start") start(message);
  else if (message.type === "signal") {
    const child = children.get(message.id);
    if (child?.pid) signalGroup(child.pid, message.signal);
  }
});

process.on("disconnect", () => {
  for (const child of children.values()) if (child.pid) signalGroup(child.pid, "SIGKILL");
  process.exit(0);
});

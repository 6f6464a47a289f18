// The step launcher: a tiny process, forked by a worker, that starts step processes for it.
// Why: fork() from the worker costs ~10 ms because the worker maps a lot of memory (Prisma's
// query engine); from this process it costs ~2 ms. It also ties the steps' lifetime to the
// worker's: when the worker dies (even by SIGKILL) the IPC channel closes and every step
// process group started here is killed.
//
// Protocol (Node IPC, JSON):
//   worker -> launcher  { type: "start", id, argv, cwd, env }   { type: "signal", id, signal }
//   launcher -> worker  { type: "output", id, stream, data }
//                       { type: "spawn-error", id, message }  { type: "closed", id, code, signal }
import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";

const children = new Map();

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
    send({ type: "spawn-error", id, message: err.message });
  });
  // A step owns no process after its leader exits: stragglers in its group are killed, which
  // also lets "close" (stdio drained) fire.
  child.once("exit", () => signalGroup(child.pid, "SIGKILL"));
  child.once("close", (code, signal) => {
    children.delete(id);
    send({ type: "closed", id, code, signal });
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

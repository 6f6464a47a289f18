// Finds Postgres and Redis for scripts/start.mjs and scripts/test.mjs, and starts
// project-local instances under .trellis/ when a local URL does not answer.
//
//   const services = await ensureServices({ root, databaseUrl, redisUrl });
//   ... services.databaseUrl / services.redisUrl (ports may differ from the input)
//   await services.stop();   // stops only what ensureServices started
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { capture, exited, stopChild, track } from "./processes.mjs";
import { redactUrl } from "./log.mjs";

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/trellis";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** Ports tried for a project-local instance when the URL's own port is taken. */
const FALLBACK_PG_PORT = 55432;
const FALLBACK_REDIS_PORT = 56379;

export const INSTALL_HINT = [
  "Install them with your package manager, e.g.",
  "    sudo apt-get install postgresql redis-server",
  "or run them in Docker:",
  "    docker compose up -d postgres redis",
  "or point DATABASE_URL / REDIS_URL at servers you already run.",
].join("\n");

/** An error whose message is meant for the user as-is (no stack trace). */
export class ServiceError extends Error {}

export function isLocalHost(hostname) {
  return ["localhost", "127.0.0.1", "::1", "[::1]", ""].includes(hostname);
}

function portOf(url, fallback) {
  const port = Number(new URL(url).port);
  return Number.isInteger(port) && port > 0 ? port : fallback;
}

function withPort(url, port) {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

/** Returns the URL with its database (path) replaced. */
export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL", "EPIPE"]);

function networkCode(err) {
  if (!err) return undefined;
  if (NETWORK_CODES.has(err.code)) return err.code;
  if (err instanceof AggregateError) return err.errors.map(networkCode).find(Boolean);
  if (/timeout|timed out|Connection terminated/i.test(err.message ?? "")) return "ETIMEDOUT";
  return undefined;
}

/**
 * Checks a Postgres server with a real connection.
 * @returns {Promise<{ ok: boolean, reachable: boolean, error?: string }>}
 *   `reachable` is true when something answered as Postgres, even if it refused us.
 */
export async function probePostgres(url, timeoutMs = 3000) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { ok: true, reachable: true };
  } catch (err) {
    // The database itself may not exist yet: migrations create it.
    if (err.code === "3D000") return { ok: true, reachable: true };
    // Starting up / shutting down: answers, but not usable yet.
    if (err.code === "57P03") return { ok: false, reachable: false, error: err.message };
    const code = networkCode(err);
    if (code) return { ok: false, reachable: false, error: code };
    return { ok: false, reachable: true, error: err.message ?? String(err) };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Checks a Redis server with a real PING.
 * @returns {Promise<{ ok: boolean, reachable: boolean, error?: string }>}
 */
export async function probeRedis(url, timeoutMs = 3000) {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    const pong = await client.ping();
    return pong === "PONG" ? { ok: true, reachable: true } : { ok: false, reachable: true, error: `PING answered ${pong}` };
  } catch (err) {
    const code = networkCode(err);
    if (code || /Connection is closed|connect/i.test(err.message ?? "")) return { ok: false, reachable: false, error: code ?? err.message };
    return { ok: false, reachable: true, error: err.message ?? String(err) };
  } finally {
    client.disconnect();
  }
}

/** True when nothing listens on host:port (we could bind it); host null = all interfaces. */
export function isPortFree(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(host ? { port, host, exclusive: true } : { port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first free port from `start` (up to 100 tried), else one the OS picks. */
export async function freePort(start, host = "127.0.0.1") {
  for (let port = start; port < start + 100; port++) if (await isPortFree(port, host)) return port;
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function isExecutable(file) {
  try {
    return statSync(file).isFile() && (statSync(file).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Directories to search for Postgres binaries: PATH, then /usr/lib/postgresql/<newest>/bin. */
export function postgresBinDirs() {
  const fromPath = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  let versioned = [];
  try {
    versioned = readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    /* not a Debian-style install */
  }
  return [...fromPath, ...versioned, "/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"];
}

/** Finds `name` in `dirs` (default: PATH plus common system directories). */
export function findBinary(name, dirs) {
  const search = dirs ?? [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), "/usr/sbin", "/usr/local/bin", "/usr/bin", "/opt/homebrew/bin"];
  for (const dir of search) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return null;
}

/** initdb and pg_ctl from the same directory, or null. */
export function findPostgresBinaries() {
  for (const dir of postgresBinDirs()) {
    const initdb = path.join(dir, "initdb");
    const pgCtl = path.join(dir, "pg_ctl");
    if (isExecutable(initdb) && isExecutable(pgCtl)) return { initdb, pgCtl };
  }
  return null;
}

/** A path relative to the repository when inside it, else absolute. */
function shown(root, file) {
  const rel = path.relative(root, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

function osUser(name) {
  const result = spawnSync("id", ["-u", name], { encoding: "utf8" });
  if (result.status !== 0) return null;
  const uid = Number(result.stdout.trim());
  const gid = Number(spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim());
  return { uid, gid };
}

/**
 * Starts (or adopts) a project-local Postgres in `<root>/.trellis/postgres`.
 * Postgres refuses to run as root, so as root every command runs as the `postgres` OS user.
 */
export async function startLocalPostgres({ root, url, log = () => {} }) {
  const bins = findPostgresBinaries();
  if (!bins) {
    throw new ServiceError(`Postgres does not answer at ${redactUrl(url)} and its binaries (initdb, pg_ctl) are not installed.\n${INSTALL_HINT}`);
  }
  const user = decodeURIComponent(new URL(url).username) || "postgres";

  let runAs = null;
  if (process.getuid?.() === 0) {
    runAs = osUser("postgres");
    if (!runAs) {
      throw new ServiceError(
        "Postgres cannot run as root and there is no `postgres` OS user to run it as.\n" +
          "Create one (`useradd --system postgres`), run `npm start` as a normal user, or point DATABASE_URL at a running server.",
      );
    }
    if (!findBinary("runuser")) throw new ServiceError("`runuser` (util-linux) is needed to run Postgres as the postgres user when started as root.");
  }
  const cmd = (bin, args) => (runAs ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args]);

  let dataDir = path.join(root, ".trellis", "postgres");
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) {
    chownSync(dataDir, runAs.uid, runAs.gid);
    // The postgres user must reach the directory; under e.g. /root it cannot.
    if (spawnSync("runuser", ["-u", "postgres", "--", "test", "-w", dataDir]).status !== 0) {
      const hash = createHash("sha1").update(root).digest("hex").slice(0, 8);
      const fallback = path.join(os.tmpdir(), `trellis-${hash}`, "postgres");
      log(`the postgres user cannot access ${dataDir}; using ${fallback} instead`);
      mkdirSync(path.dirname(fallback), { recursive: true, mode: 0o755 });
      mkdirSync(fallback, { recursive: true, mode: 0o700 });
      chownSync(fallback, runAs.uid, runAs.gid);
      dataDir = fallback;
    }
    spawnSync("chown", ["-R", `${runAs.uid}:${runAs.gid}`, dataDir]);
  }
  const logFile = path.join(path.dirname(dataDir), "postgres.log");
  if (!existsSync(logFile)) writeFileSync(logFile, "");
  if (runAs) chownSync(logFile, runAs.uid, runAs.gid);

  const pgCtl = async (args) => {
    const [bin, argv] = cmd(bins.pgCtl, args);
    return capture(bin, argv, { cwd: dataDir });
  };

  const versionText = (await capture(bins.pgCtl, ["--version"])).stdout;
  const major = versionText.match(/(\d+)(?:\.\d+)?/)?.[1];
  const versionFile = path.join(dataDir, "PG_VERSION");
  if (existsSync(versionFile)) {
    const dataMajor = readFileSync(versionFile, "utf8").trim();
    if (major && dataMajor !== major) {
      throw new ServiceError(
        `${dataDir} was created by Postgres ${dataMajor} but the binaries found are version ${major} (${bins.pgCtl}).\n` +
          `Delete ${dataDir} to start afresh (this erases the local Trellis database).`,
      );
    }
  } else {
    log(`initialising a project-local Postgres in ${shown(root, dataDir)}`);
    const [bin, argv] = cmd(bins.initdb, ["-D", dataDir, "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C"]);
    const result = await capture(bin, argv, { cwd: dataDir });
    if (result.code !== 0) throw new ServiceError(`initdb failed:\n${result.stdout}${result.stderr}`);
  }

  // A previous `npm start` that was killed may have left it running: adopt it.
  if ((await pgCtl(["status", "-D", dataDir])).code === 0) {
    const pidLines = readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
    const port = Number(pidLines[3]);
    const adoptedUrl = withPort(url, port);
    if (Number.isInteger(port) && (await probePostgres(adoptedUrl)).ok) {
      log(`using the project-local Postgres already running on port ${port}`);
      return postgresHandle({ url: adoptedUrl, dataDir, pgCtl, cmd, bins });
    }
    await pgCtl(["stop", "-D", dataDir, "-m", "fast", "-w"]);
  }

  const wanted = portOf(url, 5432);
  const port = (await isPortFree(wanted)) ? wanted : await freePort(FALLBACK_PG_PORT);
  if (port !== wanted) log(`port ${wanted} is busy; the project-local Postgres uses port ${port}`);
  log(`starting the project-local Postgres on port ${port} (log: ${shown(root, logFile)})`);
  const started = await pgCtl(["start", "-D", dataDir, "-l", logFile, "-w", "-t", "60", "-o", `-p ${port} -k /tmp`]);
  if (started.code !== 0) {
    let tail = "";
    try {
      tail = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
    } catch {
      /* no log */
    }
    throw new ServiceError(`could not start the project-local Postgres:\n${started.stdout}${started.stderr}\n${tail}`);
  }
  const localUrl = withPort(url, port);
  const probe = await probePostgres(localUrl);
  if (!probe.ok) throw new ServiceError(`the project-local Postgres started but does not accept connections: ${probe.error}`);
  return postgresHandle({ url: localUrl, dataDir, pgCtl, cmd, bins });
}

/**
 * When the Postgres answering a local URL is the project-local one (left running by a start
 * that was killed), returns a handle so that it is stopped with everything else.
 */
async function adoptLocalPostgres({ root, url }) {
  const bins = findPostgresBinaries();
  const dataDir = path.join(root, ".trellis", "postgres");
  let pidLines;
  try {
    pidLines = readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return null;
  }
  if (!bins || Number(pidLines[3]) !== portOf(url, 5432)) return null;
  try {
    process.kill(Number(pidLines[0]), 0);
  } catch {
    return null;
  }
  const runAs = process.getuid?.() === 0;
  const cmd = (bin, args) => (runAs ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args]);
  const pgCtl = async (args) => {
    const [bin, argv] = cmd(bins.pgCtl, args);
    return capture(bin, argv, { cwd: dataDir });
  };
  return postgresHandle({ url, dataDir, pgCtl, cmd, bins });
}

function postgresHandle({ url, dataDir, pgCtl, cmd, bins }) {
  return {
    name: "postgres",
    url,
    dataDir,
    async stop() {
      await pgCtl(["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "30"]);
    },
    stopSync() {
      const [bin, argv] = cmd(bins.pgCtl, ["stop", "-D", dataDir, "-m", "immediate", "-w"]);
      spawnSync(bin, argv, { cwd: dataDir, stdio: "ignore" });
    },
  };
}

/**
 * Starts a project-local redis-server in `<root>/.trellis/redis` as a child process.
 * `onExit(code, signal)` is called if it dies before `stop()`.
 */
export async function startLocalRedis({ root, url, log = () => {}, onExit = () => {} }) {
  const bin = findBinary("redis-server");
  if (!bin) throw new ServiceError(`Redis does not answer at ${redactUrl(url)} and redis-server is not installed.\n${INSTALL_HINT}`);
  const dir = path.join(root, ".trellis", "redis");
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, "redis.log");
  const wanted = portOf(url, 6379);
  const port = (await isPortFree(wanted)) ? wanted : await freePort(FALLBACK_REDIS_PORT);
  if (port !== wanted) log(`port ${wanted} is busy; the project-local Redis uses port ${port}`);
  log(`starting the project-local Redis on port ${port} (log: ${shown(root, logFile)})`);
  const args = ["--port", String(port), "--bind", "127.0.0.1", "-::1", "--dir", dir, "--daemonize", "no", "--logfile", logFile];
  const child = track(spawn(bin, args, { cwd: dir, stdio: "ignore", detached: true }));
  let stopping = false;
  const early = new Promise((resolve) => child.once("error", (err) => resolve(err)));
  child.once("exit", (code, signal) => {
    if (!stopping) onExit(code, signal);
  });
  const localUrl = withPort(url, port);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      let tail = "";
      try {
        tail = readFileSync(logFile, "utf8").split("\n").slice(-10).join("\n");
      } catch {
        /* no log */
      }
      throw new ServiceError(`redis-server exited at start (code ${child.exitCode}):\n${tail}`);
    }
    const err = await Promise.race([early, new Promise((r) => setTimeout(() => r(null), 100))]);
    if (err) throw new ServiceError(`could not run ${bin}: ${err.message}`);
    if ((await probeRedis(localUrl, 1000)).ok) break;
    if (Date.now() > deadline) {
      stopping = true;
      await stopChild(child);
      throw new ServiceError(`the project-local Redis did not answer within 15 s (see ${logFile})`);
    }
  }
  return {
    name: "redis",
    url: localUrl,
    child,
    async stop() {
      stopping = true;
      await stopChild(child, { timeoutMs: 10_000 });
    },
    stopSync() {
      stopping = true;
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    },
    exited: () => exited(child),
  };
}

/**
 * Makes sure Postgres and Redis answer. A URL on this machine that does not answer gets a
 * project-local server (on the same port, or a free one when that port is taken); any
 * other failure is a ServiceError with a message for the user.
 *
 * @param {{ root: string, databaseUrl?: string, redisUrl?: string, log?: (msg: string) => void,
 *           onUnexpectedExit?: (name: string) => void }} opts
 */
export async function ensureServices({ root, databaseUrl = DEFAULT_DATABASE_URL, redisUrl = DEFAULT_REDIS_URL, log = () => {}, onUnexpectedExit = () => {} }) {
  const started = [];
  const result = {
    databaseUrl,
    redisUrl,
    started,
    async stop() {
      // Redis first: Postgres is the source of truth and goes down last.
      for (const service of [...started].reverse()) {
        try {
          await service.stop();
        } catch (err) {
          log(`stopping ${service.name} failed: ${err.message}`);
        }
      }
      started.length = 0;
    },
    stopSync() {
      for (const service of started) service.stopSync();
      started.length = 0;
    },
  };

  const [pgProbe, redisProbe] = await Promise.all([probePostgres(databaseUrl), probeRedis(redisUrl)]);
  const problems = [];

  try {
    if (pgProbe.ok) {
      const ours = isLocalHost(new URL(databaseUrl).hostname) ? await adoptLocalPostgres({ root, url: databaseUrl }) : null;
      if (ours) started.push(ours);
      log(`Postgres answers at ${redactUrl(databaseUrl)}${ours ? " (the project-local one, left running by an earlier start)" : ""}`);
    } else if (pgProbe.reachable) {
      problems.push(`Postgres at ${redactUrl(databaseUrl)} refused the connection: ${pgProbe.error}\nFix DATABASE_URL (user, password, database) for that server.`);
    } else if (!isLocalHost(new URL(databaseUrl).hostname)) {
      problems.push(`cannot reach Postgres at ${redactUrl(databaseUrl)} (${pgProbe.error}). Start it or fix DATABASE_URL.`);
    } else {
      try {
        const pg = await startLocalPostgres({ root, url: databaseUrl, log });
        started.push(pg);
        result.databaseUrl = pg.url;
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        problems.push(err.message);
      }
    }

    if (redisProbe.ok) {
      log(`Redis answers at ${redactUrl(redisUrl)}`);
    } else if (redisProbe.reachable) {
      problems.push(`Redis at ${redactUrl(redisUrl)} refused us: ${redisProbe.error}\nFix REDIS_URL for that server.`);
    } else if (!isLocalHost(new URL(redisUrl).hostname)) {
      problems.push(`cannot reach Redis at ${redactUrl(redisUrl)} (${redisProbe.error}). Start it or fix REDIS_URL.`);
    } else {
      try {
        const redis = await startLocalRedis({ root, url: redisUrl, log, onExit: () => onUnexpectedExit("redis") });
        started.push(redis);
        result.redisUrl = redis.url;
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        problems.push(err.message);
      }
    }
  } catch (err) {
    await result.stop();
    throw err;
  }

  if (problems.length) {
    await result.stop();
    // Both binaries missing: say it once.
    const joined = problems.length === 2 && problems.every((p) => p.endsWith(INSTALL_HINT))
      ? `${problems.map((p) => p.slice(0, -INSTALL_HINT.length).trim()).join("\n")}\n${INSTALL_HINT}`
      : problems.join("\n\n");
    throw new ServiceError(joined);
  }
  return result;
}

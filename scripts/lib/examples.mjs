// What the example pipelines need from the machine, and the runs `npm start` seeds for them.
// Node built-ins only.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { capture } from "./processes.mjs";

/** Debian's interpreter: the examples call it explicitly, since another python3 on PATH (pyenv, a venv) cannot see Debian's packages. */
export const EXAMPLE_PYTHON = "/usr/bin/python3";
export const EXAMPLE_PYTHON_MODULES = ["sklearn", "pandas"];
export const EXAMPLE_DEBIAN_PACKAGES = ["python3-sklearn", "python3-pandas"];
export const INSTALL_COMMAND = `sudo apt-get install -y ${EXAMPLE_DEBIAN_PACKAGES.join(" ")}`;

async function pythonHasModules() {
  if (!existsSync(EXAMPLE_PYTHON)) return false;
  try {
    const result = await capture(EXAMPLE_PYTHON, ["-c", `import ${EXAMPLE_PYTHON_MODULES.join(", ")}`]);
    return result.code === 0;
  } catch {
    return false;
  }
}

/**
 * Makes sure Debian's python3 can import scikit-learn and pandas (examples/digits-sweep).
 * Installs python3-sklearn and python3-pandas with apt-get when they are missing and this
 * process is root on a machine with apt-get; otherwise reports the command to run.
 * Resolves to whether the modules are importable.
 *
 * @param {{ info(msg: string): void, ok(msg: string): void, warn(msg: string): void }} log
 */
export async function ensureExamplePython(log) {
  if (await pythonHasModules()) return true;
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    log.warn(`examples/digits-sweep needs scikit-learn and pandas for ${EXAMPLE_PYTHON}; install them with:  ${INSTALL_COMMAND}`);
    return false;
  }
  log.info(`installing ${EXAMPLE_DEBIAN_PACKAGES.join(" ")} for the examples (apt-get; the first time takes a few minutes)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", ...EXAMPLE_DEBIAN_PACKAGES]]) {
    const result = await capture("apt-get", args, { env }).catch((err) => ({ code: 1, stdout: "", stderr: err.message }));
    if (result.code !== 0) {
      log.warn(`apt-get ${args[0]} failed (${result.signal ?? `exit code ${result.code}`}): ${(result.stderr || result.stdout).trim().split("\n").slice(-3).join(" | ")}`);
      log.warn(`examples/digits-sweep will fail until this works:  ${INSTALL_COMMAND}`);
      return false;
    }
  }
  if (!(await pythonHasModules())) {
    log.warn(`${EXAMPLE_DEBIAN_PACKAGES.join(" ")} are installed but ${EXAMPLE_PYTHON} still cannot import ${EXAMPLE_PYTHON_MODULES.join(", ")}`);
    return false;
  }
  log.ok(`installed ${EXAMPLE_DEBIAN_PACKAGES.join(" ")}`);
  return true;
}

/**
 * The runs of a sweep: every combination of the values listed in the example's `sweep.json`
 * (`{"param": [value, ...], ...}`), or null when the example has no sweep.
 *
 * @returns {Record<string, unknown>[] | null}
 */
export function sweepOf(exampleDir) {
  const file = path.join(exampleDir, "sweep.json");
  if (!existsSync(file)) return null;
  const grid = JSON.parse(readFileSync(file, "utf8"));
  if (typeof grid !== "object" || grid === null || Array.isArray(grid) || !Object.values(grid).every((v) => Array.isArray(v) && v.length > 0)) {
    throw new Error(`${file}: expected {"param": [value, ...], ...}`);
  }
  return Object.entries(grid).reduce((runs, [name, values]) => runs.flatMap((params) => values.map((value) => ({ ...params, [name]: value }))), [{}]);
}

async function api(apiUrl, token, method, urlPath, body) {
  const res = await fetch(`${apiUrl}/api/v1${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      message = JSON.parse(text).error?.message ?? message;
    } catch {
      /* not JSON */
    }
    throw new Error(`${method} ${urlPath}: HTTP ${res.status} ${message}`);
  }
  return text ? JSON.parse(text) : null;
}

/**
 * Starts the sweep's runs through the REST API, only when the pipeline has no runs yet (so a
 * restart does not add another sweep). Resolves to the number of runs started (0 when it
 * already had runs).
 */
export async function seedSweep({ apiUrl, token, project, pipeline, runs }) {
  const existing = await api(apiUrl, token, "GET", `/projects/${encodeURIComponent(project)}/runs?pipeline=${encodeURIComponent(pipeline)}&limit=1`);
  if (existing.items.length > 0) return 0;
  for (const params of runs) await api(apiUrl, token, "POST", `/projects/${encodeURIComponent(project)}/runs`, { pipeline, params });
  return runs.length;
}

import os from "node:os";
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { access, realpath } from "node:fs/promises";
import { constants } from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@trellis/db";
import { canonicalJson } from "@trellis/spec";
import type { EnvironmentInfo, PythonEnvironment } from "@trellis/engine";

const execFileAsync = promisify(execFile);

/** Prints the interpreter and every installed distribution as JSON; stdlib only. */
export const PYTHON_PROBE = `
import json, platform, sys
packages = {}
try:
    from importlib import metadata
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name:
            packages[name] = dist.version
except Exception:
    pass
print(json.dumps({"executable": sys.executable, "version": platform.python_version(),
                  "implementation": platform.python_implementation(),
                  "packages": dict(sorted(packages.items(), key=lambda kv: kv[0].lower()))}))
`;


/** How container environments are looked up (the container executor provides it). */
export interface ImageProbe {
  /** The image's id and registry digests; null when the image is not there. */
  imageInfo(image: string): Promise<{ id: string; repoDigests: string[] } | null>;
  /** Runs `python3 -c PYTHON_PROBE` in the image; null when it has no usable python3. */
  probePython(image: string): Promise<PythonEnvironment | null>;
}

export function parsePythonProbe(stdout: string): PythonEnvironment | null {
  try {
    const value = JSON.parse(stdout.trim().split("\n").pop() ?? "") as PythonEnvironment;
    return typeof value.version === "string" && typeof value.packages === "object" ? value : null;
  } catch {
    return null;
  }
}

/** Shared-step interpreters are looked at again after this long (packages get installed). */
const SHARED_PROBE_TTL_MS = 60_000;

/**
 * Records the environment of each attempt: for shared steps the host and the `python3` first
 * on the step's PATH with its installed packages; for container steps the image id and
 * digests, and the image's python3 and packages. Whole records are cached — per PATH for a
 * minute (packages get installed), per image reference and id for good (an image id never
 * changes content) — so a step on the hot path costs a map lookup (plus, for a container, the
 * image inspect that tells whether its tag moved), and probes run alongside the step.
 */
export class EnvironmentRecorder {
  private readonly sharedByPath = new Map<string, { at: number; digest: Promise<string> }>();
  private readonly containerByImage = new Map<string, Promise<string>>();
  private readonly imagePython = new Map<string, Promise<PythonEnvironment | null>>();

  constructor(
    private readonly db: PrismaClient,
    private readonly images: ImageProbe | null,
  ) {}

  /** The environment digest for a shared step run with this PATH. */
  shared(envPath: string | undefined): Promise<string> {
    const key = envPath ?? "";
    const cached = this.sharedByPath.get(key);
    if (cached && Date.now() - cached.at < SHARED_PROBE_TTL_MS) return cached.digest;
    const digest = (async () => {
      const executable = await findOnPath("python3", key);
      const python = executable ? await probePython(executable) : null;
      return this.store({ executor: "shared", hostname: os.hostname(), os: `${os.type()} ${os.release()}`, arch: os.arch(), python });
    })();
    this.sharedByPath.set(key, { at: Date.now(), digest });
    digest.catch(() => this.sharedByPath.delete(key));
    return digest;
  }

  /** The environment digest for a container step of this image; null when the engine does not have it. */
  async container(image: string): Promise<string | null> {
    if (!this.images) return null;
    const info = await this.images.imageInfo(image);
    if (!info) return null;
    const key = `${image}\n${info.id}`;
    let digest = this.containerByImage.get(key);
    if (!digest) {
      let python = this.imagePython.get(info.id);
      if (!python) {
        python = this.images.probePython(info.id).catch(() => null);
        this.imagePython.set(info.id, python);
      }
      digest = python.then((p) => this.store({ executor: "container", image, imageId: info.id, repoDigests: info.repoDigests, python: p }));
      this.containerByImage.set(key, digest);
      digest.catch(() => this.containerByImage.delete(key));
    }
    return digest;
  }

  /** Content-addressed: callers cache the digest, so each record is hashed and written once per cache entry. */
  private async store(info: EnvironmentInfo): Promise<string> {
    const json = canonicalJson(info);
    const digest = createHash("sha256").update(json).digest("hex");
    await this.db.$executeRaw`INSERT INTO "Environment" (digest, info) VALUES (${digest}, ${json}::jsonb) ON CONFLICT (digest) DO NOTHING`;
    return digest;
  }
}

function probePython(executable: string): Promise<PythonEnvironment | null> {
  return execFileAsync(executable, ["-c", PYTHON_PROBE], { timeout: 30_000, maxBuffer: 16 * 2 ** 20 }).then(
    ({ stdout }) => parsePythonProbe(stdout),
    () => null,
  );
}

/** Like `command -v`: the real path of the first executable `name` on PATH. */
async function findOnPath(name: string, envPath: string): Promise<string | null> {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return await realpath(candidate);
    } catch {
      // not here
    }
  }
  return null;
}

/** Collects a pipeline directory for `trellis push`: the spec file and the code snapshot. */
import { existsSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";

export const SPEC_FILES = ["pipeline.yaml", "pipeline.yml", "pipeline.json"] as const;
/** Directories never uploaded, wherever they appear. */
export const SKIP_DIRS: ReadonlySet<string> = new Set([".git", "node_modules", "__pycache__", ".venv"]);
/** File name patterns never uploaded. */
export const SKIP_FILE_PATTERNS: readonly RegExp[] = [/\.pyc$/];

const MiB = 1024 * 1024;
/** Same limits as the server (packages/engine code-snapshots CODE_LIMITS). */
export const LIMITS = { maxFileBytes: 10 * MiB, maxTotalBytes: 50 * MiB, maxFiles: 5000 } as const;

export interface CodeFile {
  /** Relative POSIX path. */
  path: string;
  /** base64 */
  content: string;
  /** 0o644 (420), or 0o755 (493) when the file is executable. */
  mode: number;
}

export interface Snapshot {
  files: CodeFile[];
  totalBytes: number;
  /** Things skipped that the user may want to know about (e.g. directory symlinks). */
  notes: string[];
}

export class PushError extends Error {
  override name = "PushError";
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < MiB) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** True when a directory entry named `name` is left out of the snapshot. */
export function isSkipped(name: string, isDirectory: boolean): boolean {
  if (isDirectory) return SKIP_DIRS.has(name);
  return SKIP_FILE_PATTERNS.some((re) => re.test(name));
}

/** The file mode sent for a file with stat mode `mode`. */
export function uploadMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/** Checks the size limits; throws PushError with a message naming the offending file. */
export function checkLimits(entries: readonly { path: string; size: number }[]): void {
  for (const entry of entries) {
    if (entry.size > LIMITS.maxFileBytes) {
      throw new PushError(
        `${entry.path} is ${formatBytes(entry.size)}; files larger than ${formatBytes(LIMITS.maxFileBytes)} cannot be pushed. ` +
          "Keep data sets and models out of the pipeline directory (read them from storage in a step instead).",
      );
    }
  }
  if (entries.length > LIMITS.maxFiles) {
    throw new PushError(`the directory has ${entries.length} files; a push takes at most ${LIMITS.maxFiles}.`);
  }
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  if (total > LIMITS.maxTotalBytes) {
    const largest = [...entries]
      .sort((a, b) => b.size - a.size)
      .slice(0, 3)
      .map((e) => `${e.path} (${formatBytes(e.size)})`)
      .join(", ");
    throw new PushError(
      `the code snapshot is ${formatBytes(total)}; the limit is ${formatBytes(LIMITS.maxTotalBytes)}. Largest files: ${largest}.`,
    );
  }
}

/** The spec file of `dir`, or a PushError saying what is wrong. */
export function findSpecFile(dir: string): string {
  const found = SPEC_FILES.filter((name) => existsSync(path.join(dir, name)));
  if (found.length === 0) throw new PushError(`${dir} has no ${SPEC_FILES.join(", ")}`);
  if (found.length > 1) throw new PushError(`${dir} has more than one spec file (${found.join(", ")}); keep one`);
  return path.join(dir, found[0]!);
}

interface Entry {
  path: string;
  abs: string;
  size: number;
  mode: number;
}

async function walk(root: string, rel: string, exclude: ReadonlySet<string>, out: Entry[], notes: string[]): Promise<void> {
  const dir = path.join(root, rel);
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    const abs = path.join(dir, entry.name);
    if (exclude.has(relPath)) continue;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(abs).catch(() => null);
      if (!target) {
        notes.push(`skipped ${relPath}: broken symbolic link`);
        continue;
      }
      if (target.isDirectory()) {
        notes.push(`skipped ${relPath}: symbolic link to a directory`);
        continue;
      }
      isDir = false;
      isFile = target.isFile();
    }
    if (isSkipped(entry.name, isDir)) continue;
    if (isDir) {
      await walk(root, relPath, exclude, out, notes);
    } else if (isFile) {
      const st = await stat(abs);
      out.push({ path: relPath, abs, size: st.size, mode: uploadMode(st.mode) });
    } else {
      notes.push(`skipped ${relPath}: not a regular file`);
    }
  }
}

/**
 * Reads every file under `dir` except the skipped ones and `exclude` (relative POSIX paths,
 * e.g. the spec file), sorted by path, after checking the size limits.
 */
export async function collectSnapshot(dir: string, exclude: Iterable<string> = []): Promise<Snapshot> {
  const entries: Entry[] = [];
  const notes: string[] = [];
  await walk(dir, "", new Set(exclude), entries, notes);
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  checkLimits(entries);
  const files: CodeFile[] = [];
  let totalBytes = 0;
  for (const entry of entries) {
    const content = await readFile(entry.abs);
    totalBytes += content.length;
    files.push({ path: entry.path, content: content.toString("base64"), mode: entry.mode });
  }
  return { files, totalBytes, notes };
}

// Decides whether `npm run build` must run before starting: the build outputs must exist,
// and the last successful build (a stamp in .trellis/) must be newer than every source file.
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Files whose absence means the product is not built. */
export const BUILD_OUTPUTS = [
  "apps/api/dist/main.js",
  "apps/worker/dist/main.js",
  "apps/cli/dist/main.js",
  "apps/web/.next/BUILD_ID",
];

const SOURCE_DIRS = ["apps", "packages", "prisma"];
const SOURCE_FILES = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.base.json", "prisma.config.ts"];
const SKIP_DIRS = new Set(["node_modules", "dist", ".next", "generated", ".turbo", "coverage", "test-results", "playwright-report"]);
const SKIP_FILE = /(\.tsbuildinfo|next-env\.d\.ts|\.test\.tsx?|\.md)$/;

const stampPath = (root) => path.join(root, ".trellis", "build-stamp");

function newestSource(root) {
  let newest = { mtime: 0, file: "" };
  const consider = (file) => {
    const mtime = statSync(file).mtimeMs;
    if (mtime > newest.mtime) newest = { mtime, file };
  };
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile() && !SKIP_FILE.test(entry.name)) {
        consider(full);
      }
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(root, dir))) walk(path.join(root, dir));
  for (const file of SOURCE_FILES) if (existsSync(path.join(root, file))) consider(path.join(root, file));
  return newest;
}

/**
 * Why a build is needed ("… is missing", "… changed"), or null when the outputs are current.
 */
export function buildReason(root) {
  const missing = BUILD_OUTPUTS.find((file) => !existsSync(path.join(root, file)));
  if (missing) return `${missing} is missing`;
  if (!existsSync(stampPath(root))) return "no record of a previous build";
  const stamp = statSync(stampPath(root)).mtimeMs;
  const newest = newestSource(root);
  if (newest.mtime > stamp) return `${path.relative(root, newest.file)} changed since the last build`;
  return null;
}

/** Records a successful build that started at `startedAt` (edits made during it still count). */
export function markBuilt(root, startedAt) {
  mkdirSync(path.dirname(stampPath(root)), { recursive: true });
  writeFileSync(stampPath(root), `${JSON.stringify({ builtAt: new Date(startedAt).toISOString() })}\n`);
  const when = new Date(startedAt);
  utimesSync(stampPath(root), when, when);
}

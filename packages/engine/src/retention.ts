import { blobKey, manifestBytes, readManifest, type ArtifactStore, type ManifestEntry } from "@trellis/artifacts";
import type { PrismaClient } from "@trellis/db";
import { conflict, notFound, validationFailed } from "./errors.js";
import { TERMINAL_RUN_STATUSES } from "./run-status.js";
import type { Tx } from "./transitions.js";

/**
 * Retention: deleting finished runs and the stored content that nothing else needs any more.
 *
 * An artifact survives while anything outside the deleted runs refers to it: an ArtifactLink of
 * another run (it produced or consumed it), a CacheEntry (cached results outlive their run), the
 * outputs of another run's step that did not run (cache hits and "retry failed steps" copies
 * carry ArtifactRefs without links), or a registered ModelVersion (a model outlives the run that
 * trained it). Artifacts are content-addressed and shared across projects, so these checks look
 * at every project, while the runs to delete come from one.
 *
 * Stored content: a file artifact is one blob; a directory artifact is a manifest plus the blobs
 * of its files, which other artifacts (a file with the same bytes, another directory holding the
 * same file) may share. A blob is deleted only when no surviving artifact needs it, which means
 * reading the manifests of the surviving directory artifacts whenever a directory is freed.
 *
 * Concurrency. Rows are deleted in one transaction holding the exclusive transaction-level
 * advisory lock ARTIFACTS_LOCK_KEY; the plan is recomputed under that lock, so a dry run and the
 * deletion that follows agree unless runs changed in between. The stored content is deleted
 * after that commit (deleting bytes inside a transaction that may still roll back would leave
 * rows without content), in a second transaction holding the lock again, which first drops every
 * key that an Artifact row has claimed again in the meantime (the same content stored anew by a
 * worker). This is only safe against writers that take the same lock: a worker recording an
 * artifact must, in the transaction that inserts its Artifact row and links, hold
 * lockArtifactsShared() and check (or upload) the content while holding it. A writer that does
 * not can still lose content that it found present just before a deletion removed it.
 */

/** pg advisory lock key shared by retention (exclusive) and artifact writers (shared): "trellisA". */
export const ARTIFACTS_LOCK_KEY = 0x7472656c6c697341n;

/** Held by a writer recording Artifact rows/links, for the rest of its transaction (see the module comment). */
export async function lockArtifactsShared(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(${ARTIFACTS_LOCK_KEY})`;
}

async function lockArtifactsExclusive(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ARTIFACTS_LOCK_KEY})`;
}

/** At most this many runs per call; `more` says whether others match. */
export const RETENTION_MAX_RUNS = 1000;

export interface RetentionSelection {
  projectId: string;
  /** These runs (all must exist in the project and be finished). */
  runIds?: string[];
  /** Finished runs that finished before this time (with runIds: those of them that did). */
  finishedBefore?: Date;
}

export interface FreedArtifact {
  id: string;
  digest: string;
  kind: string;
  storageKey: string;
  size: bigint;
}

export interface RetentionPlan {
  runIds: string[];
  /** More finished runs match finishedBefore than one call deletes (RETENTION_MAX_RUNS). */
  more: boolean;
  /** Artifact rows that nothing outside these runs (and no model version) refers to. */
  artifacts: FreedArtifact[];
}

export interface RetentionResult {
  dryRun: boolean;
  runIds: string[];
  more: boolean;
  /** Artifacts freed (rows deleted, or that would be). */
  artifacts: number;
  /** Stored bytes freed: blobs and manifests no surviving artifact needs. */
  bytes: number;
  /** Store keys deleted (or that would be). */
  keys: number;
}

const TERMINAL = [...TERMINAL_RUN_STATUSES];

type Db = PrismaClient | Tx;

async function selectRuns(db: Db, sel: RetentionSelection): Promise<{ runIds: string[]; more: boolean }> {
  if (!sel.runIds?.length && !sel.finishedBefore) {
    throw validationFailed("say which runs to delete", [{ path: "runIds", message: "give runIds, finishedBefore or both" }]);
  }
  if (sel.runIds?.length) {
    if (sel.runIds.length > RETENTION_MAX_RUNS) {
      throw validationFailed("too many runs", [{ path: "runIds", message: `at most ${RETENTION_MAX_RUNS} runs per call` }]);
    }
    const ids = [...new Set(sel.runIds)];
    const rows = await db.run.findMany({ where: { projectId: sel.projectId, id: { in: ids } }, select: { id: true, status: true, finishedAt: true } });
    const found = new Set(rows.map((r) => r.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw notFound(`run${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
    const active = rows.filter((r) => !TERMINAL.includes(r.status));
    if (active.length) {
      throw conflict(
        `only finished runs can be deleted; still queued or running: ${active.map((r) => r.id).join(", ")} (cancel them or wait until they finish)`,
      );
    }
    const before = sel.finishedBefore;
    const chosen = rows.filter((r) => !before || (r.finishedAt !== null && r.finishedAt < before)).map((r) => r.id);
    return { runIds: chosen.sort(), more: false };
  }
  const rows = await db.run.findMany({
    where: { projectId: sel.projectId, status: { in: TERMINAL }, finishedAt: { lt: sel.finishedBefore! } },
    orderBy: [{ finishedAt: "asc" }, { id: "asc" }],
    take: RETENTION_MAX_RUNS + 1,
    select: { id: true },
  });
  return { runIds: rows.slice(0, RETENTION_MAX_RUNS).map((r) => r.id).sort(), more: rows.length > RETENTION_MAX_RUNS };
}

const UUID_RE = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/** Artifacts that only the given runs refer to. */
async function orphanedBy(db: Db, runIds: string[]): Promise<FreedArtifact[]> {
  if (runIds.length === 0) return [];
  return db.$queryRaw<FreedArtifact[]>`
    WITH candidates AS (
      SELECT "artifactId" AS id FROM "ArtifactLink" WHERE "runId" = ANY(${runIds}::uuid[])
      UNION
      SELECT (o.value->>'artifactId')::uuid FROM "Step" s, jsonb_each(s.outputs) o
      WHERE s."runId" = ANY(${runIds}::uuid[]) AND jsonb_typeof(o.value) = 'object' AND (o.value->>'artifactId') ~ ${UUID_RE}
    ),
    cached AS (
      SELECT DISTINCT unnest("artifactIds") AS id FROM "CacheEntry" WHERE "artifactIds" && ARRAY(SELECT id FROM candidates)
    ),
    copied AS (
      -- Steps that did not run carry ArtifactRefs without links. No index covers this: it reads
      -- every such step's outputs once per call.
      SELECT DISTINCT o.value->>'artifactId' AS id FROM "Step" s, jsonb_each(s.outputs) o
      WHERE (s."cachedFromRunId" IS NOT NULL OR s."reusedFromRunId" IS NOT NULL) AND NOT (s."runId" = ANY(${runIds}::uuid[]))
        AND jsonb_typeof(o.value) = 'object' AND o.value->>'artifactId' IN (SELECT id::text FROM candidates)
    )
    SELECT a.id, a.digest, a.kind, a."storageKey", a.size FROM "Artifact" a
    WHERE a.id IN (SELECT id FROM candidates)
      AND NOT EXISTS (SELECT 1 FROM "ArtifactLink" l WHERE l."artifactId" = a.id AND NOT (l."runId" = ANY(${runIds}::uuid[])))
      AND a.id NOT IN (SELECT id FROM cached)
      AND a.id::text NOT IN (SELECT id FROM copied WHERE id IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM "ModelVersion" v WHERE v."artifactId" = a.id)
    ORDER BY a.digest`;
}

/** Which runs and artifact rows a deletion would remove. Read-only. */
export async function planRetention(db: Db, sel: RetentionSelection): Promise<RetentionPlan> {
  const { runIds, more } = await selectRuns(db, sel);
  return { runIds, more, artifacts: await orphanedBy(db, runIds) };
}

/**
 * The store keys of freed artifacts that no surviving artifact needs, and their bytes. Directory
 * blobs are kept when a surviving file artifact is that blob or a surviving directory lists it.
 * `survivorsSince`: only surviving directories created at or after this time are read (the
 * re-check after commit); otherwise all of them.
 */
async function contentToDelete(db: Db, store: ArtifactStore, freed: FreedArtifact[], survivorsSince?: Date): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const freedIds = freed.map((a) => a.id);
  for (const a of freed) {
    if (a.kind === "directory") {
      const manifest = await readManifest(store, { digest: a.digest, kind: "directory", storageKey: a.storageKey }).catch(() => null);
      sizes.set(a.storageKey, manifest ? manifestBytes(manifest).length : 0);
      for (const entry of manifest ?? []) sizes.set(blobKey(entry.digest), entry.size);
    } else {
      sizes.set(a.storageKey, Number(a.size));
    }
  }
  if (sizes.size === 0) return sizes;
  // Keys that surviving rows name directly (a file artifact's blob, a directory's manifest).
  const claimed = await db.artifact.findMany({
    where: { storageKey: { in: [...sizes.keys()] }, id: { notIn: freedIds } },
    select: { storageKey: true },
  });
  for (const c of claimed) sizes.delete(c.storageKey);
  if (freed.some((a) => a.kind === "directory")) {
    // Blobs inside surviving directories: only their manifests say which.
    let cursor: string | undefined;
    for (;;) {
      const dirs = await db.artifact.findMany({
        where: { kind: "directory", id: { notIn: freedIds }, ...(survivorsSince ? { createdAt: { gte: survivorsSince } } : {}) },
        orderBy: { id: "asc" },
        take: 500,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        select: { id: true, digest: true, storageKey: true },
      });
      for (const d of dirs) {
        let manifest: ManifestEntry[];
        try {
          manifest = await readManifest(store, { digest: d.digest, kind: "directory", storageKey: d.storageKey });
        } catch {
          continue; // a directory whose manifest is gone cannot need anything either
        }
        for (const entry of manifest) sizes.delete(blobKey(entry.digest));
      }
      if (dirs.length < 500) break;
      cursor = dirs.at(-1)!.id;
    }
  }
  return sizes;
}

const totalBytes = (sizes: Map<string, number>, keys: Iterable<string> = sizes.keys()) => {
  let n = 0;
  for (const k of keys) n += sizes.get(k) ?? 0;
  return n;
};

/**
 * Deletes finished runs (their steps, attempts, links, metrics and log lines) and then every
 * artifact that nothing else refers to, rows and stored content. With `dryRun` nothing changes
 * and the result says what would be deleted. Unknown runs are NOT_FOUND; runs that are still
 * queued or running, when named, are a CONFLICT. See the module comment for concurrency.
 */
export async function deleteRuns(
  db: PrismaClient,
  store: ArtifactStore,
  sel: RetentionSelection & { dryRun?: boolean },
): Promise<RetentionResult> {
  if (sel.dryRun) {
    const plan = await planRetention(db, sel);
    const content = await contentToDelete(db, store, plan.artifacts);
    return { dryRun: true, runIds: plan.runIds, more: plan.more, artifacts: plan.artifacts.length, bytes: totalBytes(content), keys: content.size };
  }

  const startedAt = new Date();
  const plan = await db.$transaction(
    async (tx) => {
      await lockArtifactsExclusive(tx);
      const planned = await planRetention(tx, sel);
      if (planned.runIds.length === 0) return planned;
      // Log lines reference steps without a foreign key; steps, attempts, links and metrics cascade from Run.
      await tx.$executeRaw`DELETE FROM "LogLine" WHERE "stepId" IN (SELECT id FROM "Step" WHERE "runId" = ANY(${planned.runIds}::uuid[]))`;
      await tx.run.deleteMany({ where: { id: { in: planned.runIds } } });
      await tx.artifact.deleteMany({ where: { id: { in: planned.artifacts.map((a) => a.id) } } });
      return planned;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  const result = { dryRun: false, runIds: plan.runIds, more: plan.more, artifacts: plan.artifacts.length, bytes: 0, keys: 0 };
  if (plan.artifacts.length === 0) return result;

  // Survivors that existed before the deletion are read without the lock (rows only come and go,
  // so a survivor gone since then only makes this keep more); the lock covers the re-check of
  // what was stored since and the deletion itself.
  const content = await contentToDelete(db, store, plan.artifacts);
  const keys = await db.$transaction(
    async (tx) => {
      await lockArtifactsExclusive(tx);
      const recheck = await contentToDelete(tx, store, plan.artifacts, startedAt);
      const keys = [...content.keys()].filter((k) => recheck.has(k)).sort();
      // Manifests before blobs: a manifest present means its whole directory is (storing skips
      // directories whose manifest exists), so a crash in between must not leave one behind.
      const isManifest = (k: string) => k.startsWith("manifests/");
      await store.delete(keys.filter(isManifest));
      await store.delete(keys.filter((k) => !isManifest(k)));
      return keys;
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
  return { ...result, keys: keys.length, bytes: totalBytes(content, keys) };
}

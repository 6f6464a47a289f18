import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@trellis/db";
import { ArtifactContentError, describeArtifact, ensureStored, materializeArtifact, storeArtifact, type ArtifactMetadata, type ArtifactStore, type StoredArtifact } from "@trellis/artifacts";
import { lockArtifactsShared } from "@trellis/engine";
import type { ArtifactRef, OutputType } from "@trellis/spec";

/** An artifact output the step wrote, waiting to be stored. */
export interface ArtifactOutput {
  name: string;
  type: OutputType;
  /** The output's path in the attempt's outputs directory. */
  path: string;
}

/**
 * The step succeeded but its artifacts could not be stored or recorded (the store or the
 * database is unreachable, a disk is full): retryable, since running it again may well work.
 */
export class ArtifactStoreFailure extends Error {}

/** The step's output cannot become an artifact (a FIFO, a dangling link): terminal, like a malformed output. */
export class ArtifactOutputError extends Error {}

interface StoredOutput {
  output: ArtifactOutput;
  stored: StoredArtifact;
  metadata: ArtifactMetadata;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

const storeFailure = (store: ArtifactStore, output: ArtifactOutput, err: unknown) =>
  new ArtifactStoreFailure(`output "${output.name}" (${output.type}) could not be stored in ${store.describe()}: ${messageOf(err)} (retryable: the artifact store may be unavailable)`);

/**
 * Uploads a succeeded step's artifact outputs to the store (content-addressed: content the
 * store already has is not uploaded again) and gathers their metadata. No database writes: the
 * slow, failure-prone part happens before anything of the attempt is recorded.
 */
export async function storeOutputArtifacts(store: ArtifactStore, outputs: ArtifactOutput[]): Promise<StoredOutput[]> {
  const results: StoredOutput[] = [];
  for (const output of outputs) {
    try {
      const [stored, metadata] = await Promise.all([storeArtifact(store, output.path), describeArtifact(output.path, output.type)]);
      results.push({ output, stored, metadata });
    } catch (err) {
      if (err instanceof ArtifactContentError) throw new ArtifactOutputError(`output "${output.name}" (${output.type}): ${err.message}`);
      throw storeFailure(store, output, err);
    }
  }
  return results;
}

interface StepIdentity {
  id: string;
  runId: string;
  name: string;
}

/**
 * Records stored outputs: one Artifact row per digest (inserted if new; concurrent steps
 * storing the same content both end up with the one row) and an "output" ArtifactLink per
 * output, replaced when a later attempt of the step records it again. Returns the ArtifactRefs
 * that become the step's output values.
 *
 * Retention deletes content that no Artifact row needs, under an exclusive advisory lock. So
 * this transaction holds the shared lock, checks again that the store has each artifact (and
 * puts back anything deleted since storeOutputArtifacts found or put it), and only then
 * inserts the rows: a deletion either finished before the check, or sees the new rows.
 */
export async function recordOutputArtifacts(db: PrismaClient, store: ArtifactStore, step: StepIdentity, outputs: StoredOutput[]): Promise<Record<string, ArtifactRef>> {
  if (outputs.length === 0) return {};
  const byDigest = new Map(outputs.map((o) => [o.stored.digest, o]));
  const artifacts = [...byDigest.values()].map((o) => o.stored);
  const transaction = db.$transaction(
    async (tx) => {
      await lockArtifactsShared(tx);
      for (const { output, stored } of byDigest.values()) {
        try {
          await ensureStored(store, output.path, stored);
        } catch (err) {
          throw storeFailure(store, output, err);
        }
      }
      await tx.$executeRaw`
        INSERT INTO "Artifact" (id, digest, kind, size, "fileCount", "storageKey")
        SELECT * FROM unnest(${artifacts.map(() => randomUUID())}::uuid[], ${artifacts.map((a) => a.digest)}::text[], ${artifacts.map((a) => a.kind)}::text[],
                             ${artifacts.map((a) => String(a.size))}::int8[], ${artifacts.map((a) => a.fileCount)}::int[], ${artifacts.map((a) => a.storageKey)}::text[])
        ON CONFLICT (digest) DO NOTHING`;
      // A separate statement: under READ COMMITTED it sees a row that a concurrent transaction
      // committed after the INSERT began (the conflict that made the INSERT skip it).
      const rows = await tx.$queryRaw<{ id: string; digest: string; kind: string }[]>`
        SELECT id, digest, kind FROM "Artifact" WHERE digest = ANY(${artifacts.map((a) => a.digest)}::text[])`;
      const rowOf = new Map(rows.map((r) => [r.digest, r]));
      const refs: Record<string, ArtifactRef> = {};
      for (const { output, stored } of outputs) {
        const row = rowOf.get(stored.digest)!;
        // Only possible if a file's bytes equal some directory's canonical manifest.
        if (row.kind !== stored.kind) throw new ArtifactOutputError(`output "${output.name}": its digest ${stored.digest} is already recorded as a ${row.kind}, not a ${stored.kind}`);
        refs[output.name] = { artifactId: row.id, digest: stored.digest, type: output.type, kind: stored.kind, size: stored.size };
      }
      await tx.$executeRaw`
        INSERT INTO "ArtifactLink" (id, "artifactId", "runId", "stepId", "stepName", direction, name, type, metadata)
        SELECT v.id, v.artifact_id, ${step.runId}::uuid, ${step.id}::uuid, ${step.name}, 'output', v.name, v.type, v.metadata::jsonb
        FROM unnest(${outputs.map(() => randomUUID())}::uuid[], ${outputs.map((o) => refs[o.output.name]!.artifactId)}::uuid[],
                    ${outputs.map((o) => o.output.name)}::text[], ${outputs.map((o) => o.output.type)}::text[], ${outputs.map((o) => JSON.stringify(o.metadata))}::text[])
          AS v(id, artifact_id, name, type, metadata)
        ON CONFLICT ("stepId", direction, name) DO UPDATE
          SET "artifactId" = EXCLUDED."artifactId", type = EXCLUDED.type, metadata = EXCLUDED.metadata, "createdAt" = now()`;
      return refs;
    },
    // Normally a few milliseconds; re-uploading content that retention deleted meanwhile can take longer.
    { timeout: 10 * 60_000, maxWait: 30_000 },
  );
  try {
    return await transaction;
  } catch (err) {
    if (err instanceof ArtifactStoreFailure || err instanceof ArtifactOutputError) throw err;
    throw new ArtifactStoreFailure(`artifact outputs could not be recorded: ${messageOf(err)} (retryable)`);
  }
}

/** An upstream artifact a step reads, materialized for it. */
export interface ArtifactInput {
  /** The reference it came through: "prepare.rows" for `${{ steps.prepare.outputs.rows }}`. */
  name: string;
  ref: ArtifactRef;
  localPath: string;
}

/**
 * Materializes upstream artifacts into the worker's cache (each digest once per host) and
 * returns their local paths by reference name. A failure is retryable: the store may be down.
 */
export async function materializeInputs(store: ArtifactStore, cacheDir: string, refs: { name: string; ref: ArtifactRef }[]): Promise<ArtifactInput[]> {
  return Promise.all(
    refs.map(async ({ name, ref }) => {
      try {
        return { name, ref, localPath: await materializeArtifact(store, { digest: ref.digest, kind: ref.kind, size: ref.size }, cacheDir) };
      } catch (err) {
        throw new ArtifactStoreFailure(`input steps.${name.replace(".", ".outputs.")} (artifact ${ref.digest.slice(0, 12)}) could not be fetched from ${store.describe()}: ${messageOf(err)} (retryable)`);
      }
    }),
  );
}

/** Records the step's "input" ArtifactLinks; recording them again (a later attempt) changes nothing. */
export async function recordInputLinks(db: PrismaClient, step: StepIdentity, inputs: ArtifactInput[]): Promise<void> {
  if (inputs.length === 0) return;
  try {
    await db.$executeRaw`
      INSERT INTO "ArtifactLink" (id, "artifactId", "runId", "stepId", "stepName", direction, name, type)
      SELECT v.id, v.artifact_id, ${step.runId}::uuid, ${step.id}::uuid, ${step.name}, 'input', v.name, v.type
      FROM unnest(${inputs.map(() => randomUUID())}::uuid[], ${inputs.map((i) => i.ref.artifactId)}::uuid[], ${inputs.map((i) => i.name)}::text[],
                  ${inputs.map((i) => i.ref.type ?? "file")}::text[]) AS v(id, artifact_id, name, type)
      ON CONFLICT ("stepId", direction, name) DO UPDATE SET "artifactId" = EXCLUDED."artifactId", type = EXCLUDED.type`;
  } catch (err) {
    throw new ArtifactStoreFailure(`the step's input artifacts could not be recorded: ${messageOf(err)} (retryable)`);
  }
}

import { parsePipelineSpec } from "@trellis/spec";
import { Prisma, type PrismaClient } from "@trellis/db";
import { validationFailed } from "./errors.js";
import { prepareSnapshot, sha256, storeSnapshot, type CodeFileInput } from "./code-snapshots.js";

export interface PushPipelineInput {
  projectId: string;
  /** YAML/JSON text, or an already-parsed JSON object. */
  spec: unknown;
  code?: { files: CodeFileInput[] };
}

export interface PushPipelineResult {
  pipelineId: string;
  version: number;
  created: boolean;
}

/**
 * Creates a pipeline (named by its spec) or a new immutable version of it. The version's
 * identity is sha256(spec text, code digest): pushing identical content returns the
 * existing version.
 */
export async function pushPipeline(db: PrismaClient, input: PushPipelineInput): Promise<PushPipelineResult> {
  const parsed = parsePipelineSpec(input.spec);
  if (!parsed.ok) throw validationFailed("the pipeline spec is invalid", parsed.issues);
  const spec = parsed.value;
  const specText = typeof input.spec === "string" ? input.spec : JSON.stringify(input.spec, null, 2);
  const snapshot = input.code ? prepareSnapshot(input.code.files) : null;
  const contentDigest = sha256(`${specText}\u0000${snapshot?.digest ?? ""}`);

  const attempt = () =>
    db.$transaction(async (tx) => {
      const pipeline = await tx.pipeline.upsert({
        where: { projectId_name: { projectId: input.projectId, name: spec.name } },
        create: { projectId: input.projectId, name: spec.name, description: spec.description },
        update: {},
        select: { id: true },
      });
      const existing = await tx.pipelineVersion.findUnique({
        where: { pipelineId_contentDigest: { pipelineId: pipeline.id, contentDigest } },
        select: { version: true },
      });
      if (existing) return { pipelineId: pipeline.id, version: existing.version, created: false };
      if (snapshot) await storeSnapshot(tx, snapshot);
      // Incrementing latestVersion locks the pipeline row, serialising concurrent pushes.
      const { latestVersion } = await tx.pipeline.update({
        where: { id: pipeline.id },
        data: { latestVersion: { increment: 1 }, description: spec.description },
        select: { latestVersion: true },
      });
      await tx.pipelineVersion.create({
        data: {
          pipelineId: pipeline.id,
          version: latestVersion,
          specText,
          spec: spec as unknown as object,
          contentDigest,
          codeDigest: snapshot?.digest ?? null,
        },
      });
      return { pipelineId: pipeline.id, version: latestVersion, created: true };
    });
  try {
    return await attempt();
  } catch (err) {
    // A concurrent identical push (or first push of a new pipeline) won the unique race: read its result.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return attempt();
    throw err;
  }
}

import type { PrismaClient } from "@trellis/db";
import { notFound, projectByName } from "@trellis/engine";

/** A step of a run in a project, by name; 404 when the project, run or step does not exist. */
export async function findStep(db: PrismaClient, params: { project: string; id: string; step: string }) {
  const project = await projectByName(db, params.project);
  const step = await db.step.findFirst({
    where: { runId: params.id, name: params.step, run: { projectId: project.id } },
    select: { id: true, attempt: true, status: true },
  });
  if (!step) throw notFound(`step "${params.step}" of run "${params.id}"`);
  return step;
}

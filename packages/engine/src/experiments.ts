import { Prisma, type PrismaClient } from "@trellis/db";
import { TRACKING_LIMITS } from "@trellis/tracking";
import { validationFailed } from "./errors.js";

/** The experiment MLflow clients log to when they name none (MLflow's experiment "0"). */
export const DEFAULT_EXPERIMENT = "Default";

export function checkExperimentName(name: string, path = "experiment"): void {
  if (name.trim() === "") throw validationFailed("experiment name must not be empty", [{ path, message: "must not be empty" }]);
  if (name.length > TRACKING_LIMITS.experimentNameLength) {
    throw validationFailed("experiment name is too long", [{ path, message: `at most ${TRACKING_LIMITS.experimentNameLength} characters` }]);
  }
}

/** Returns the project's experiment of that name, creating it on first use. */
export async function ensureExperiment(db: PrismaClient, projectId: string, name: string): Promise<{ id: number; name: string }> {
  checkExperimentName(name);
  const where = { projectId_name: { projectId, name } };
  const select = { id: true, name: true };
  try {
    return await db.experiment.upsert({ where, create: { projectId, name }, update: {}, select });
  } catch (err) {
    // Concurrent first runs of a pipeline race to create its experiment; the loser reads the winner's.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return db.experiment.findUniqueOrThrow({ where, select });
    throw err;
  }
}

import type { PrismaClient } from "@trellis/db";
import { TRACKING_LIMITS } from "@trellis/tracking";
import { validationFailed } from "./errors.js";
import type { Tx } from "./transitions.js";

/** The experiment MLflow clients log to when they name none (MLflow's experiment "0"). */
export const DEFAULT_EXPERIMENT = "Default";

export function checkExperimentName(name: string, path = "experiment"): void {
  if (name.trim() === "") throw validationFailed("experiment name must not be empty", [{ path, message: "must not be empty" }]);
  if (name.length > TRACKING_LIMITS.experimentNameLength) {
    throw validationFailed("experiment name is too long", [{ path, message: `at most ${TRACKING_LIMITS.experimentNameLength} characters` }]);
  }
}

/** Returns the project's experiment of that name, creating it on first use. */
export async function ensureExperiment(db: PrismaClient | Tx, projectId: string, name: string): Promise<{ id: number; name: string }> {
  checkExperimentName(name);
  return db.experiment.upsert({
    where: { projectId_name: { projectId, name } },
    create: { projectId, name },
    update: {},
    select: { id: true, name: true },
  });
}

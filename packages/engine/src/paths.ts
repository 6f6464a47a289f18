import path from "node:path";

/** Layout of the data directory. Everything a run writes lives under runs/<runId>/. */
export const dataPaths = {
  codeSnapshot: (dataDir: string, digest: string) => path.join(dataDir, "code", digest),
  runDir: (dataDir: string, runId: string) => path.join(dataDir, "runs", runId),
  workspace: (dataDir: string, runId: string) => path.join(dataDir, "runs", runId, "workspace"),
  stepOutputs: (dataDir: string, runId: string, step: string, attempt: number) =>
    path.join(dataDir, "runs", runId, "steps", step, `attempt-${attempt}`, "outputs"),
  stepScratch: (dataDir: string, runId: string, step: string, attempt: number) =>
    path.join(dataDir, "runs", runId, "steps", step, `attempt-${attempt}`),
};

/**
 * What an attempt ran in, stored content-addressed in the Environment table (many attempts
 * share one) and linked from StepAttempt.environmentDigest. Workers record it; the API shows it.
 */
export interface PythonEnvironment {
  executable: string;
  version: string;
  implementation: string;
  /** Installed distributions and their versions. */
  packages: Record<string, string>;
}

export type EnvironmentInfo =
  | { executor: "shared"; hostname: string; os: string; arch: string; python: PythonEnvironment | null }
  | { executor: "container"; image: string; imageId: string; repoDigests: string[]; python: PythonEnvironment | null };

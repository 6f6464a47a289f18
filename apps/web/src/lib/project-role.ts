"use client";

import type { ProjectRole } from "./api-types";
import { can, type Capability } from "./auth";
import { useProject } from "./queries";

export interface ProjectAccess {
  /** The caller's role; null while it loads or when the project cannot be read. */
  role: ProjectRole | null;
  /** Whether the caller may `what` on this project. False until the role is known. */
  can: (what: Capability) => boolean;
}

/**
 * The caller's role on `project`, for hiding what the role cannot do. The API enforces every
 * rule itself; this only keeps the UI from offering buttons that would be refused. Nothing is
 * offered before the role arrives, so a viewer never sees a button appear and vanish. `null`:
 * no project (nothing is allowed).
 */
export function useProjectRole(project: string | null): ProjectAccess {
  const role = useProject(project ?? "", project !== null).data?.role ?? null;
  return { role, can: (what) => can(role, what) };
}

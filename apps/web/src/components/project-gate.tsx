"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { ApiError } from "@/lib/api";
import { useProject } from "@/lib/queries";

/**
 * Every page of a project: when the API says the project does not exist (which is also its answer
 * for a project the user is not a member of), one "not found" page replaces the page's own
 * errors. The page renders meanwhile, so its data loads in parallel with the project's.
 */
export function ProjectGate({ project, children }: { project: string; children: ReactNode }) {
  const { error } = useProject(project);
  if (error instanceof ApiError && error.isNotFound) return <ProjectNotFound project={project} />;
  return <>{children}</>;
}

function ProjectNotFound({ project }: { project: string }) {
  return (
    <div className="mx-auto flex max-w-md flex-col items-center px-6 py-24 text-center" data-testid="project-not-found">
      <p className="font-mono text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">Project not found</h1>
      <p className="mt-2 text-sm break-words text-slate-500">
        There is no project “{project}”, or you are not a member of it. A project admin can add you.
      </p>
      <Link href="/" className="mt-6 text-sm font-medium text-indigo-600 hover:underline">
        Go to your projects
      </Link>
    </div>
  );
}

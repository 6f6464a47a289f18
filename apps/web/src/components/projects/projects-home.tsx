"use client";

import Link from "next/link";
import { useState } from "react";
import { useProjects } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { PageContainer, PageHeader } from "../page-header";
import { RoleBadge } from "../role-badge";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { EmptyState, ErrorState, Skeleton } from "../ui/feedback";
import { FolderIcon, PlusIcon } from "../ui/icons";
import { NewProjectDialog } from "./new-project-dialog";

/** The home page: the projects the user can see (the API lists no others), with the user's role in each. */
export function ProjectsHome() {
  const projects = useProjects();
  const [newOpen, setNewOpen] = useState(false);
  const items = projects.data?.items ?? [];

  return (
    <PageContainer className="max-w-5xl">
      <PageHeader
        title="Projects"
        description="The projects you can open, and your role in each."
        actions={
          items.length > 0 ? (
            <Button variant="primary" onClick={() => setNewOpen(true)}>
              <PlusIcon /> New project
            </Button>
          ) : null
        }
      />
      {projects.isPending ? (
        <div className="grid gap-3 sm:grid-cols-2">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-24 rounded-xl" />
          ))}
        </div>
      ) : projects.error ? (
        <div className="rounded-xl border border-slate-200 bg-white">
          <ErrorState error={projects.error} onRetry={() => void projects.refetch()} />
        </div>
      ) : items.length === 0 ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white" data-testid="no-projects">
          <EmptyState icon={<FolderIcon />} title="No projects yet">
            <p>You are not a member of any project yet. Ask a project admin to add you, or create one.</p>
            <Button variant="primary" className="mt-5" onClick={() => setNewOpen(true)}>
              <PlusIcon /> Create project
            </Button>
          </EmptyState>
        </div>
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2" aria-label="Your projects">
          {items.map((p) => (
            <li key={p.id}>
              <Link
                href={projectPath(p.name, "runs")}
                data-testid="project-card"
                data-project={p.name}
                className="group flex h-full flex-col rounded-xl border border-slate-200 bg-white p-4 shadow-xs transition-colors hover:border-indigo-300 hover:bg-indigo-50/30"
              >
                <span className="flex items-center justify-between gap-3">
                  <span className="flex min-w-0 items-center gap-2">
                    <FolderIcon className="shrink-0 text-[16px] text-indigo-500" />
                    <span className="truncate font-medium text-slate-900 group-hover:text-indigo-700">{p.name}</span>
                  </span>
                  <RoleBadge role={p.role} />
                </span>
                <span className="mt-1.5 line-clamp-2 text-sm text-slate-500">{p.description || "No description."}</span>
                <span className="mt-auto pt-3 text-xs text-slate-400">
                  Created <RelativeTime iso={p.createdAt} />
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      <NewProjectDialog open={newOpen} onClose={() => setNewOpen(false)} />
    </PageContainer>
  );
}

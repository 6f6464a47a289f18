"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { can } from "@/lib/auth";
import { cn } from "@/lib/cn";
import { projectPath } from "@/lib/route-params";
import { useProjects } from "@/lib/queries";
import { useDismiss } from "@/lib/use-dismiss";
import { RoleBadge } from "./role-badge";
import { CheckIcon, ChevronDownIcon } from "./ui/icons";
import { Spinner } from "./ui/feedback";

export type ProjectSection = "pipelines" | "runs" | "experiments" | "models" | "schedules" | "settings";

/** The projects the user can see (the API lists no others), each with the user's role. */
export function ProjectSwitcher({ project, section }: { project: string | null; section: ProjectSection }) {
  const router = useRouter();
  const { data, isPending, error } = useProjects();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);

  useDismiss(open, rootRef, setOpen);

  const projects = data?.items ?? [];
  const current = projects.find((p) => p.name === project);

  return (
    <div ref={rootRef} className="relative min-w-0">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={project ? `Project: ${project}. Switch project` : "Choose a project"}
        data-testid="project-switcher"
        className="flex h-8 max-w-full items-center gap-1.5 rounded-lg px-2 text-sm font-medium text-slate-700 ring-1 ring-slate-200 ring-inset hover:bg-slate-50 sm:max-w-[16rem] xl:max-w-[20rem]"
      >
        {project ? <span className="hidden text-slate-400 lg:inline">Project</span> : null}
        <span className="min-w-0 truncate">{project ?? "Projects"}</span>
        {/* Why some actions are missing: the role, where there is room for it. */}
        {current ? (
          <span className="hidden xl:inline-flex">
            <RoleBadge role={current.role} />
          </span>
        ) : null}
        <ChevronDownIcon className="shrink-0 text-slate-400" />
      </button>
      {open ? (
        <div
          role="listbox"
          aria-label="Projects"
          className="absolute top-full left-0 z-50 mt-1.5 w-72 max-w-[calc(100vw-1.5rem)] overflow-hidden rounded-xl border border-slate-200 bg-white py-1 shadow-lg"
        >
          <div className="px-3 pt-1.5 pb-1 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">Your projects</div>
          {isPending ? (
            <div className="flex items-center gap-2 px-3 py-2 text-sm text-slate-500">
              <Spinner className="size-3" /> Loading…
            </div>
          ) : error ? (
            <div className="px-3 py-2 text-sm text-red-600">{error.message}</div>
          ) : projects.length === 0 ? (
            <div className="px-3 py-2 text-sm text-slate-500">You are not a member of any project yet.</div>
          ) : (
            <div className="max-h-80 overflow-y-auto">
              {projects.map((p) => {
                const selected = p.name === project;
                // Settings are for admins: anyone else lands on the project's runs.
                const target = section === "settings" && !can(p.role, "admin") ? "runs" : section;
                return (
                  <button
                    key={p.id}
                    type="button"
                    role="option"
                    aria-selected={selected}
                    data-testid="project-option"
                    data-project={p.name}
                    onClick={() => {
                      setOpen(false);
                      if (!selected) router.push(projectPath(p.name, target));
                    }}
                    className={cn("flex w-full items-start gap-2 px-3 py-2 text-left hover:bg-slate-50", selected && "bg-indigo-50/60")}
                  >
                    <span className="mt-0.5 w-4 shrink-0 text-indigo-600">{selected ? <CheckIcon /> : null}</span>
                    <span className="min-w-0 flex-1">
                      <span className="flex items-center justify-between gap-2">
                        <span className="truncate text-sm font-medium text-slate-800">{p.name}</span>
                        <RoleBadge role={p.role} />
                      </span>
                      {p.description ? <span className="block truncate text-xs text-slate-500">{p.description}</span> : null}
                    </span>
                  </button>
                );
              })}
            </div>
          )}
          <div className="border-t border-slate-100 px-3 py-2">
            <Link href="/" onClick={() => setOpen(false)} className="text-xs font-medium text-indigo-600 hover:underline">
              All projects
            </Link>
          </div>
        </div>
      ) : null}
    </div>
  );
}

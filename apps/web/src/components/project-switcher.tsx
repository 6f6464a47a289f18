"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { cn } from "@/lib/cn";
import { projectPath } from "@/lib/route-params";
import { useProjects } from "@/lib/queries";
import { useDismiss } from "@/lib/use-dismiss";
import { CheckIcon, ChevronDownIcon } from "./ui/icons";
import { Spinner } from "./ui/feedback";

export function ProjectSwitcher({ project, section }: { project: string; section: "pipelines" | "runs" | "experiments" | "models" | "schedules" }) {
  const router = useRouter();
  const { data, isPending, error } = useProjects();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);

  useDismiss(open, rootRef, setOpen);

  const projects = data?.items ?? [];

  return (
    <div ref={rootRef} className="relative">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={`Project: ${project}. Switch project`}
        className="flex h-8 max-w-[11rem] items-center gap-1.5 rounded-lg px-2 text-sm font-medium text-slate-700 ring-1 ring-slate-200 ring-inset hover:bg-slate-50 sm:max-w-[16rem]"
      >
        <span className="hidden text-slate-400 sm:inline">Project</span>
        <span className="truncate">{project}</span>
        <ChevronDownIcon className="shrink-0 text-slate-400" />
      </button>
      {open ? (
        <div
          role="listbox"
          aria-label="Projects"
          className="absolute top-full left-0 z-50 mt-1.5 w-72 overflow-hidden rounded-xl border border-slate-200 bg-white py-1 shadow-lg"
        >
          <div className="px-3 pt-1.5 pb-1 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">
            Projects
          </div>
          {isPending ? (
            <div className="flex items-center gap-2 px-3 py-2 text-sm text-slate-500">
              <Spinner className="size-3" /> Loading…
            </div>
          ) : error ? (
            <div className="px-3 py-2 text-sm text-red-600">{error.message}</div>
          ) : projects.length === 0 ? (
            <div className="px-3 py-2 text-sm text-slate-500">No projects</div>
          ) : (
            <div className="max-h-80 overflow-y-auto">
              {projects.map((p) => {
                const selected = p.name === project;
                return (
                  <button
                    key={p.id}
                    type="button"
                    role="option"
                    aria-selected={selected}
                    onClick={() => {
                      setOpen(false);
                      if (!selected) router.push(projectPath(p.name, section));
                    }}
                    className={cn(
                      "flex w-full items-start gap-2 px-3 py-2 text-left hover:bg-slate-50",
                      selected && "bg-indigo-50/60",
                    )}
                  >
                    <span className="mt-0.5 w-4 shrink-0 text-indigo-600">{selected ? <CheckIcon /> : null}</span>
                    <span className="min-w-0">
                      <span className="block truncate text-sm font-medium text-slate-800">{p.name}</span>
                      {p.description ? (
                        <span className="block truncate text-xs text-slate-500">{p.description}</span>
                      ) : null}
                    </span>
                  </button>
                );
              })}
            </div>
          )}
        </div>
      ) : null}
    </div>
  );
}

"use client";

import Link from "next/link";
import { useParams, usePathname } from "next/navigation";
import { useState } from "react";
import { cn } from "@/lib/cn";
import { decodeParam, projectPath } from "@/lib/route-params";
import { ActorMenu } from "./actor-menu";
import { ProjectSwitcher } from "./project-switcher";
import { CalendarIcon, FlaskIcon, ModelIcon, PipelineIcon, RunsIcon, ServerIcon, TrellisLogo } from "./ui/icons";

export const DEFAULT_PROJECT = "default";

export function TopNav() {
  const params = useParams<{ project?: string }>();
  const pathname = usePathname();
  const routeProject = params.project ? decodeParam(params.project) : null;
  // Pages outside a project (workers) keep the project the user came from (the nav outlives navigations).
  const [lastProject, setLastProject] = useState(routeProject ?? DEFAULT_PROJECT);
  if (routeProject && routeProject !== lastProject) setLastProject(routeProject);
  const project = routeProject ?? lastProject;
  const onWorkers = pathname === "/workers" || pathname.startsWith("/workers/");
  const section = pathname.includes("/pipelines")
    ? "pipelines"
    : pathname.includes("/experiments") || pathname.includes("/compare")
      ? "experiments"
      : pathname.includes("/models")
        ? "models"
        : pathname.includes("/schedules")
          ? "schedules"
          : "runs";

  const links = [
    { href: projectPath(project, "pipelines"), label: "Pipelines", icon: PipelineIcon, active: section === "pipelines" },
    { href: projectPath(project, "experiments"), label: "Experiments", icon: FlaskIcon, active: section === "experiments" },
    { href: projectPath(project, "runs"), label: "Runs", icon: RunsIcon, active: section === "runs" && pathname.includes("/runs") },
    { href: projectPath(project, "schedules"), label: "Schedules", icon: CalendarIcon, active: section === "schedules" },
    { href: projectPath(project, "models"), label: "Models", icon: ModelIcon, active: section === "models" },
  ];
  const linkClass = (active: boolean) =>
    cn(
      "flex h-8 items-center gap-1.5 rounded-lg px-2.5 text-sm font-medium transition-colors",
      active ? "bg-indigo-50 text-indigo-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
    );

  return (
    <header className="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-[1600px] items-center gap-3 px-4 sm:gap-5 sm:px-6">
        <Link href={projectPath(project, "runs")} className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
          <TrellisLogo className="text-[26px]" />
          <span className="hidden sm:inline">Trellis</span>
        </Link>
        <ProjectSwitcher project={project} section={section} />
        <nav className="flex items-center gap-1" aria-label="Main">
          {links.map(({ href, label, icon: Icon, active }) => (
            <Link
              key={label}
              href={href}
              aria-current={active ? "page" : undefined}
              aria-label={label}
              className={linkClass(active)}
            >
              <Icon className="text-[15px]" />
              {/* Icons only on phones: the header must fit 360 px. */}
              <span className="hidden sm:inline">{label}</span>
            </Link>
          ))}
        </nav>
        {/* Workers serve every project: set apart from the project's sections. */}
        <div className="ml-auto flex items-center gap-2">
          <nav className="flex items-center" aria-label="Cluster">
            <Link href="/workers" aria-label="Workers" aria-current={onWorkers ? "page" : undefined} className={linkClass(onWorkers)}>
              <ServerIcon className="text-[15px]" />
              <span className="hidden sm:inline">Workers</span>
            </Link>
          </nav>
          {/* Who the registry's audit trail records (until sign-in arrives). */}
          <ActorMenu />
        </div>
      </div>
    </header>
  );
}

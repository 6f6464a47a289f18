"use client";

import Link from "next/link";
import { useParams, usePathname } from "next/navigation";
import { useState } from "react";
import { isAuthPage } from "@/lib/auth";
import { cn } from "@/lib/cn";
import { useProjectRole } from "@/lib/project-role";
import { useProjects } from "@/lib/queries";
import { decodeParam, projectPath } from "@/lib/route-params";
import { ProjectSwitcher, type ProjectSection } from "./project-switcher";
import { CalendarIcon, FlaskIcon, ModelIcon, PipelineIcon, RunsIcon, ServerIcon, SettingsIcon, TrellisLogo } from "./ui/icons";
import { UserMenu } from "./user-menu";

export function TopNav() {
  const pathname = usePathname();
  // The sign-in and setup pages stand alone (and have nobody signed in to show).
  if (isAuthPage(pathname)) return null;
  return <AppNav pathname={pathname} />;
}

function AppNav({ pathname }: { pathname: string }) {
  const params = useParams<{ project?: string }>();
  const routeProject = params.project ? decodeParam(params.project) : null;
  const projects = useProjects();
  // Pages outside a project (home, workers, account) keep the project the user came from (the
  // nav outlives navigations); before any, the first project the user can see.
  const [lastProject, setLastProject] = useState<string | null>(routeProject);
  if (routeProject && routeProject !== lastProject) setLastProject(routeProject);
  const project = routeProject ?? lastProject ?? projects.data?.items[0]?.name ?? null;
  const access = useProjectRole(project);
  const isAdmin = access.can("admin");

  const onWorkers = pathname === "/workers" || pathname.startsWith("/workers/");
  const inProject = routeProject !== null;
  const section: ProjectSection = !inProject
    ? "runs"
    : pathname.includes("/settings")
      ? "settings"
      : pathname.includes("/pipelines")
        ? "pipelines"
        : pathname.includes("/experiments") || pathname.includes("/compare")
          ? "experiments"
          : pathname.includes("/models")
            ? "models"
            : pathname.includes("/schedules")
              ? "schedules"
              : "runs";

  const links = project
    ? [
        { href: projectPath(project, "pipelines"), label: "Pipelines", icon: PipelineIcon, active: inProject && section === "pipelines" },
        { href: projectPath(project, "experiments"), label: "Experiments", icon: FlaskIcon, active: inProject && section === "experiments" },
        { href: projectPath(project, "runs"), label: "Runs", icon: RunsIcon, active: inProject && section === "runs" && pathname.includes("/runs") },
        { href: projectPath(project, "schedules"), label: "Schedules", icon: CalendarIcon, active: inProject && section === "schedules" },
        { href: projectPath(project, "models"), label: "Models", icon: ModelIcon, active: inProject && section === "models" },
      ]
    : [];
  const linkClass = (active: boolean) =>
    cn(
      "flex h-8 shrink-0 items-center gap-1.5 rounded-lg px-2 text-sm font-medium transition-colors sm:px-2.5",
      active ? "bg-indigo-50 text-indigo-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
    );
  const onSettings = inProject && section === "settings";

  return (
    <header className="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-[1600px] items-center gap-2 px-3 sm:gap-5 sm:px-6">
        <Link href="/" aria-label="Trellis: your projects" className="flex shrink-0 items-center gap-2 font-semibold tracking-tight text-slate-900">
          <TrellisLogo className="text-[26px]" />
          <span className="hidden lg:inline">Trellis</span>
        </Link>
        <ProjectSwitcher project={project} section={section} />
        {/* The sections never shrink (on phones they are icons); the project name gives way instead. */}
        {links.length > 0 ? (
          <nav className="flex shrink-0 items-center gap-0.5 sm:gap-1" aria-label="Main">
            {links.map(({ href, label, icon: Icon, active }) => (
              <Link key={label} href={href} aria-current={active ? "page" : undefined} aria-label={label} className={linkClass(active)}>
                <Icon className="text-[15px]" />
                {/* Icons only on small screens: the header must fit 360 px. */}
                <span className="hidden md:inline">{label}</span>
              </Link>
            ))}
            {/* Project administration; on phones it is in the user menu. */}
            {project && isAdmin ? (
              <Link
                href={projectPath(project, "settings")}
                aria-current={onSettings ? "page" : undefined}
                aria-label="Settings"
                data-testid="project-settings-link"
                className={cn(linkClass(onSettings), "hidden sm:flex")}
              >
                <SettingsIcon className="text-[15px]" />
                <span className="hidden md:inline">Settings</span>
              </Link>
            ) : null}
          </nav>
        ) : null}
        {/* Workers serve every project: set apart from the project's sections. */}
        <div className="ml-auto flex shrink-0 items-center gap-2">
          <nav className="hidden items-center sm:flex" aria-label="Cluster">
            <Link href="/workers" aria-label="Workers" aria-current={onWorkers ? "page" : undefined} className={linkClass(onWorkers)}>
              <ServerIcon className="text-[15px]" />
              <span className="hidden md:inline">Workers</span>
            </Link>
          </nav>
          <UserMenu settingsProject={project && isAdmin ? project : null} />
        </div>
      </div>
    </header>
  );
}

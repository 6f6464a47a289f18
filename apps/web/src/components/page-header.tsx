import Link from "next/link";
import type { ReactNode } from "react";
import { cn } from "@/lib/cn";
import { projectPath } from "@/lib/route-params";

export function PageContainer({ children, className }: { children: ReactNode; className?: string }) {
  return <div className={cn("mx-auto w-full max-w-[1600px] px-4 py-6 sm:px-6", className)}>{children}</div>;
}

export function PageHeader({
  title,
  description,
  actions,
  breadcrumb,
  meta,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  breadcrumb?: ReactNode;
  meta?: ReactNode;
}) {
  return (
    <div className="mb-5">
      {breadcrumb ? <div className="mb-1.5 text-sm text-slate-500">{breadcrumb}</div> : null}
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2.5 text-xl font-semibold tracking-tight text-slate-900">{title}</h1>
          {description ? <div className="mt-1 max-w-3xl text-sm text-slate-500">{description}</div> : null}
          {meta ? <div className="mt-2">{meta}</div> : null}
        </div>
        {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
      </div>
    </div>
  );
}

/** Breadcrumb root of the experiment and compare pages. */
export function ExperimentsBreadcrumb({ project }: { project: string }) {
  return (
    <Link href={projectPath(project, "experiments")} className="hover:text-slate-800">
      Experiments
    </Link>
  );
}

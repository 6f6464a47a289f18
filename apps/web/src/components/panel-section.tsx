import type { ReactNode } from "react";
import { cn } from "@/lib/cn";
import { ChevronRightIcon } from "./ui/icons";

/** A titled section of the step panel. */
export function Section({ title, children, actions, testId }: { title: string; children: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <section className="border-t border-slate-100 px-5 py-4" data-testid={testId}>
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** A section of the step panel that opens on a click; `children` render (and fetch) only while open. */
export function CollapsibleSection({
  title,
  open,
  onToggle,
  summary,
  children,
  testId,
}: {
  title: string;
  open: boolean;
  onToggle: () => void;
  /** Shown next to the title (e.g. a short digest). */
  summary?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="border-t border-slate-100 px-5 py-4" data-testid={testId} data-open={open}>
      <button
        type="button"
        onClick={onToggle}
        aria-expanded={open}
        className="group -mx-1 flex w-[calc(100%+0.5rem)] items-center justify-between gap-2 rounded-md px-1 py-0.5 text-left hover:bg-slate-50"
      >
        <span className="flex items-center gap-1.5">
          <ChevronRightIcon className={cn("text-xs text-slate-400 transition-transform", open && "rotate-90")} />
          <span className="text-xs font-semibold tracking-wide text-slate-500 uppercase group-hover:text-slate-700">{title}</span>
        </span>
        {summary}
      </button>
      {open ? <div className="mt-3">{children}</div> : null}
    </section>
  );
}

"use client";

import type { ReactNode } from "react";
import { useEffect, useId, useRef } from "react";
import { cn } from "@/lib/cn";
import { XIcon } from "./icons";

/**
 * Modal built on the native <dialog> element: focus trapping, Esc-to-close and top-layer
 * stacking come from the browser. `variant="drawer"` slides in from the right.
 * Children are only mounted while open, so forms inside reset on every open.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  variant = "modal",
  className,
  bodyClassName = "px-5 py-4",
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  variant?: "modal" | "drawer";
  className?: string;
  bodyClassName?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      onClose={onClose}
      onCancel={(e) => {
        // Let the parent own the open state (it may decide not to close, e.g. while submitting).
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // A click on the dialog element itself (not its content) is a click on the backdrop.
        if (e.target === e.currentTarget) onClose();
      }}
      aria-labelledby={titleId}
      className={cn(
        "bg-transparent p-0 text-slate-900 backdrop:bg-slate-900/40",
        variant === "drawer"
          ? "m-0 ml-auto h-dvh max-h-dvh w-full max-w-xl"
          : "m-auto w-[calc(100%-2rem)] max-w-md",
        className,
      )}
    >
      {open ? (
        <div
          className={cn(
            "flex flex-col bg-white shadow-2xl",
            variant === "drawer" ? "h-full" : "max-h-[85dvh] rounded-xl",
          )}
        >
          <div className="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4">
            <div className="min-w-0">
              <h2 id={titleId} className="text-base font-semibold text-slate-900">
                {title}
              </h2>
              {description ? <div className="mt-0.5 text-sm text-slate-500">{description}</div> : null}
            </div>
            <button
              type="button"
              onClick={onClose}
              className="-mr-1 rounded-md p-1 text-lg text-slate-400 hover:bg-slate-100 hover:text-slate-700"
              aria-label="Close"
            >
              <XIcon />
            </button>
          </div>
          <div className={cn("min-h-0 flex-1 overflow-y-auto", bodyClassName)}>{children}</div>
          {footer ? (
            <div className="flex items-center justify-end gap-2 border-t border-slate-200 bg-slate-50/70 px-5 py-3">
              {footer}
            </div>
          ) : null}
        </div>
      ) : null}
    </dialog>
  );
}

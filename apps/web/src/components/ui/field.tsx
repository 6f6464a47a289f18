import type { ReactNode } from "react";
import { cn } from "@/lib/cn";
import { AlertIcon } from "./icons";

/** Text inputs, textareas and selects, without width and padding (for controls that set their own). */
export const fieldBaseClass =
  "rounded-lg border border-slate-300 bg-white text-sm text-slate-900 shadow-xs placeholder:text-slate-400 " +
  "focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none disabled:bg-slate-50 disabled:text-slate-500";

/** Text inputs, textareas and selects of forms: full width. */
export const fieldClass = `block w-full px-3 py-2 ${fieldBaseClass}`;

/** The same field, marked invalid (important: it must beat the base border colours). */
export const invalidFieldClass = "border-red-400! focus:border-red-500! focus:ring-red-500/20!";

/** A labelled form field with optional hint and error (the error replaces the hint). */
export function Field({
  label,
  htmlFor,
  hint,
  error,
  optional,
  children,
  className,
}: {
  label: ReactNode;
  htmlFor: string;
  hint?: ReactNode;
  error?: ReactNode;
  optional?: boolean;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={className}>
      <label htmlFor={htmlFor} className="mb-1.5 flex items-baseline gap-1.5 text-sm font-medium text-slate-800">
        {label}
        {optional ? <span className="text-xs font-normal text-slate-400">optional</span> : null}
      </label>
      {children}
      {error ? (
        <p className="mt-1.5 flex items-start gap-1 text-xs font-medium text-red-600" role="alert">
          <AlertIcon className="mt-px shrink-0" /> <span className="min-w-0 break-words">{error}</span>
        </p>
      ) : hint ? (
        <p className="mt-1 text-xs text-slate-500">{hint}</p>
      ) : null}
    </div>
  );
}

/** A checkbox with its label (and an optional line of explanation). */
export function Checkbox({
  checked,
  onChange,
  label,
  description,
  disabled,
  id,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: ReactNode;
  description?: ReactNode;
  disabled?: boolean;
  id?: string;
}) {
  return (
    <label className={cn("flex cursor-pointer items-start gap-2.5", disabled && "cursor-not-allowed opacity-60")}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
        className="mt-0.5 size-4 shrink-0 rounded border-slate-300 text-indigo-600 accent-indigo-600 focus:ring-indigo-500"
      />
      <span className="min-w-0">
        <span className="block text-sm font-medium text-slate-800">{label}</span>
        {description ? <span className="mt-0.5 block text-xs text-slate-500">{description}</span> : null}
      </span>
    </label>
  );
}

/** The submit row of a form inside a Dialog's body: stays at the bottom while the form scrolls. */
export function FormFooter({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <div
      className={cn(
        "sticky bottom-0 -mx-5 -mb-4 flex flex-wrap items-center justify-end gap-2 border-t border-slate-200 bg-slate-50/95 px-5 py-3 backdrop-blur",
        className,
      )}
    >
      {children}
    </div>
  );
}

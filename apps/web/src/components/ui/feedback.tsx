"use client";

import type { ReactNode } from "react";
import { useState } from "react";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { Button } from "./button";
import { AlertIcon, CheckIcon, CopyIcon, RefreshIcon } from "./icons";

export function Spinner({ className }: { className?: string }) {
  return (
    <span
      role="status"
      aria-label="Loading"
      className={cn("inline-block size-4 animate-spin rounded-full border-2 border-current border-r-transparent", className)}
    />
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded-md bg-slate-200/80", className)} />;
}

export function Card({ className, children }: { className?: string; children: ReactNode }) {
  return <div className={cn("rounded-xl border border-slate-200 bg-white shadow-xs", className)}>{children}</div>;
}

export function CardHeader({ title, actions, className }: { title: ReactNode; actions?: ReactNode; className?: string }) {
  return (
    <div className={cn("flex items-center justify-between gap-3 border-b border-slate-100 px-4 py-2.5", className)}>
      <h2 className="text-sm font-semibold text-slate-800">{title}</h2>
      {actions}
    </div>
  );
}

export function EmptyState({
  icon,
  title,
  children,
  className,
}: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  className?: string;
}) {
  return (
    <div className={cn("flex flex-col items-center justify-center px-6 py-14 text-center", className)}>
      {icon ? (
        <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-indigo-50 text-2xl text-indigo-600">
          {icon}
        </div>
      ) : null}
      <h3 className="text-base font-semibold text-slate-900">{title}</h3>
      {children ? <div className="mt-2 max-w-lg text-sm text-slate-500">{children}</div> : null}
    </div>
  );
}

/** Title for an error, in words a user understands. */
function errorTitle(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.isUnreachable) return "Can't reach the Trellis API";
    if (error.status === 404) return "Not found";
    if (error.status === 400 || error.status === 422) return "The request was rejected";
    if (error.status === 409) return "Conflict";
    if (error.status >= 500) return "The server hit an error";
  }
  return "Something went wrong";
}

/** Renders an API error: its message, and the issues list when the API provided one. */
export function ErrorMessage({ error, className }: { error: unknown; className?: string }) {
  const message = error instanceof Error ? error.message : String(error);
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div role="alert" className={cn("rounded-lg border border-red-200 bg-red-50 px-3.5 py-3 text-sm text-red-800", className)}>
      <div className="flex gap-2">
        <AlertIcon className="mt-0.5 shrink-0 text-base text-red-500" />
        <div className="min-w-0">
          <p className="font-medium break-words">{message}</p>
          {issues.length > 0 ? (
            <ul className="mt-1.5 list-disc space-y-0.5 pl-4 text-red-700">
              {issues.map((issue, i) => (
                <li key={i}>
                  {issue.path ? <code className="rounded bg-red-100 px-1 font-mono text-xs">{issue.path}</code> : null}{" "}
                  {issue.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      </div>
    </div>
  );
}

export function ErrorState({
  error,
  onRetry,
  title,
  className,
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
  className?: string;
}) {
  const message = error instanceof Error ? error.message : String(error);
  const issues = error instanceof ApiError ? error.issues : [];
  const code = error instanceof ApiError && error.status > 0 ? `${error.status} · ${error.code}` : null;
  return (
    <div role="alert" className={cn("flex flex-col items-center px-6 py-12 text-center", className)}>
      <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-red-50 text-2xl text-red-500">
        <AlertIcon />
      </div>
      <h3 className="text-base font-semibold text-slate-900">{title ?? errorTitle(error)}</h3>
      <p className="mt-1.5 max-w-lg text-sm break-words text-slate-600">{message}</p>
      {issues.length > 0 ? (
        <ul className="mt-3 max-w-lg space-y-1 text-left text-sm text-slate-600">
          {issues.map((issue, i) => (
            <li key={i}>
              <code className="rounded bg-slate-100 px-1 font-mono text-xs">{issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
      {code ? <p className="mt-2 font-mono text-xs text-slate-400">{code}</p> : null}
      {/* Retrying a definitive 4xx (not found, invalid request) can't change the answer. */}
      {onRetry && !(error instanceof ApiError && error.isClientError && error.status !== 408 && error.status !== 429) ? (
        <Button className="mt-5" onClick={onRetry}>
          <RefreshIcon /> Try again
        </Button>
      ) : null}
    </div>
  );
}

/** Copies text to the clipboard; `copied` is true for a moment after a copy succeeded. */
export function useCopy(): { copied: boolean; copy: (text: string) => void } {
  const [copied, setCopied] = useState(false);
  const copy = (text: string) => {
    // Clipboard is unavailable on insecure origins (plain http on a LAN host): fail quietly.
    navigator.clipboard?.writeText(text).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      () => undefined,
    );
  };
  return { copied, copy };
}

export function CopyButton({
  text,
  label = "Copy",
  iconOnly = false,
  className,
}: {
  text: string;
  label?: string;
  iconOnly?: boolean;
  className?: string;
}) {
  const { copied, copy } = useCopy();
  return (
    <button
      type="button"
      className={cn(
        "inline-flex items-center gap-1 rounded-md px-1.5 py-1 text-xs text-slate-500 hover:bg-slate-100 hover:text-slate-800",
        className,
      )}
      onClick={() => copy(text)}
      aria-label={`${label} to clipboard`}
      title={iconOnly ? label : undefined}
    >
      {copied ? <CheckIcon className="text-emerald-600" /> : <CopyIcon />}
      {iconOnly ? null : copied ? "Copied" : label}
    </button>
  );
}

export function CodeSnippet({ code }: { code: string }) {
  return (
    <div className="flex items-center justify-between gap-3 rounded-lg bg-slate-900 py-2 pr-2 pl-3.5 text-left font-mono text-[13px] text-slate-100">
      <code className="min-w-0 break-words whitespace-pre-wrap">
        <span className="text-slate-500 select-none">$ </span>
        {code}
      </code>
      <CopyButton text={code} className="text-slate-400 hover:bg-slate-800 hover:text-white" />
    </div>
  );
}

/** The warning above a secret the server shows only once (a token, a webhook's signing key). */
export function ShownOnceWarning({ children }: { children: ReactNode }) {
  return (
    <div className="flex gap-2 rounded-lg border border-amber-300 bg-amber-50 px-3.5 py-3 text-sm text-amber-900" role="alert">
      <AlertIcon className="mt-0.5 shrink-0 text-amber-600" />
      <p>{children}</p>
    </div>
  );
}

/** A secret value with a copy button, on the dark code background. */
export function SecretValue({ value, label, testId }: { value: string; label: string; testId: string }) {
  return (
    <div className="flex items-center gap-2 rounded-lg bg-slate-900 py-2 pr-2 pl-3.5">
      <code className="min-w-0 flex-1 font-mono text-[13px] break-all text-slate-100" data-testid={testId}>
        {value}
      </code>
      <CopyButton text={value} label={label} className="shrink-0 text-slate-300 hover:bg-slate-800 hover:text-white" />
    </div>
  );
}

export function TableSkeleton({ rows = 6 }: { rows?: number }) {
  return (
    <div className="divide-y divide-slate-100" aria-busy="true" aria-label="Loading">
      <div className="bg-slate-50/80 px-4 py-3">
        <Skeleton className="h-3 w-40" />
      </div>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-6 px-4 py-3.5">
          <Skeleton className="h-5 w-20 rounded-full" />
          <Skeleton className="h-4 w-44" />
          <Skeleton className="h-4 w-24" />
          <Skeleton className="hidden h-4 w-32 sm:block" />
        </div>
      ))}
    </div>
  );
}

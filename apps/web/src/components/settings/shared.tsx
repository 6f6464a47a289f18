"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type ComponentType, type ReactNode, type SVGProps } from "react";
import { ApiError } from "@/lib/api";
import { signInHref } from "@/lib/auth";
import type { ApiIssue } from "@/lib/api-types";
import { ROLE_HELP } from "@/lib/access-format";
import { ROLES, type Role } from "@/lib/auth";
import { cn } from "@/lib/cn";
import { Button } from "../ui/button";
import { ErrorMessage, ErrorState, Spinner } from "../ui/feedback";
import { fieldBaseClass } from "../ui/field";

// ---------------------------------------------------------------- icons (same 24px stroke style as ui/icons)

type IconProps = SVGProps<SVGSVGElement>;

function Svg({ children, ...props }: IconProps) {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" width="1em" height="1em" {...props}>
      {children}
    </svg>
  );
}

export const KeyIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="7.5" cy="15.5" r="4.5" />
    <path d="m10.7 12.3 9.3-9.3M16 7l3 3M14 9l2 2" />
  </Svg>
);
export const LockIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="4" y="10.5" width="16" height="10.5" rx="2" />
    <path d="M8 10.5V7a4 4 0 0 1 8 0v3.5" />
  </Svg>
);
export const UsersIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.6a3.5 3.5 0 0 1 0 6.8M18 14a6.5 6.5 0 0 1 3.5 6" />
  </Svg>
);

// ---------------------------------------------------------------- roles

const ROLE_STYLE: Record<Role, string> = {
  viewer: "bg-slate-50 text-slate-700 ring-slate-200",
  editor: "bg-sky-50 text-sky-700 ring-sky-200",
  admin: "bg-violet-50 text-violet-700 ring-violet-200",
};

export function RoleBadge({ role, className }: { role: Role; className?: string }) {
  return (
    <span
      data-role={role}
      title={`${role}: ${ROLE_HELP[role]}`}
      className={cn("inline-flex items-center rounded-full px-2 py-0.5 text-[11px] font-medium capitalize ring-1 ring-inset", ROLE_STYLE[role] ?? ROLE_STYLE.viewer, className)}
    >
      {role}
    </span>
  );
}

export function RoleSelect({
  value,
  onChange,
  roles = ROLES,
  id,
  disabled,
  className,
  label,
  size = "sm",
}: {
  value: Role;
  onChange: (role: Role) => void;
  roles?: readonly Role[];
  id?: string;
  disabled?: boolean;
  className?: string;
  /** Accessible name when there is no visible <label>. */
  label?: string;
  /** sm: inside a table row; md: next to a form's inputs and buttons. */
  size?: "sm" | "md";
}) {
  return (
    <select
      id={id}
      aria-label={label}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value as Role)}
      className={cn(fieldBaseClass, size === "sm" ? "h-8" : "h-9", "py-0 pr-7 pl-2.5 capitalize", className)}
    >
      {roles.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

// ---------------------------------------------------------------- URL-addressable tabs

export interface TabDef<T extends string> {
  key: T;
  label: string;
  icon: ComponentType<SVGProps<SVGSVGElement>>;
}

/** The tab named by `?tab=` (the first one when absent or unknown). */
export function useTab<T extends string>(tabs: readonly TabDef<T>[]): [T, (tab: T) => void] {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const first = tabs[0]!.key;
  const param = searchParams.get("tab");
  const tab = tabs.some((t) => t.key === param) ? (param as T) : first;
  const setTab = (next: T) => {
    const sp = new URLSearchParams(searchParams.toString());
    if (next === first) sp.delete("tab");
    else sp.set("tab", next);
    const qs = sp.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };
  return [tab, setTab];
}

export function TabBar<T extends string>({ tabs, tab, onChange, label }: { tabs: readonly TabDef<T>[]; tab: T; onChange: (tab: T) => void; label: string }) {
  return (
    <div className="mb-5 flex gap-1 overflow-x-auto border-b border-slate-200" role="tablist" aria-label={label}>
      {tabs.map(({ key, label: text, icon: Icon }) => (
        <button
          key={key}
          type="button"
          role="tab"
          aria-selected={tab === key}
          data-tab={key}
          onClick={() => onChange(key)}
          className={cn(
            // Icons only from sm up: four tabs' words alone fit a 360 px screen.
            "-mb-px inline-flex items-center gap-1.5 border-b-2 px-2 py-2 text-sm font-medium whitespace-nowrap transition-colors sm:px-3",
            tab === key ? "border-indigo-500 text-indigo-700" : "border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-800",
          )}
        >
          <Icon className="hidden text-[14px] sm:inline" />
          {text}
        </button>
      ))}
    </div>
  );
}

// ---------------------------------------------------------------- access errors

export const isUnauthenticated = (error: unknown) => error instanceof ApiError && error.status === 401;
export const isForbidden = (error: unknown) => error instanceof ApiError && error.status === 403;

/** A page (or section) the caller may not see: why, and what to do about it. */
export function NoAccess({ title, children, icon }: { title: string; children: ReactNode; icon?: ReactNode }) {
  return (
    <div className="flex flex-col items-center px-6 py-14 text-center" data-testid="no-access" role="status">
      <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-amber-50 text-2xl text-amber-600">{icon ?? <LockIcon />}</div>
      <h3 className="text-base font-semibold text-slate-900">{title}</h3>
      <div className="mt-2 max-w-lg text-sm text-slate-500">{children}</div>
    </div>
  );
}

export function SignInRequired({ next }: { next: string }) {
  return (
    <NoAccess title="Sign in to continue">
      <p>This page needs a signed-in user.</p>
      <Link href={signInHref(next)} className="mt-3 inline-block font-medium text-indigo-600 hover:underline">
        Sign in →
      </Link>
    </NoAccess>
  );
}

/**
 * A failed read: 401 asks to sign in, 403 explains who may see this (`forbidden`), anything
 * else is shown as the error it is.
 */
export function AccessErrorState({ error, forbidden, next, onRetry }: { error: unknown; forbidden: ReactNode; next: string; onRetry?: () => void }) {
  const pathname = usePathname();
  if (isUnauthenticated(error)) return <SignInRequired next={next || pathname} />;
  if (isForbidden(error)) return <>{forbidden}</>;
  return <ErrorState error={error} onRetry={onRetry} />;
}

// ---------------------------------------------------------------- errors of forms

/** Messages of the issues whose path matches, joined (for a field's error line). */
export function issueFor(error: unknown, path: RegExp): string | undefined {
  const issues: ApiIssue[] = error instanceof ApiError ? error.issues : [];
  return issues.filter((i) => path.test(i.path ?? "")).map((i) => i.message).join(" ") || undefined;
}

/** The form-level error: the message and every issue not shown next to a field (`shown`). */
export function FormError({ error, shown, className }: { error: unknown; shown: RegExp; className?: string }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) return <ErrorMessage error={error} className={className} />;
  const rest = error.issues.filter((i) => !shown.test(i.path ?? ""));
  // Every issue sits next to its field: the message would only repeat them.
  if (error.issues.length > 0 && rest.length === 0) return null;
  return <ErrorMessage error={new ApiError(error.status, error.code, error.message, rest)} className={className} />;
}

/**
 * The error of one table row, in a row of its own under it. Sticky on the left and no wider than
 * the screen, so it stays readable while a wide table is scrolled sideways on a phone.
 */
export function RowError({ error, colSpan }: { error: unknown; colSpan: number }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-4 pb-3">
        <div className="sticky left-4 max-w-[calc(100vw-5rem)]">
          <ErrorMessage error={error} />
        </div>
      </td>
    </tr>
  );
}

// ---------------------------------------------------------------- confirmations

/** A destructive button that asks once more in place (no dialog): "Revoke" → "Revoke? [Yes] [Cancel]". */
export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  pending,
  disabled,
  icon,
  ariaLabel,
  variant = "danger-outline",
}: {
  label: ReactNode;
  confirmLabel: ReactNode;
  question?: ReactNode;
  onConfirm: () => void;
  pending: boolean;
  disabled?: boolean;
  icon?: ReactNode;
  ariaLabel?: string;
  variant?: "danger-outline" | "ghost";
}) {
  const [asking, setAsking] = useState(false);
  if (asking || pending) {
    return (
      <span className="inline-flex flex-wrap items-center justify-end gap-1" data-testid="confirm">
        {question ? <span className="mr-1 text-xs text-slate-600">{question}</span> : null}
        <Button
          size="sm"
          variant="danger"
          disabled={pending}
          onClick={() => {
            onConfirm();
            setAsking(false);
          }}
        >
          {pending ? <Spinner className="size-3" /> : null} {confirmLabel}
        </Button>
        <Button size="sm" variant="ghost" disabled={pending} onClick={() => setAsking(false)}>
          Cancel
        </Button>
      </span>
    );
  }
  return (
    <Button size="sm" variant={variant} disabled={disabled} onClick={() => setAsking(true)} aria-label={ariaLabel}>
      {icon}
      {label}
    </Button>
  );
}

"use client";

import Link from "next/link";
import { useRef, useState, type ReactNode } from "react";
import { api } from "@/lib/api";
import { SIGN_IN_PATH } from "@/lib/auth";
import { cn } from "@/lib/cn";
import { useMe } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { useDismiss } from "@/lib/use-dismiss";
import { Spinner } from "./ui/feedback";
import { ServerIcon, SettingsIcon, ShieldIcon, SignOutIcon, UserIcon } from "./ui/icons";

/** Up to two letters for the avatar: from the name, else the email. */
function initials(name: string, email: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length >= 2) return `${words[0]![0]}${words[words.length - 1]![0]}`.toUpperCase();
  if (words.length === 1) return words[0]!.slice(0, 2).toUpperCase();
  return email.slice(0, 2).toUpperCase();
}

function MenuLink({ href, icon, children, className, onNavigate }: { href: string; icon: ReactNode; children: ReactNode; className?: string; onNavigate: () => void }) {
  return (
    <Link
      href={href}
      role="menuitem"
      onClick={onNavigate}
      className={cn("flex items-center gap-2.5 px-3 py-2 text-sm text-slate-700 hover:bg-slate-50 hover:text-slate-900", className)}
    >
      <span className="text-[15px] text-slate-400">{icon}</span>
      {children}
    </Link>
  );
}

/**
 * Who is signed in, and where to go from there: the account page, the admin pages (instance
 * admins), sign out. On phones it also holds what the top bar has no room for: Workers and the
 * project's settings (`settingsProject`: the current project, when the user administers it).
 */
export function UserMenu({ settingsProject }: { settingsProject: string | null }) {
  const me = useMe().data;
  const [open, setOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  useDismiss(open, rootRef, setOpen);

  const user = me?.user ?? null;
  const label = user ? user.name || user.email : (me?.token?.name ?? "");

  const signOut = async () => {
    setSigningOut(true);
    try {
      await api.signOut();
    } catch {
      // Already signed out (expired session) or the API is away: the sign-in page is right either way.
    }
    // A full page load drops every cached answer of this user.
    window.location.assign(SIGN_IN_PATH);
  };

  return (
    <div ref={rootRef} className="relative">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        aria-haspopup="menu"
        aria-label={me ? `Signed in as ${label}. Account menu` : "Account menu"}
        data-testid="user-menu-button"
        className="flex h-8 max-w-[14rem] items-center gap-2 rounded-full py-0.5 pr-0.5 pl-0.5 text-sm font-medium text-slate-700 ring-1 ring-slate-200 ring-inset hover:bg-slate-50 md:pr-3"
      >
        <span
          aria-hidden="true"
          className="flex size-7 shrink-0 items-center justify-center rounded-full bg-indigo-600 text-[11px] font-semibold text-white"
        >
          {user ? initials(user.name, user.email) : <UserIcon className="text-[14px]" />}
        </span>
        <span className="hidden truncate md:inline">{label}</span>
      </button>
      {open ? (
        <div
          role="menu"
          aria-label="Account"
          data-testid="user-menu"
          className="absolute top-full right-0 z-50 mt-1.5 w-72 max-w-[calc(100vw-2rem)] overflow-hidden rounded-xl border border-slate-200 bg-white py-1 shadow-lg"
        >
          <div className="border-b border-slate-100 px-3 pt-2 pb-2.5">
            {me ? (
              <>
                <div className="flex items-center gap-2">
                  <p className="min-w-0 truncate text-sm font-semibold text-slate-900" data-testid="user-menu-name">
                    {user ? user.name || user.email : label}
                  </p>
                  {user?.instanceAdmin ? (
                    <span
                      data-testid="instance-admin-badge"
                      className="inline-flex shrink-0 items-center gap-1 rounded-full bg-amber-50 px-1.5 py-px text-[11px] font-medium text-amber-800 ring-1 ring-amber-200 ring-inset"
                    >
                      <ShieldIcon className="text-[11px]" /> Instance admin
                    </span>
                  ) : null}
                </div>
                {user ? (
                  <p className="truncate text-xs text-slate-500" data-testid="user-menu-email">
                    {user.email}
                  </p>
                ) : (
                  <p className="text-xs text-slate-500">Signed in with an API token</p>
                )}
              </>
            ) : (
              <div className="flex items-center gap-2 text-sm text-slate-500">
                <Spinner className="size-3" /> Loading…
              </div>
            )}
          </div>
          <div className="py-1">
            {user ? (
              <MenuLink href="/account" icon={<UserIcon />} onNavigate={() => setOpen(false)}>
                Account
              </MenuLink>
            ) : null}
            {user?.instanceAdmin ? (
              <MenuLink href="/admin" icon={<ShieldIcon />} onNavigate={() => setOpen(false)}>
                Admin
              </MenuLink>
            ) : null}
            {/* The top bar shows these from `sm` up. */}
            {settingsProject ? (
              <MenuLink href={projectPath(settingsProject, "settings")} icon={<SettingsIcon />} className="sm:hidden" onNavigate={() => setOpen(false)}>
                Project settings
              </MenuLink>
            ) : null}
            <MenuLink href="/workers" icon={<ServerIcon />} className="sm:hidden" onNavigate={() => setOpen(false)}>
              Workers
            </MenuLink>
          </div>
          <div className="border-t border-slate-100 py-1">
            <button
              type="button"
              role="menuitem"
              onClick={() => void signOut()}
              disabled={signingOut}
              className="flex w-full items-center gap-2.5 px-3 py-2 text-left text-sm text-slate-700 hover:bg-slate-50 hover:text-slate-900 disabled:opacity-60"
            >
              <span className="text-[15px] text-slate-400">{signingOut ? <Spinner className="size-3.5" /> : <SignOutIcon />}</span>
              {signingOut ? "Signing out…" : "Sign out"}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

import type { ReactNode } from "react";
import { TrellisLogo } from "../ui/icons";

/** The sign-in and setup pages: the product mark over one centred card, nothing else. */
export function AuthShell({ title, subtitle, children, footer }: { title: string; subtitle?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="relative flex min-h-dvh flex-col items-center justify-center overflow-hidden bg-slate-50 px-4 py-10">
      {/* A soft wash of the brand colour behind the card. */}
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-x-0 top-0 h-80 bg-gradient-to-b from-indigo-100/70 via-indigo-50/40 to-transparent"
      />
      <div className="relative w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center text-center">
          <TrellisLogo className="text-[44px] drop-shadow-sm" />
          <p className="mt-2 text-lg font-semibold tracking-tight text-slate-900">Trellis</p>
        </div>
        <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-7">
          <h1 className="text-lg font-semibold tracking-tight text-slate-900">{title}</h1>
          {subtitle ? <div className="mt-1 text-sm text-slate-500">{subtitle}</div> : null}
          <div className="mt-5">{children}</div>
        </div>
        {footer ? <div className="mt-5 text-center text-xs text-slate-500">{footer}</div> : null}
      </div>
    </div>
  );
}

/** A form error of the auth pages: one line, above the submit button. */
export function AuthError({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div role="alert" data-testid={testId} className="rounded-lg border border-red-200 bg-red-50 px-3 py-2.5 text-sm font-medium text-red-800">
      {children}
    </div>
  );
}

/** The API's messages are lowercase phrases ("email or password is wrong"): shown as sentences. */
export function sentence(message: string): string {
  const text = message.trim();
  if (!text) return "Something went wrong.";
  return `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;
}

"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useState, type FormEvent } from "react";
import { ApiError, api } from "@/lib/api";
import { SETUP_PATH, oidcErrorMessage, oidcStartHref, safeNext } from "@/lib/auth";
import { cn } from "@/lib/cn";
import { useAuthStatus } from "@/lib/queries";
import { Button, buttonClasses } from "../ui/button";
import { Spinner } from "../ui/feedback";
import { Field, fieldClass } from "../ui/field";
import { AuthError, AuthShell, sentence } from "./auth-shell";

/** Seconds left until `until` (ms since the epoch), ticking every second; 0 once passed. */
function useSecondsLeft(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

export function SignInForm({ next, error: callbackError }: { next: string | null; error: string | null }) {
  const id = useId();
  const router = useRouter();
  const status = useAuthStatus();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(() => oidcErrorMessage(callbackError));
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const secondsLeft = useSecondsLeft(lockedUntil);
  const locked = secondsLeft > 0;
  const target = safeNext(next);

  // No account exists yet: the first one is made on the setup page.
  const setupRequired = status.data?.setupRequired === true;
  useEffect(() => {
    if (setupRequired) router.replace(SETUP_PATH);
  }, [setupRequired, router]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (pending || locked) return;
    if (!email.trim() || !password) {
      setError(!email.trim() ? "Enter your email address." : "Enter your password.");
      return;
    }
    setPending(true);
    setError(null);
    setLockedUntil(null);
    try {
      await api.signIn({ email: email.trim(), password });
      // A full page load: every query starts over as the new user, and the proxy sees the cookie.
      window.location.assign(target);
    } catch (err) {
      setPending(false);
      if (err instanceof ApiError && err.status === 429) {
        setLockedUntil(Date.now() + (err.retryAfterSeconds ?? 30) * 1000);
        setError(null);
      } else if (err instanceof ApiError && err.status === 401) {
        setError(sentence(err.message));
        setPassword("");
      } else {
        setError(sentence(err instanceof Error ? err.message : String(err)));
      }
    }
  };

  const oidc = status.data?.oidc;
  return (
    <AuthShell
      title="Sign in"
      subtitle="to the Trellis control plane"
      footer="No account yet? Ask an instance admin of this server to add you."
    >
      {setupRequired ? (
        <div className="flex items-center justify-center gap-2 py-6 text-sm text-slate-500">
          <Spinner className="size-3.5" /> No account exists yet: opening the setup page…
        </div>
      ) : (
        <>
          <form onSubmit={(e) => void submit(e)} noValidate className="space-y-4" aria-label="Sign in">
            <Field label="Email" htmlFor={`${id}-email`}>
              <input
                id={`${id}-email`}
                type="email"
                name="email"
                autoComplete="username"
                autoFocus
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                disabled={pending}
                className={fieldClass}
              />
            </Field>
            <Field label="Password" htmlFor={`${id}-password`}>
              <input
                id={`${id}-password`}
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                disabled={pending}
                className={fieldClass}
              />
            </Field>
            {locked ? (
              <AuthError testId="sign-in-error">Too many attempts — try again in {secondsLeft} s.</AuthError>
            ) : error ? (
              <AuthError testId="sign-in-error">{error}</AuthError>
            ) : null}
            <Button type="submit" variant="primary" className="w-full" disabled={pending || locked}>
              {pending ? <Spinner className="size-3.5" /> : null}
              {pending ? "Signing in…" : "Sign in"}
            </Button>
          </form>
          {oidc?.enabled ? (
            <>
              <div className="my-5 flex items-center gap-3 text-xs text-slate-400" aria-hidden="true">
                <span className="h-px flex-1 bg-slate-200" />
                or
                <span className="h-px flex-1 bg-slate-200" />
              </div>
              {/* A plain link: the API redirects to the identity provider, which comes back to `next`. */}
              <a
                href={oidcStartHref(target)}
                data-testid="sso-button"
                className={cn(buttonClasses("secondary", "md", "w-full"), pending && "pointer-events-none opacity-50")}
              >
                Sign in with {oidc.label || "single sign-on"}
              </a>
            </>
          ) : null}
        </>
      )}
    </AuthShell>
  );
}

"use client";

import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import { ApiError, api } from "@/lib/api";
import { SIGN_IN_PATH } from "@/lib/auth";
import { cn } from "@/lib/cn";
import { useAuthStatus } from "@/lib/queries";
import { Button, buttonClasses } from "../ui/button";
import { ErrorMessage, Spinner } from "../ui/feedback";
import { Field, fieldClass, invalidFieldClass } from "../ui/field";
import { AuthError, AuthShell, sentence } from "./auth-shell";

/** The API's rule for new passwords (packages/engine: at least 10 characters). */
const PASSWORD_MIN = 10;

type Problems = Partial<Record<"code" | "email" | "password" | "confirm", string>>;

function problemsOf(v: { code: string; email: string; password: string; confirm: string }): Problems {
  const p: Problems = {};
  if (!v.code.trim()) p.code = "Enter the setup code from the API server's log.";
  if (!v.email.trim()) p.email = "Enter your email address.";
  else if (!/^[^\s@]+@[^\s@]+$/.test(v.email.trim())) p.email = "Enter an email address like name@example.com.";
  if (v.password.length < PASSWORD_MIN) p.password = `Use at least ${PASSWORD_MIN} characters.`;
  if (v.confirm !== v.password) p.confirm = "The passwords do not match.";
  return p;
}

/**
 * The one-time page that creates the first account (an instance admin), while no account exists.
 * The setup code proves the person holds the server: it is printed in the API's log at start-up.
 */
export function SetupForm({ code: initialCode }: { code: string | null }) {
  const id = useId();
  const status = useAuthStatus();
  const [values, setValues] = useState({ code: initialCode ?? "", email: "", name: "", password: "", confirm: "" });
  const [submitted, setSubmitted] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const problems = problemsOf(values);
  const shown: Problems = submitted ? problems : {};
  const set = (key: keyof typeof values) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (pending || Object.keys(problems).length > 0) return;
    setPending(true);
    setError(null);
    try {
      await api.setup({ code: values.code.trim(), email: values.email.trim(), name: values.name.trim(), password: values.password });
      // Signed in as the new admin: a full page load starts every query over with the session.
      window.location.assign("/");
    } catch (err) {
      setPending(false);
      setError(err);
    }
  };

  if (status.isPending) {
    return (
      <AuthShell title="Set up Trellis">
        <div className="flex items-center justify-center gap-2 py-8 text-sm text-slate-500">
          <Spinner className="size-3.5" /> Checking this server…
        </div>
      </AuthShell>
    );
  }
  if (status.error) {
    return (
      <AuthShell title="Set up Trellis">
        <ErrorMessage error={status.error} />
      </AuthShell>
    );
  }
  if (!status.data.setupRequired) {
    return (
      <AuthShell title="Trellis is set up" subtitle="This server already has its first admin, so this page is closed.">
        <Link href={SIGN_IN_PATH} className={buttonClasses("primary", "md", "w-full")}>
          Go to sign in
        </Link>
      </AuthShell>
    );
  }

  const invalid = (key: keyof Problems) => (shown[key] ? invalidFieldClass : undefined);
  return (
    <AuthShell
      title="Set up Trellis"
      subtitle="Create the first account. It becomes the instance admin, who adds everyone else."
      footer="This page works once: after this account exists, everyone signs in."
    >
      <form onSubmit={(e) => void submit(e)} noValidate className="space-y-4" aria-label="Set up Trellis">
        <Field
          label="Setup code"
          htmlFor={`${id}-code`}
          hint="Printed in the API server's log when it starts (npm start shows it)."
          error={shown.code}
        >
          <input
            id={`${id}-code`}
            name="code"
            autoComplete="off"
            spellCheck={false}
            autoFocus={!initialCode}
            value={values.code}
            onChange={set("code")}
            disabled={pending}
            aria-invalid={shown.code ? true : undefined}
            className={cn(fieldClass, "font-mono", invalid("code"))}
          />
        </Field>
        <Field label="Email" htmlFor={`${id}-email`} error={shown.email}>
          <input
            id={`${id}-email`}
            type="email"
            name="email"
            autoComplete="username"
            autoFocus={!!initialCode}
            value={values.email}
            onChange={set("email")}
            disabled={pending}
            aria-invalid={shown.email ? true : undefined}
            className={cn(fieldClass, invalid("email"))}
          />
        </Field>
        <Field label="Name" htmlFor={`${id}-name`} optional>
          <input
            id={`${id}-name`}
            name="name"
            autoComplete="name"
            value={values.name}
            onChange={set("name")}
            disabled={pending}
            className={fieldClass}
          />
        </Field>
        <Field label="Password" htmlFor={`${id}-password`} hint={`At least ${PASSWORD_MIN} characters.`} error={shown.password}>
          <input
            id={`${id}-password`}
            type="password"
            name="password"
            autoComplete="new-password"
            value={values.password}
            onChange={set("password")}
            disabled={pending}
            aria-invalid={shown.password ? true : undefined}
            className={cn(fieldClass, invalid("password"))}
          />
        </Field>
        <Field label="Confirm password" htmlFor={`${id}-confirm`} error={shown.confirm}>
          <input
            id={`${id}-confirm`}
            type="password"
            name="confirm"
            autoComplete="new-password"
            value={values.confirm}
            onChange={set("confirm")}
            disabled={pending}
            aria-invalid={shown.confirm ? true : undefined}
            className={cn(fieldClass, invalid("confirm"))}
          />
        </Field>
        {error ? (
          <AuthError testId="setup-error">
            {sentence(
              error instanceof ApiError && error.issues.length > 0
                ? error.issues.map((i) => i.message).join("; ")
                : error instanceof Error
                  ? error.message
                  : String(error),
            )}
          </AuthError>
        ) : null}
        <Button type="submit" variant="primary" className="w-full" disabled={pending}>
          {pending ? <Spinner className="size-3.5" /> : null}
          {pending ? "Creating the account…" : "Create admin account"}
        </Button>
      </form>
    </AuthShell>
  );
}

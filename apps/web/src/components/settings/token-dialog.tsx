"use client";

import { useId, useState, type FormEvent } from "react";
import type { CreatedToken, CreateTokenRequest } from "@/lib/access-api";
import type { Project } from "@/lib/api-types";
import { EXPIRY_CHOICES, ROLE_HELP, rolesUpTo, tokenSnippets } from "@/lib/access-format";
import type { Role } from "@/lib/auth";
import { cn } from "@/lib/cn";
import { formatDateTime } from "@/lib/format";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { CopyButton, SecretValue, ShownOnceWarning, Spinner } from "../ui/feedback";
import { Field, FormFooter, fieldClass, invalidFieldClass } from "../ui/field";
import { FormError, issueFor, RoleBadge } from "./shared";

const FIELD_PATHS = /^(name|role|project|expiresInDays)$/;

/**
 * Creates a token and then shows its secret, once. `project` fixed: a service token of that
 * project; `projects`: a personal token for one of them, with at most the caller's role there.
 */
export function NewTokenDialog({
  open,
  onClose,
  title,
  description,
  fixedProject,
  projects,
  create,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description: string;
  fixedProject?: string;
  /** The projects a personal token may be for, with the caller's role (absent for a service token). */
  projects?: Project[];
  create: {
    mutate: (body: CreateTokenRequest & { project: string }, opts: { onSuccess: (created: CreatedToken) => void }) => void;
    isPending: boolean;
    error: unknown;
    reset: () => void;
  };
}) {
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const close = () => {
    setCreated(null);
    create.reset();
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title={created ? "Token created" : title}
      description={created ? undefined : description}
      className="max-w-xl"
      // Outside the scrolling body: the snippets are long on a phone, the way out stays in view.
      footer={
        created ? (
          <Button variant="primary" onClick={close}>
            I&apos;ve copied it
          </Button>
        ) : undefined
      }
    >
      {created ? (
        <TokenSecret created={created} />
      ) : (
        <NewTokenForm fixedProject={fixedProject} projects={projects} create={create} onCreated={setCreated} onCancel={close} />
      )}
    </Dialog>
  );
}

function NewTokenForm({
  fixedProject,
  projects,
  create,
  onCreated,
  onCancel,
}: {
  fixedProject?: string;
  projects?: Project[];
  create: Parameters<typeof NewTokenDialog>[0]["create"];
  onCreated: (created: CreatedToken) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [name, setName] = useState("");
  const [project, setProject] = useState(fixedProject ?? projects?.[0]?.name ?? "");
  const [chosenRole, setRole] = useState<Role>("viewer");
  const [days, setDays] = useState<number | null>(90);
  const ceiling: Role = fixedProject ? "admin" : (projects?.find((p) => p.name === project)?.role ?? "viewer");
  const allowed = rolesUpTo(ceiling);
  // After switching to a project where the caller's role is lower: the highest role still allowed.
  const role = allowed.includes(chosenRole) ? chosenRole : (allowed[allowed.length - 1] ?? "viewer");

  const nameError = issueFor(create.error, /^name$/);
  const roleError = issueFor(create.error, /^role$/);
  const projectError = issueFor(create.error, /^project$/);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: name.trim(), project, role, ...(days !== null ? { expiresInDays: days } : {}) }, { onSuccess: onCreated });
  };

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="New token">
      <Field label="Name" htmlFor={`${id}-name`} error={nameError} hint="What it is for, e.g. “ci-nightly” or “laptop”: it names the token in the audit log.">
        <input
          id={`${id}-name`}
          required
          autoFocus
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          className={cn(fieldClass, nameError && invalidFieldClass)}
          autoComplete="off"
        />
      </Field>
      {projects ? (
        <Field label="Project" htmlFor={`${id}-project`} error={projectError} hint="A token works in one project only.">
          <select id={`${id}-project`} value={project} onChange={(e) => setProject(e.target.value)} className={cn(fieldClass, projectError && invalidFieldClass)}>
            {projects.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} — you are {p.role}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <fieldset>
        <legend className="mb-1.5 text-sm font-medium text-slate-800">Role</legend>
        <div className="space-y-1.5">
          {allowed.map((r) => (
            <label key={r} className="flex cursor-pointer items-start gap-2.5 rounded-lg px-1 py-0.5 hover:bg-slate-50">
              <input type="radio" name={`${id}-role`} checked={role === r} onChange={() => setRole(r)} className="mt-1 accent-indigo-600" />
              <span className="min-w-0 text-sm">
                <RoleBadge role={r} /> <span className="text-slate-600">{ROLE_HELP[r]}</span>
              </span>
            </label>
          ))}
        </div>
        {!fixedProject && ceiling !== "admin" ? (
          <p className="mt-1.5 text-xs text-slate-500">A personal token never acts above your own role in the project ({ceiling}).</p>
        ) : null}
        {roleError ? <p className="mt-1.5 text-xs font-medium text-red-600">{roleError}</p> : null}
      </fieldset>
      <Field label="Expires" htmlFor={`${id}-expiry`} error={issueFor(create.error, /^expiresInDays$/)}>
        <select id={`${id}-expiry`} value={days === null ? "never" : String(days)} onChange={(e) => setDays(e.target.value === "never" ? null : Number(e.target.value))} className={fieldClass}>
          {EXPIRY_CHOICES.map((c) => (
            <option key={c.label} value={c.days === null ? "never" : String(c.days)}>
              {c.days === null ? "Never" : `In ${c.label}`}
            </option>
          ))}
        </select>
      </Field>
      <FormError error={create.error} shown={FIELD_PATHS} />
      <FormFooter>
        <Button onClick={onCancel} disabled={create.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={!name.trim() || !project || create.isPending}>
          {create.isPending ? <Spinner className="size-3.5" /> : null} Create token
        </Button>
      </FormFooter>
    </form>
  );
}

/** The new token's secret, shown this once, with ways to use it. */
export function TokenSecret({ created }: { created: CreatedToken }) {
  // Rendered only in the browser (a dialog's content mounts when it opens, after a click).
  const [origin] = useState(() => (typeof window === "undefined" ? "" : window.location.origin));
  const t = created.token;
  const snippets = tokenSnippets({ webOrigin: origin, project: t.project, secret: created.secret, role: t.role });
  return (
    <div className="space-y-4" data-testid="token-secret">
      <ShownOnceWarning>
        Copy the token now: <strong>you will not see it again</strong>. Trellis keeps only a hash of it. If it is lost, revoke it and create a new one.
      </ShownOnceWarning>
      <div>
        <p className="mb-1.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-sm font-medium text-slate-800">
          <span className="break-all">{t.name}</span>
          <RoleBadge role={t.role} />
          {t.project ? <span className="font-mono text-xs font-normal text-slate-500">{t.project}</span> : null}
          <span className="text-xs font-normal text-slate-500">{t.expiresAt ? `expires ${formatDateTime(t.expiresAt)}` : "never expires"}</span>
        </p>
        <SecretValue value={created.secret} label="Copy token" testId="token-secret-value" />
      </div>
      <div className="space-y-3">
        <p className="text-sm font-medium text-slate-800">Use it</p>
        {snippets.map((s) => (
          <div key={s.id}>
            <p className="mb-1 text-xs font-medium text-slate-500">{s.label}</p>
            <div className="flex items-start justify-between gap-2 rounded-lg bg-slate-900 py-2 pr-2 pl-3.5">
              <pre className="min-w-0 font-mono text-[12px] leading-relaxed break-all whitespace-pre-wrap text-slate-100" data-testid={`token-snippet-${s.id}`}>
                {s.code}
              </pre>
              <CopyButton text={s.code} iconOnly label={`Copy the ${s.label} example`} className="shrink-0 text-slate-400 hover:bg-slate-800 hover:text-white" />
            </div>
            {s.id === "mlflow" ? (
              <p className="mt-1 text-xs text-slate-500">
                MLflow clients talk to the API server itself, not through this web UI
                {s.code.includes("$TRELLIS_API_URL") ? ": set TRELLIS_API_URL to its address (port 4000 unless configured otherwise)" : ""}.
              </p>
            ) : null}
          </div>
        ))}
      </div>
    </div>
  );
}

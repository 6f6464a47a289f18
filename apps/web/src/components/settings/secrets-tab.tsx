"use client";

import { Fragment, useId, useState, type FormEvent, type ReactNode } from "react";
import { useDeleteSecret, usePutSecret, useSecrets, type SecretItem } from "@/lib/access-api";
import { normalizeSecretName, secretNameProblem, secretValueProblem, SECRET_NAME_MAX, SECRET_VALUE_MAX } from "@/lib/access-format";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Card, CardHeader, EmptyState, Spinner, TableSkeleton } from "../ui/feedback";
import { Field, FormFooter, fieldClass, invalidFieldClass } from "../ui/field";
import { AlertIcon, PencilIcon, PlusIcon, TrashIcon } from "../ui/icons";
import { AccessErrorState, ConfirmButton, FormError, issueFor, LockIcon, RowError } from "./shared";

const EXAMPLE = `steps:
  train:
    run: python train.py
    secrets: [DB_PASSWORD]`;

/** The API's answer when no encryption key is configured: secrets cannot be stored or read. */
const isDisabled = (error: unknown) => error instanceof ApiError && error.status === 409 && /disabled/i.test(error.message);

/** What to do about it: the API's message without its "secrets are disabled:" lead (the title says so). */
function disabledAdvice(error: unknown): string {
  const text = (error instanceof Error ? error.message : "").replace(/^secrets are disabled[:;,.]?\s*/i, "");
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!]$/.test(text) ? "" : "."}` : "";
}

/** Project secrets: names and who changed them; values are write-only. */
export function SecretsTab({ project, forbidden }: { project: string; forbidden: ReactNode }) {
  const secrets = useSecrets(project);
  const remove = useDeleteSecret(project);
  // null: closed; "": a new secret; a name: replace that secret's value.
  const [editing, setEditing] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<{ name: string; error: unknown } | null>(null);
  const items = secrets.data?.items ?? [];
  const disabled = isDisabled(secrets.error);

  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,1fr)_22rem]">
      <Card className="self-start overflow-hidden">
        <CardHeader
          title={
            <span className="flex items-center gap-1.5">
              <LockIcon className="text-slate-400" /> Secrets
              {secrets.data ? <span className="rounded-full bg-slate-100 px-1.5 text-[11px] font-normal text-slate-500">{items.length}</span> : null}
              {secrets.isFetching && !secrets.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
            </span>
          }
          actions={
            <Button size="sm" variant="primary" onClick={() => setEditing("")} disabled={!secrets.data}>
              <PlusIcon /> Add secret
            </Button>
          }
        />
        {secrets.isPending ? (
          <TableSkeleton rows={3} />
        ) : disabled ? (
          <SecretsDisabled message={disabledAdvice(secrets.error)} />
        ) : secrets.error && !secrets.data ? (
          <AccessErrorState error={secrets.error} forbidden={forbidden} next="" onRetry={() => void secrets.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState icon={<LockIcon />} title="No secrets yet">
            Store passwords and API keys here instead of in pipeline code: a step that lists a secret gets it as an environment variable, and its
            value never appears in logs.
            <div className="mt-4">
              <Button variant="primary" onClick={() => setEditing("")}>
                <PlusIcon /> Add secret
              </Button>
            </div>
          </EmptyState>
        ) : (
          <div className="relative overflow-x-auto">
            <table className="w-full min-w-[560px] text-left text-sm" data-testid="secrets-table">
              <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
                <tr>
                  <th className="px-4 py-2.5 font-medium">Name</th>
                  <th className="px-4 py-2.5 font-medium">Value</th>
                  <th className="px-4 py-2.5 font-medium">Updated</th>
                  <th className="px-4 py-2.5">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {items.map((s) => (
                  <Fragment key={s.name}>
                    <SecretRow
                      secret={s}
                      removing={remove.isPending && remove.variables === s.name}
                      onReplace={() => setEditing(s.name)}
                      onRemove={() => {
                        setRemoveError(null);
                        remove.mutate(s.name, { onError: (error) => setRemoveError({ name: s.name, error }) });
                      }}
                    />
                    {removeError?.name === s.name ? <RowError error={removeError.error} colSpan={4} /> : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <SecretsHelp />
      <SecretDialog project={project} name={editing} existing={items} onClose={() => setEditing(null)} />
    </div>
  );
}

function SecretRow({ secret: s, removing, onReplace, onRemove }: { secret: SecretItem; removing: boolean; onReplace: () => void; onRemove: () => void }) {
  return (
    <tr data-testid="secret-row" data-secret={s.name}>
      <td className="px-4 py-3">
        <code className="font-mono text-[13px] font-medium break-all text-slate-900">{s.name}</code>
      </td>
      <td className="px-4 py-3">
        <span className="font-mono text-xs tracking-widest text-slate-400" aria-label="hidden value" title="Values are write-only: nobody can read them back">
          ••••••••
        </span>
      </td>
      <td className="px-4 py-3 text-slate-500">
        <span className="whitespace-nowrap">
          <RelativeTime iso={s.updatedAt} />
        </span>
        <span className="block text-xs break-all text-slate-400">by {s.updatedBy}</span>
      </td>
      <td className="px-4 py-3 text-right">
        <span className="inline-flex flex-wrap items-center justify-end gap-1">
          {removing ? null : (
            <Button size="sm" variant="ghost" onClick={onReplace} aria-label={`Replace the value of ${s.name}`}>
              <PencilIcon /> Replace
            </Button>
          )}
          <ConfirmButton
            label={<TrashIcon />}
            confirmLabel="Delete"
            question={`Delete ${s.name}?`}
            ariaLabel={`Delete secret ${s.name}`}
            variant="ghost"
            pending={removing}
            onConfirm={onRemove}
          />
        </span>
      </td>
    </tr>
  );
}

function SecretsHelp() {
  return (
    <Card className="self-start px-4 py-3.5 text-sm text-slate-600">
      <h3 className="mb-1.5 text-sm font-semibold text-slate-800">Using secrets</h3>
      <p>
        List a secret&apos;s name under <code className="rounded bg-slate-100 px-1 font-mono text-xs text-slate-700">secrets:</code> in a step (or
        the pipeline, for every step) and the step gets it as an environment variable of the same name, here{" "}
        <code className="rounded bg-slate-100 px-1 font-mono text-xs text-slate-700">$DB_PASSWORD</code>:
      </p>
      <pre className="mt-2 overflow-x-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-[11.5px] leading-relaxed text-slate-100">{EXAMPLE}</pre>
      <ul className="mt-2.5 list-disc space-y-1 pl-4 text-xs text-slate-500">
        <li>Values are encrypted at rest and never shown again, here or in the API.</li>
        <li>
          Wherever a value would appear in a step&apos;s log, it is replaced by <code className="font-mono">***</code>.
        </li>
        <li>A run reads the value when its step starts: replacing a value affects the steps that start afterwards.</li>
      </ul>
    </Card>
  );
}

function SecretsDisabled({ message }: { message: string }) {
  return (
    <div className="flex flex-col items-center px-6 py-12 text-center" data-testid="secrets-disabled" role="status">
      <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-amber-50 text-2xl text-amber-600">
        <LockIcon />
      </div>
      <h3 className="text-base font-semibold text-slate-900">Secrets are turned off on this server</h3>
      <p className="mt-2 max-w-lg text-sm text-slate-600">{message}</p>
      <p className="mt-2 max-w-lg text-xs text-slate-500">Whoever runs Trellis can turn them on; until then pipelines cannot use secrets.</p>
    </div>
  );
}

/** Adds a secret (`name` "") or replaces the value of `name`. The value field is write-only. */
function SecretDialog({ project, name, existing, onClose }: { project: string; name: string | null; existing: SecretItem[]; onClose: () => void }) {
  const put = usePutSecret(project);
  const close = () => {
    put.reset();
    onClose();
  };
  const replacing = name !== null && name !== "";
  return (
    <Dialog
      open={name !== null}
      onClose={close}
      title={replacing ? `Replace ${name}` : "Add secret"}
      description={replacing ? "The new value takes the old one's place; the old value cannot be recovered." : "Stored encrypted; nobody can read the value back."}
    >
      {name !== null ? <SecretForm initialName={name} existing={existing} put={put} onDone={close} /> : null}
    </Dialog>
  );
}

function SecretForm({
  initialName,
  existing,
  put,
  onDone,
}: {
  initialName: string;
  existing: SecretItem[];
  put: ReturnType<typeof usePutSecret>;
  onDone: () => void;
}) {
  const id = useId();
  const replacing = initialName !== "";
  const [name, setName] = useState(initialName);
  const [value, setValue] = useState("");
  const nameProblem = secretNameProblem(name) ?? issueFor(put.error, /^name$/);
  const valueProblem = secretValueProblem(value) ?? issueFor(put.error, /^value$/);
  const exists = !replacing && existing.some((s) => s.name === name);
  const disabled = isDisabled(put.error);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    put.mutate({ name, value }, { onSuccess: onDone });
  };

  return (
    <form onSubmit={submit} className="space-y-4" aria-label={replacing ? "Replace secret" : "Add secret"}>
      <Field
        label="Name"
        htmlFor={`${id}-name`}
        error={nameProblem}
        hint={exists ? undefined : "The environment variable the step gets, e.g. DB_PASSWORD."}
      >
        <input
          id={`${id}-name`}
          required
          autoFocus={!replacing}
          readOnly={replacing}
          maxLength={SECRET_NAME_MAX}
          value={name}
          onChange={(e) => setName(normalizeSecretName(e.target.value))}
          placeholder="DB_PASSWORD"
          autoComplete="off"
          spellCheck={false}
          className={cn(fieldClass, "font-mono text-[13px]", replacing && "bg-slate-50 text-slate-600", nameProblem && invalidFieldClass)}
        />
      </Field>
      {exists ? (
        <p className="-mt-2 flex items-start gap-1 text-xs text-amber-700">
          <AlertIcon className="mt-px shrink-0" /> {name} exists: saving replaces its value.
        </p>
      ) : null}
      <Field label="Value" htmlFor={`${id}-value`} error={valueProblem} hint="4 characters or more. It is never displayed after saving.">
        <input
          id={`${id}-value`}
          type="password"
          required
          autoFocus={replacing}
          maxLength={SECRET_VALUE_MAX}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          autoComplete="new-password"
          spellCheck={false}
          className={cn(fieldClass, "font-mono text-[13px]", valueProblem && invalidFieldClass)}
        />
      </Field>
      {disabled ? (
        <SecretsDisabledNote message={disabledAdvice(put.error)} />
      ) : (
        <FormError error={put.error} shown={/^(name|value)$/} />
      )}
      <FormFooter>
        <Button onClick={onDone} disabled={put.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={!name || !value || !!secretNameProblem(name) || !!secretValueProblem(value) || put.isPending}>
          {put.isPending ? <Spinner className="size-3.5" /> : null} {replacing || exists ? "Replace value" : "Add secret"}
        </Button>
      </FormFooter>
    </form>
  );
}

function SecretsDisabledNote({ message }: { message: string }) {
  return (
    <div className="flex gap-2 rounded-lg border border-amber-300 bg-amber-50 px-3.5 py-3 text-sm text-amber-900" role="alert">
      <LockIcon className="mt-0.5 shrink-0 text-amber-600" />
      <p>
        <strong>Secrets are turned off on this server.</strong> {message}
      </p>
    </div>
  );
}

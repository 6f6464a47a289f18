"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import type { ModelDetail } from "@/lib/api-types";
import { ApiError } from "@/lib/api";
import { gateIssuesByLine, gateLines, gatesText } from "@/lib/models";
import { useDeleteModel, useUpdateModel } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Card, CardHeader, ErrorMessage, Spinner } from "../ui/feedback";
import { fieldClass } from "../ui/field";
import { CheckIcon, ShieldIcon, TrashIcon } from "../ui/icons";
import { GatesEditor, GatesHelp } from "./gates-editor";

/** The promotion policy: gates one per line; the API's message for a bad one is shown on its line. */
export function PolicyEditor({ project, model }: { project: string; model: ModelDetail }) {
  const id = useId();
  const update = useUpdateModel(project, model.name);
  const saved = gatesText(model.policy.gates);
  const [draft, setDraft] = useState(saved);
  const [submitted, setSubmitted] = useState<string | null>(null);
  const { gates, lines } = gateLines(draft);
  const dirty = gatesText(gates) !== saved;
  const apiError = update.error instanceof ApiError ? update.error : null;
  const { byLine, other } = submitted === draft && apiError ? gateIssuesByLine(apiError.issues, lines) : { byLine: new Map<number, string[]>(), other: [] };
  const showGeneral = update.error && submitted === draft && (byLine.size === 0 || other.length > 0);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(draft);
    update.mutate({ gates }, { onSuccess: () => setDraft(gatesText(gates)) });
  };

  return (
    <Card>
      <CardHeader
        title={
          <span className="flex items-center gap-1.5">
            <ShieldIcon className="text-slate-400" /> Promotion policy
          </span>
        }
      />
      <form onSubmit={submit} className="space-y-3 px-4 py-4" aria-label="Promotion policy" data-testid="policy-editor">
        <div>
          <label htmlFor={`${id}-gates`} className="mb-1.5 block text-sm font-medium text-slate-800">
            Gates for promotion to Production
          </label>
          <GatesEditor id={`${id}-gates`} value={draft} onChange={setDraft} errors={byLine} describedBy={`${id}-help`} disabled={update.isPending} />
          <GatesHelp id={`${id}-help`} />
        </div>
        {showGeneral ? <ErrorMessage error={other.length && apiError ? new ApiError(apiError.status, apiError.code, apiError.message, other) : update.error} /> : null}
        <div className="flex items-center gap-2">
          <Button type="submit" variant="primary" size="sm" disabled={!dirty || update.isPending}>
            {update.isPending ? <Spinner className="size-3" /> : null} Save policy
          </Button>
          {dirty ? (
            <Button size="sm" variant="ghost" onClick={() => setDraft(saved)} disabled={update.isPending}>
              Discard changes
            </Button>
          ) : update.isSuccess && submitted !== null ? (
            <span className="flex items-center gap-1 text-xs font-medium text-emerald-700" role="status">
              <CheckIcon /> Saved
            </span>
          ) : null}
          <span className="ml-auto text-xs text-slate-400">Changes are recorded in the audit trail.</span>
        </div>
      </form>
    </Card>
  );
}

/** The policy in short, next to the versions table. */
/** `onEdit`: null when the role cannot change the policy. */
export function PolicySummary({ model, onEdit }: { model: ModelDetail; onEdit: (() => void) | null }) {
  const gates = model.policy.gates;
  return (
    <Card>
      <CardHeader
        title={
          <span className="flex items-center gap-1.5">
            <ShieldIcon className="text-slate-400" /> Promotion gates
          </span>
        }
        actions={
          onEdit ? (
            <button type="button" onClick={onEdit} className="text-xs font-medium text-indigo-600 hover:underline">
              Edit
            </button>
          ) : null
        }
      />
      <div className="px-4 py-3" data-testid="policy-summary">
        {gates.length === 0 ? (
          <p className="text-sm text-slate-500">None: any version can be promoted to Production.</p>
        ) : (
          <ul className="space-y-1">
            {gates.map((g, i) => (
              <li key={i}>
                <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[12px] text-slate-800">{g}</code>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

/** Description of the model. */
export function DescriptionEditor({ project, model }: { project: string; model: ModelDetail }) {
  const id = useId();
  const update = useUpdateModel(project, model.name);
  const [draft, setDraft] = useState(model.description ?? "");
  const dirty = draft.trim() !== (model.description ?? "").trim();
  return (
    <Card>
      <CardHeader title="Description" />
      <form
        className="space-y-3 px-4 py-4"
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({ description: draft.trim() });
        }}
      >
        <textarea
          id={`${id}-description`}
          aria-label="Model description"
          rows={3}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="What it predicts, and for whom"
          className={fieldClass}
        />
        {update.error ? <ErrorMessage error={update.error} /> : null}
        <Button type="submit" size="sm" variant="primary" disabled={!dirty || update.isPending}>
          {update.isPending ? <Spinner className="size-3" /> : null} Save description
        </Button>
      </form>
    </Card>
  );
}

/** Deleting the model and all its versions (the audit trail keeps the record). */
export function DangerZone({ project, model }: { project: string; model: ModelDetail }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const remove = useDeleteModel(project, model.name);
  const close = () => {
    if (remove.isPending) return;
    setOpen(false);
    setTyped("");
    remove.reset();
  };
  return (
    <Card className="border-red-200">
      <CardHeader title={<span className="text-red-700">Delete this model</span>} />
      <div className="flex flex-wrap items-center justify-between gap-3 px-4 py-4">
        <p className="max-w-xl text-sm text-slate-600">
          Removes the model, its {model.versionCount === 1 ? "version" : `${model.versionCount} versions`} and aliases from the registry. Runs and
          artifacts stay.
        </p>
        <Button variant="danger-outline" onClick={() => setOpen(true)}>
          <TrashIcon /> Delete model
        </Button>
      </div>
      <Dialog
        open={open}
        onClose={close}
        title={`Delete ${model.name}?`}
        footer={
          <>
            <Button variant="ghost" onClick={close} disabled={remove.isPending}>
              Keep it
            </Button>
            <Button
              variant="danger"
              disabled={typed !== model.name || remove.isPending}
              onClick={() => remove.mutate(undefined, { onSuccess: () => router.push(projectPath(project, "models")) })}
            >
              {remove.isPending ? <Spinner className="size-3.5" /> : <TrashIcon />} Delete model
            </Button>
          </>
        }
      >
        <div className="space-y-3 text-sm text-slate-600">
          <p>
            Type <code className="rounded bg-slate-100 px-1 font-mono text-slate-800">{model.name}</code> to confirm.
          </p>
          <input aria-label="Model name" value={typed} onChange={(e) => setTyped(e.target.value)} className={fieldClass} autoComplete="off" />
          {remove.error ? <ErrorMessage error={remove.error} /> : null}
        </div>
      </Dialog>
    </Card>
  );
}

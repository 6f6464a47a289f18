"use client";

import type { FormEvent } from "react";
import { useState } from "react";
import type { RunDetail } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { useUpdateRun } from "@/lib/queries";
import { Button } from "./ui/button";
import { ErrorMessage, Spinner } from "./ui/feedback";
import { PencilIcon, PlusIcon, XIcon } from "./ui/icons";

const fieldClass =
  "block w-full rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-xs focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none";

/** Inline rename of a run (PATCH name; empty clears it). */
export function RunNameEditor({ project, run, onDone }: { project: string; run: RunDetail; onDone: () => void }) {
  const update = useUpdateRun(project, run.id);
  const [name, setName] = useState(run.name ?? "");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = name.trim();
    if ((run.name ?? "") === next) return onDone();
    update.mutate({ name: next || null }, { onSuccess: onDone });
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-center gap-2">
      <input
        aria-label="Run name"
        autoFocus
        value={name}
        maxLength={250}
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") onDone();
        }}
        placeholder="Name this run"
        className={cn(fieldClass, "h-8 w-72 text-base font-semibold")}
      />
      <Button type="submit" size="sm" variant="primary" disabled={update.isPending}>
        {update.isPending ? <Spinner className="size-3" /> : null} Save
      </Button>
      <Button size="sm" variant="ghost" onClick={onDone} disabled={update.isPending}>
        Cancel
      </Button>
      {update.error ? <ErrorMessage error={update.error} className="w-full" /> : null}
    </form>
  );
}

/** Tags as chips; × removes one, "Add tag" sets one (PATCH tags). Read-only unless `editable`. */
export function RunTags({ project, run, editable }: { project: string; run: RunDetail; editable: boolean }) {
  const update = useUpdateRun(project, run.id);
  const [adding, setAdding] = useState(false);
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const tags = Object.entries(run.tags ?? {});
  if (!editable && tags.length === 0) return null;

  const add = (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) return;
    update.mutate(
      { tags: { [k]: value } },
      {
        onSuccess: () => {
          setKey("");
          setValue("");
          setAdding(false);
        },
      },
    );
  };

  return (
    <div className="flex flex-wrap items-center gap-1.5" data-testid="run-tags">
      <span className="mr-1 text-[11px] font-medium tracking-wide text-slate-400 uppercase">Tags</span>
      {tags.map(([k, v]) => (
        <span key={k} className="inline-flex max-w-[24rem] items-center gap-0.5 rounded-md bg-violet-50 py-0.5 pr-0.5 pl-2 font-mono text-xs text-violet-800 ring-1 ring-violet-200 ring-inset">
          <span className="truncate" title={`${k}=${v}`}>
            <span className="text-violet-400">{k}=</span>
            {v}
          </span>
          {editable ? (
            <button
              type="button"
              className="rounded p-0.5 text-violet-400 hover:bg-violet-100 hover:text-violet-800"
              aria-label={`Remove tag ${k}`}
              disabled={update.isPending}
              onClick={() => update.mutate({ tags: { [k]: null } })}
            >
              <XIcon />
            </button>
          ) : (
            <span className="w-1.5" />
          )}
        </span>
      ))}
      {!editable ? null : adding ? (
        <form onSubmit={add} className="inline-flex items-center gap-1">
          <input aria-label="Tag name" autoFocus value={key} onChange={(e) => setKey(e.target.value)} placeholder="name" className={cn(fieldClass, "h-7 w-28 py-0 font-mono text-xs")} />
          <span className="text-slate-400">=</span>
          <input aria-label="Tag value" value={value} onChange={(e) => setValue(e.target.value)} placeholder="value" className={cn(fieldClass, "h-7 w-36 py-0 font-mono text-xs")} />
          <Button type="submit" size="sm" variant="primary" className="h-7" disabled={!key.trim() || update.isPending}>
            {update.isPending ? <Spinner className="size-3" /> : null} Add
          </Button>
          <Button size="sm" variant="ghost" className="h-7" onClick={() => setAdding(false)}>
            Cancel
          </Button>
        </form>
      ) : (
        <button
          type="button"
          onClick={() => setAdding(true)}
          className="inline-flex items-center gap-1 rounded-md px-1.5 py-0.5 text-xs font-medium text-slate-500 hover:bg-slate-100 hover:text-slate-800"
        >
          <PlusIcon /> Add tag
        </button>
      )}
      {update.error ? <ErrorMessage error={update.error} className="w-full" /> : null}
    </div>
  );
}

/** The run's note: shown as text, edited in place (PATCH note) when `editable`. */
export function RunNote({ project, run, editable }: { project: string; run: RunDetail; editable: boolean }) {
  const update = useUpdateRun(project, run.id);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(run.note ?? "");
  const note = run.note ?? "";

  if (!editable && !note) return null;
  if (editing && editable) {
    return (
      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          update.mutate({ note: draft }, { onSuccess: () => setEditing(false) });
        }}
      >
        <textarea
          aria-label="Note"
          autoFocus
          value={draft}
          rows={Math.min(10, Math.max(3, draft.split("\n").length + 1))}
          maxLength={50_000}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setEditing(false);
            if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) e.currentTarget.form?.requestSubmit();
          }}
          placeholder="What did you try, what did you learn?"
          className={cn(fieldClass, "max-w-3xl")}
        />
        <div className="flex items-center gap-2">
          <Button type="submit" size="sm" variant="primary" disabled={update.isPending}>
            {update.isPending ? <Spinner className="size-3" /> : null} Save note
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setEditing(false)} disabled={update.isPending}>
            Cancel
          </Button>
          <span className="text-[11px] text-slate-400">Ctrl+Enter to save</span>
        </div>
        {update.error ? <ErrorMessage error={update.error} className="max-w-3xl" /> : null}
      </form>
    );
  }

  return (
    <div className="flex items-start gap-2" data-testid="run-note">
      <span className="mt-0.5 mr-1 text-[11px] font-medium tracking-wide text-slate-400 uppercase">Note</span>
      {note ? (
        <p className="line-clamp-3 max-w-3xl min-w-0 text-sm whitespace-pre-wrap text-slate-700" title={note}>
          {note}
        </p>
      ) : null}
      {editable ? (
        <button
          type="button"
          onClick={() => {
            setDraft(note);
            setEditing(true);
          }}
          className="inline-flex shrink-0 items-center gap-1 rounded-md px-1.5 py-0.5 text-xs font-medium text-slate-500 hover:bg-slate-100 hover:text-slate-800"
        >
          {note ? <PencilIcon /> : <PlusIcon />} {note ? "Edit" : "Add a note"}
        </button>
      ) : null}
    </div>
  );
}

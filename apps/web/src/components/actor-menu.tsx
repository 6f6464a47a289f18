"use client";

import { useId, useRef, useState, type FormEvent } from "react";
import { ACTOR_MAX_LENGTH, actorProblem, useActor } from "@/lib/actor";
import { cn } from "@/lib/cn";
import { useDismiss } from "@/lib/use-dismiss";
import { Button } from "./ui/button";
import { fieldBaseClass, invalidFieldClass } from "./ui/field";
import { UserIcon } from "./ui/icons";

/**
 * "Acting as": the name the registry's audit trail records for your changes (sent as
 * X-Trellis-Actor), kept in this browser. A stand-in until sign-in arrives.
 */
export function ActorMenu() {
  const [actor, setActor] = useActor();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  useDismiss(open, rootRef, setOpen);
  return (
    // Hidden on phones: the top bar must fit 360 px (the name set on a larger screen still applies).
    <div ref={rootRef} className="relative hidden sm:block">
      <button
        type="button"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        aria-haspopup="dialog"
        aria-label={`Acting as ${actor ?? "anonymous"}. Change`}
        data-testid="actor-button"
        className={cn(
          "flex h-8 max-w-[12rem] items-center gap-1.5 rounded-lg px-2 text-sm font-medium ring-1 ring-inset hover:bg-slate-50",
          actor ? "text-slate-700 ring-slate-200" : "text-slate-500 ring-slate-200",
        )}
      >
        <UserIcon className="shrink-0 text-[15px] text-slate-400" />
        <span className="hidden truncate md:inline">{actor ?? "anonymous"}</span>
      </button>
      {open ? (
        <ActorForm
          actor={actor}
          onSave={(name) => {
            setActor(name);
            setOpen(false);
          }}
        />
      ) : null}
    </div>
  );
}

function ActorForm({ actor, onSave }: { actor: string | null; onSave: (name: string | null) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(actor ?? "");
  const problem = actorProblem(draft);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    onSave(draft.trim() || null);
  };
  return (
    <form
      role="dialog"
      aria-label="Acting as"
      onSubmit={submit}
      className="absolute top-full right-0 z-50 mt-1.5 w-80 rounded-xl border border-slate-200 bg-white p-4 shadow-lg"
    >
      <label htmlFor={`${id}-actor`} className="block text-sm font-medium text-slate-800">
        Acting as
      </label>
      <p className="mt-0.5 text-xs text-slate-500">
        The model registry records this name with your promotions and other changes. Kept in this browser until sign-in arrives; empty means
        “anonymous”.
      </p>
      <input
        id={`${id}-actor`}
        autoFocus
        value={draft}
        maxLength={ACTOR_MAX_LENGTH + 8}
        onChange={(e) => setDraft(e.target.value)}
        placeholder="your name or email"
        autoComplete="off"
        className={cn(fieldBaseClass, "mt-2.5 block h-9 w-full px-3", problem && invalidFieldClass)}
        aria-invalid={problem ? true : undefined}
      />
      {problem ? <p className="mt-1 text-xs text-red-600">{problem}</p> : null}
      <div className="mt-3 flex justify-end gap-2">
        {actor ? (
          <Button size="sm" variant="ghost" onClick={() => onSave(null)}>
            Clear
          </Button>
        ) : null}
        <Button size="sm" variant="primary" type="submit" disabled={!!problem}>
          Save
        </Button>
      </div>
    </form>
  );
}

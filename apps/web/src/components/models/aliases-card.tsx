"use client";

import { useId, useState, type FormEvent } from "react";
import type { ModelDetail } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { aliasProblem } from "@/lib/models";
import { useDeleteModelAlias, useSetModelAlias } from "@/lib/queries";
import { Button } from "../ui/button";
import { Card, CardHeader, ErrorMessage, Spinner } from "../ui/feedback";
import { fieldBaseClass, invalidFieldClass } from "../ui/field";
import { TagIcon, XIcon } from "../ui/icons";
import { AliasChip } from "./stage-badge";

/**
 * Aliases (e.g. @champion): each names one version; set one on a version, move it, or remove it
 * (`editable`: the role may change them).
 */
export function AliasesCard({ project, model, defaultVersion, editable }: { project: string; model: ModelDetail; defaultVersion: number | null; editable: boolean }) {
  const id = useId();
  const set = useSetModelAlias(project, model.name);
  const remove = useDeleteModelAlias(project, model.name);
  const [alias, setAlias] = useState("");
  const [chosen, setChosen] = useState<number | null>(null);
  const [touched, setTouched] = useState(false);
  const version = chosen ?? defaultVersion ?? model.versions[0]?.version ?? null;
  const name = alias.trim().replace(/^@/, "");
  const problem = aliasProblem(name);
  const existing = model.aliases.find((a) => a.alias === name);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problem || version === null) return;
    set.mutate(
      { alias: name, version },
      {
        onSuccess: () => {
          setAlias("");
          setTouched(false);
        },
      },
    );
  };

  return (
    <Card>
      <CardHeader
        title={
          <span className="flex items-center gap-1.5">
            <TagIcon className="text-slate-400" /> Aliases
          </span>
        }
      />
      <div className="space-y-3 px-4 py-3" data-testid="aliases">
        {model.aliases.length === 0 ? (
          <p className="text-sm text-slate-500">
            {editable ? "No aliases. Name a version (e.g. champion) so deployments can ask for it by name." : "No aliases."}
          </p>
        ) : (
          <ul className="space-y-1.5">
            {model.aliases.map((a) => (
              <li key={a.alias} className="flex items-center justify-between gap-2 text-sm" data-alias={a.alias}>
                <span className="flex items-center gap-2">
                  <AliasChip alias={a.alias} />
                  <span className="text-slate-400">→</span>
                  <span className="font-mono text-xs font-medium text-slate-700">v{a.version}</span>
                </span>
                {editable ? (
                  <button
                    type="button"
                    onClick={() => remove.mutate(a.alias)}
                    disabled={remove.isPending}
                    aria-label={`Remove alias ${a.alias}`}
                    className="rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-red-600"
                  >
                    {remove.isPending && remove.variables === a.alias ? <Spinner className="size-3" /> : <XIcon />}
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {editable && model.versions.length > 0 ? (
          <form onSubmit={submit} className="space-y-1.5 border-t border-slate-100 pt-3" aria-label="Set alias">
            <div className="flex items-center gap-2">
              <input
                id={`${id}-alias`}
                aria-label="Alias"
                value={alias}
                onChange={(e) => setAlias(e.target.value)}
                placeholder="champion"
                spellCheck={false}
                autoComplete="off"
                className={cn(fieldBaseClass, "h-8 min-w-0 flex-1 px-2.5 font-mono text-[13px]", touched && problem && invalidFieldClass)}
              />
              <select
                aria-label="Version"
                value={version ?? ""}
                onChange={(e) => setChosen(Number(e.target.value))}
                className={cn(fieldBaseClass, "h-8 w-20 shrink-0 px-2 font-mono text-[13px]")}
              >
                {model.versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </select>
              <Button type="submit" size="sm" variant="secondary" disabled={set.isPending || !name}>
                {set.isPending ? <Spinner className="size-3" /> : null}
                {existing ? "Move" : "Set"}
              </Button>
            </div>
            {touched && problem ? (
              <p className="text-xs text-red-600" role="alert">
                {problem}
              </p>
            ) : existing && version !== null && existing.version !== version ? (
              <p className="text-xs text-slate-500">
                Moves @{name} from v{existing.version} to v{version}.
              </p>
            ) : null}
            {set.error ? <ErrorMessage error={set.error} /> : null}
          </form>
        ) : null}
        {remove.error ? <ErrorMessage error={remove.error} /> : null}
      </div>
    </Card>
  );
}

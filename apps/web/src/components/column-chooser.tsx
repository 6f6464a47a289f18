"use client";

import { useId, useRef, useState } from "react";
import type { ExperimentColumns } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { sameField, type FieldEntity, type FieldRef } from "@/lib/run-fields";
import { useDismiss } from "@/lib/use-dismiss";
import { Button } from "./ui/button";
import { Spinner } from "./ui/feedback";
import { ColumnsIcon } from "./ui/icons";

const GROUPS: { entity: Exclude<FieldEntity, "attributes">; label: string }[] = [
  { entity: "params", label: "Params" },
  { entity: "metrics", label: "Metrics" },
  { entity: "tags", label: "Tags" },
];

/** Popover listing every param, metric and tag key of the experiment as a column to show or hide. */
export function ColumnChooser({
  available,
  loading,
  columns,
  onChange,
}: {
  available: ExperimentColumns | undefined;
  loading: boolean;
  columns: FieldRef[];
  /** null: back to the default choice. */
  onChange: (columns: FieldRef[] | null) => void;
}) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState("");
  const rootRef = useRef<HTMLDivElement>(null);
  const panelId = useId();

  useDismiss(open, rootRef, setOpen);

  const isOn = (f: FieldRef) => columns.some((c) => sameField(c, f));
  const toggle = (f: FieldRef) => onChange(isOn(f) ? columns.filter((c) => !sameField(c, f)) : [...columns, f]);
  const setGroup = (entity: FieldEntity, keys: string[], on: boolean) => {
    const rest = columns.filter((c) => !(c.entity === entity && keys.includes(c.key)));
    onChange(on ? [...rest, ...keys.map((key) => ({ entity, key }))] : rest);
  };
  const needle = search.trim().toLowerCase();

  return (
    <div ref={rootRef} className="relative">
      <Button size="sm" onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-controls={panelId}>
        <ColumnsIcon /> Columns
        <span className="rounded-full bg-slate-100 px-1.5 text-[11px] text-slate-600 tabular-nums">{columns.length}</span>
      </Button>
      {open ? (
        <div
          id={panelId}
          role="dialog"
          aria-label="Choose columns"
          className="absolute top-full right-0 z-50 mt-1.5 flex max-h-[min(32rem,70dvh)] w-80 flex-col overflow-hidden rounded-xl border border-slate-200 bg-white shadow-lg"
        >
          <div className="border-b border-slate-100 p-2">
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="Find a param, metric or tag…"
              aria-label="Find a column"
              autoFocus
              className="block h-8 w-full rounded-md border border-slate-300 px-2.5 text-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none"
            />
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto py-1">
            {loading ? (
              <div className="flex items-center gap-2 px-3 py-3 text-sm text-slate-500">
                <Spinner className="size-3" /> Loading columns…
              </div>
            ) : !available ? (
              <p className="px-3 py-3 text-sm text-red-600">Could not load the columns.</p>
            ) : (
              GROUPS.map(({ entity, label }) => {
                const keys = available[entity].filter((k) => !needle || k.toLowerCase().includes(needle));
                if (available[entity].length === 0) return null;
                const allOn = keys.length > 0 && keys.every((key) => isOn({ entity, key }));
                return (
                  <div key={entity} role="group" aria-label={label} className="px-1 pb-1">
                    <div className="flex items-center justify-between px-2 pt-2 pb-1">
                      <span className="text-[11px] font-semibold tracking-wide text-slate-400 uppercase">
                        {label} <span className="font-normal normal-case">({available[entity].length})</span>
                      </span>
                      {keys.length > 0 ? (
                        <button
                          type="button"
                          className="text-[11px] font-medium text-indigo-600 hover:underline"
                          onClick={() => setGroup(entity, keys, !allOn)}
                        >
                          {allOn ? "Hide all" : "Show all"}
                        </button>
                      ) : null}
                    </div>
                    {keys.length === 0 ? <p className="px-2 py-1 text-xs text-slate-400">No match</p> : null}
                    {keys.map((key) => {
                      const on = isOn({ entity, key });
                      return (
                        <label
                          key={key}
                          className={cn("flex cursor-pointer items-center gap-2 rounded-md px-2 py-1 text-sm hover:bg-slate-50", on && "text-slate-900")}
                        >
                          <input
                            type="checkbox"
                            checked={on}
                            onChange={() => toggle({ entity, key })}
                            className="size-3.5 accent-indigo-600"
                          />
                          <span className="truncate font-mono text-[12.5px]" title={key}>
                            {key}
                          </span>
                        </label>
                      );
                    })}
                  </div>
                );
              })
            )}
            {available && available.params.length + available.metrics.length + available.tags.length === 0 ? (
              <p className="px-3 py-3 text-sm text-slate-500">The runs of this experiment have no params, metrics or tags yet.</p>
            ) : null}
          </div>
          <div className="flex items-center justify-between border-t border-slate-100 bg-slate-50/70 px-3 py-2">
            <button type="button" className="text-xs font-medium text-slate-600 hover:text-slate-900" onClick={() => onChange(null)}>
              Reset to default
            </button>
            <Button size="sm" variant="ghost" onClick={() => setOpen(false)}>
              Done
            </Button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

"use client";

import { useId, useMemo, useRef, useState } from "react";
import { cn } from "@/lib/cn";
import { browserTimeZone, isValidTimeZone, searchTimeZones } from "@/lib/schedules";
import { useDismiss } from "@/lib/use-dismiss";
import { fieldClass, invalidFieldClass } from "../ui/field";
import { ChevronDownIcon } from "../ui/icons";

/**
 * An IANA time zone picker with search: type part of a city or region ("berlin", "new york"),
 * pick with the mouse or the arrow keys and Enter. Text that is not a zone is not accepted
 * (the last valid zone stays).
 */
export function TimeZoneSelect({
  id,
  value,
  onChange,
  invalid,
  describedBy,
}: {
  id: string;
  value: string;
  onChange: (zone: string) => void;
  invalid?: boolean;
  describedBy?: string;
}) {
  const listId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const text = query ?? value;
  const matches = useMemo(() => {
    const base = searchTimeZones(query ?? "", undefined, 60);
    const local = browserTimeZone();
    // The browser's zone first when not searching: the likely pick.
    return query ? base : [local, ...base.filter((z) => z !== local)];
  }, [query]);

  const close = () => {
    setOpen(false);
    setQuery(null);
  };
  useDismiss(open, rootRef, (o) => (o ? setOpen(true) : close()));

  const pick = (zone: string) => {
    onChange(zone);
    close();
  };

  return (
    <div ref={rootRef} className="relative">
      <input
        id={id}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        aria-activedescendant={open && matches[active] ? `${listId}-${active}` : undefined}
        autoComplete="off"
        spellCheck={false}
        value={text}
        onFocus={(e) => {
          e.currentTarget.select();
          setOpen(true);
        }}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(a + 1, matches.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === "Enter") {
            if (!open) return;
            e.preventDefault();
            const typed = (query ?? "").trim();
            const exact = matches.find((z) => z.toLowerCase() === typed.toLowerCase());
            const zone = exact ?? matches[active];
            if (zone) pick(zone);
          } else if (e.key === "Escape" && open) {
            e.preventDefault();
            e.stopPropagation();
            close();
          }
        }}
        onBlur={() => {
          // Typed a full zone name and tabbed away: take it.
          const typed = (query ?? "").trim();
          if (typed && typed !== value && isValidTimeZone(typed)) {
            const canonical = matches.find((z) => z.toLowerCase() === typed.toLowerCase());
            if (canonical) onChange(canonical);
          }
        }}
        placeholder="Search time zones"
        className={cn(fieldClass, "pr-8 font-mono text-[13px]", invalid && invalidFieldClass)}
      />
      <ChevronDownIcon className="pointer-events-none absolute top-1/2 right-2.5 -translate-y-1/2 text-slate-400" />
      {open ? (
        <ul
          id={listId}
          role="listbox"
          aria-label="Time zones"
          className="absolute z-20 mt-1 max-h-60 w-full overflow-y-auto rounded-lg border border-slate-200 bg-white py-1 text-sm shadow-lg"
        >
          {matches.length === 0 ? (
            <li className="px-3 py-2 text-slate-500">No time zone matches “{query}”.</li>
          ) : (
            matches.map((z, i) => (
              <li
                key={z}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={z === value}
                onMouseDown={(e) => e.preventDefault()}
                onMouseEnter={() => setActive(i)}
                onClick={() => pick(z)}
                className={cn(
                  "flex cursor-pointer items-center justify-between gap-2 px-3 py-1.5 font-mono text-[13px]",
                  i === active ? "bg-indigo-50 text-indigo-800" : "text-slate-700",
                )}
              >
                <span>{z}</span>
                {z === browserTimeZone() ? (
                  <span aria-hidden="true" className="font-sans text-[11px] text-slate-400">
                    your zone
                  </span>
                ) : null}
              </li>
            ))
          )}
        </ul>
      ) : null}
    </div>
  );
}

"use client";

import { cn } from "@/lib/cn";
import { AlertIcon } from "../ui/icons";

export const GATE_EXAMPLES = ["accuracy >= production.accuracy", "f1 >= 0.8", "loss <= production.loss + 0.01"];

/**
 * Promotion gates, one per line, with line numbers; the API's message for a bad gate is
 * shown under the editor with its line (and the line number turns red).
 */
export function GatesEditor({
  id,
  value,
  onChange,
  errors,
  disabled,
  describedBy,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  /** Messages by 1-based line. */
  errors: Map<number, string[]>;
  disabled?: boolean;
  describedBy?: string;
}) {
  const count = Math.max(3, value.split("\n").length + 1);
  const numbers = Array.from({ length: count }, (_, i) => i + 1);
  const invalid = errors.size > 0;
  const errorsId = `${id}-errors`;
  return (
    <div>
      <div
        className={cn(
          "flex overflow-hidden rounded-lg border bg-white shadow-xs focus-within:ring-2",
          invalid ? "border-red-400 focus-within:border-red-500 focus-within:ring-red-500/20" : "border-slate-300 focus-within:border-indigo-500 focus-within:ring-indigo-500/20",
        )}
      >
        <div aria-hidden="true" className="shrink-0 border-r border-slate-200 bg-slate-50 py-2 pr-2 pl-2.5 text-right font-mono text-[12px] leading-5 text-slate-400 select-none">
          {numbers.map((n) => (
            <div key={n} className={cn(errors.has(n) && "font-semibold text-red-600")}>
              {n}
            </div>
          ))}
        </div>
        <textarea
          id={id}
          value={value}
          disabled={disabled}
          rows={count}
          wrap="off"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={invalid || undefined}
          aria-describedby={[describedBy, invalid ? errorsId : null].filter(Boolean).join(" ") || undefined}
          placeholder={GATE_EXAMPLES.join("\n")}
          onChange={(e) => onChange(e.target.value)}
          className="min-w-0 flex-1 resize-none overflow-x-auto bg-transparent px-2.5 py-2 font-mono text-[12.5px] leading-5 text-slate-900 placeholder:text-slate-400 focus:outline-none disabled:text-slate-500"
        />
      </div>
      {invalid ? (
        <ul id={errorsId} className="mt-1.5 space-y-1" role="alert" data-testid="gate-errors">
          {[...errors.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([line, messages]) => (
              <li key={line} className="flex items-start gap-1.5 text-xs text-red-700" data-line={line}>
                <AlertIcon className="mt-px shrink-0 text-red-500" />
                <span className="min-w-0 break-words">
                  <span className="font-semibold">Line {line}:</span> {messages.join(" ")}
                </span>
              </li>
            ))}
        </ul>
      ) : null}
    </div>
  );
}

/** What gates are, for the forms that edit them. */
export function GatesHelp({ id }: { id?: string }) {
  return (
    <p id={id} className="mt-1.5 text-xs text-slate-500">
      One condition per line on the version&apos;s run metrics, checked when it is promoted to Production. Compare with a number or with the
      current Production version: <code className="font-mono text-slate-700">f1 &gt;= 0.8</code>,{" "}
      <code className="font-mono text-slate-700">accuracy &gt;= production.accuracy</code>,{" "}
      <code className="font-mono text-slate-700">loss &lt;= production.loss + 0.01</code>.
    </p>
  );
}

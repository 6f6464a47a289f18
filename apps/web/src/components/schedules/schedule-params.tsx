"use client";

import type { ParamField, RawValue } from "@/lib/param-form";
import { SCHEDULE_TEMPLATES, insertAt } from "@/lib/schedules";
import { ParamFieldRow } from "../start-run-form";

/**
 * The pipeline's params, generated from its param schema like the start-run form. String params
 * may use the schedule templates (rendered per run, ISO 8601 UTC); buttons insert them at the caret.
 */
export function ScheduleParams({
  id,
  fields,
  values,
  errors,
  onChange,
  onBlur,
}: {
  id: string;
  fields: ParamField[];
  values: Record<string, RawValue>;
  errors: Record<string, string>;
  onChange: (name: string, value: RawValue) => void;
  onBlur: (field: ParamField) => void;
}) {
  if (fields.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 px-4 py-4 text-center text-sm text-slate-500">
        This pipeline version has no parameters.
      </p>
    );
  }
  return (
    <div className="space-y-4">
      {fields.map((field) => {
        const inputId = `${id}-param-${field.name}`;
        const templates =
          field.control === "string" ? (
            <div className="mt-1.5 flex flex-wrap items-center gap-1 text-[11px] text-slate-500">
              <span>Insert:</span>
              {SCHEDULE_TEMPLATES.map((t) => (
                <button
                  key={t.key}
                  type="button"
                  title={`${t.text} — ${t.help}`}
                  aria-label={`Insert ${t.text} into ${field.name}`}
                  onClick={() => {
                    const el = document.getElementById(inputId) as HTMLInputElement | null;
                    const current = typeof values[field.name] === "string" ? (values[field.name] as string) : "";
                    const next = insertAt(current, t.text, el?.selectionStart ?? null, el?.selectionEnd ?? null);
                    onChange(field.name, next.value);
                    requestAnimationFrame(() => {
                      el?.focus();
                      el?.setSelectionRange(next.caret, next.caret);
                    });
                  }}
                  className="rounded bg-indigo-50 px-1.5 py-0.5 font-mono text-indigo-700 ring-1 ring-indigo-100 ring-inset hover:bg-indigo-100"
                >
                  {t.label}
                </button>
              ))}
            </div>
          ) : null;
        return (
          <ParamFieldRow
            key={field.name}
            field={field}
            inputId={inputId}
            value={values[field.name]}
            error={errors[field.name] || undefined}
            onChange={(v) => onChange(field.name, v)}
            onBlur={() => onBlur(field)}
            extra={templates}
          />
        );
      })}
    </div>
  );
}

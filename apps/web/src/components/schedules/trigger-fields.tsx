"use client";

import { useEffect, useState } from "react";
import { ApiError } from "@/lib/api";
import type { SchedulePreview, ScheduleTrigger } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { useSchedulePreview } from "@/lib/queries";
import {
  CRON_PRESETS,
  WEEKDAYS,
  buildCron,
  detectPreset,
  formatInZone,
  hhmm,
  parseHhmm,
  scheduleIssues,
  type CronParts,
  type CronPreset,
  type IntervalUnit,
} from "@/lib/schedules";
import { Field, fieldClass, invalidFieldClass } from "../ui/field";
import { Skeleton, Spinner } from "../ui/feedback";
import { AlertIcon, ClockIcon, InfoIcon } from "../ui/icons";
import { TimeZoneSelect } from "./timezone-select";

export interface TriggerDraft {
  kind: "cron" | "interval";
  parts: CronParts;
  cron: string;
  timezone: string;
  every: string;
  unit: IntervalUnit;
}

const PREVIEW_DEBOUNCE_MS = 350;

/** The value a moment after it stopped changing. */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
    // The JSON key stands for the value: a new object with the same content is no change.
  }, [key, ms]);
  return debounced;
}

const segmentClass = (active: boolean) =>
  cn(
    "flex-1 rounded-md px-3 py-1.5 text-sm font-medium transition-colors",
    active ? "bg-white text-slate-900 shadow-xs ring-1 ring-slate-200" : "text-slate-600 hover:text-slate-900",
  );

/** Cron (with presets and a time zone) or a fixed interval. */
export function TriggerFields({
  id,
  draft,
  onChange,
  errors,
}: {
  id: string;
  draft: TriggerDraft;
  onChange: (next: TriggerDraft, field: "cron" | "timezone" | "everySeconds") => void;
  errors: { cron?: string; timezone?: string; everySeconds?: string };
}) {
  const setParts = (patch: Partial<CronParts>) => {
    const parts = { ...draft.parts, ...patch };
    const cron = buildCron(parts);
    onChange({ ...draft, parts, cron: cron ?? draft.cron }, "cron");
  };
  const p = draft.parts;
  const atTime = (
    <Field label="At" htmlFor={`${id}-at`} className="w-32">
      <input
        id={`${id}-at`}
        type="time"
        required
        value={hhmm(p.hour, p.minute)}
        onChange={(e) => {
          const t = parseHhmm(e.target.value);
          if (t) setParts(t);
        }}
        className={fieldClass}
      />
    </Field>
  );

  return (
    <div className="space-y-4">
      <div role="radiogroup" aria-label="Trigger" className="flex gap-1 rounded-lg bg-slate-100 p-1">
        {(
          [
            ["cron", "Calendar (cron)"],
            ["interval", "Fixed interval"],
          ] as const
        ).map(([kind, label]) => (
          <button
            key={kind}
            type="button"
            role="radio"
            aria-checked={draft.kind === kind}
            className={segmentClass(draft.kind === kind)}
            onClick={() => onChange({ ...draft, kind }, kind === "cron" ? "cron" : "everySeconds")}
          >
            {label}
          </button>
        ))}
      </div>

      {draft.kind === "cron" ? (
        <>
          <div className="flex flex-wrap items-end gap-3">
            <Field label="Repeat" htmlFor={`${id}-preset`} className="min-w-48 flex-1">
              <select
                id={`${id}-preset`}
                value={p.preset}
                onChange={(e) => setParts({ preset: e.target.value as CronPreset })}
                className={fieldClass}
              >
                {CRON_PRESETS.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </Field>
            {p.preset === "hour" ? (
              <Field label="At minute" htmlFor={`${id}-minute`} className="w-28">
                <input
                  id={`${id}-minute`}
                  type="number"
                  min={0}
                  max={59}
                  value={p.minute}
                  onChange={(e) => {
                    const n = Number(e.target.value);
                    if (Number.isInteger(n) && n >= 0 && n <= 59) setParts({ minute: n });
                  }}
                  className={fieldClass}
                />
              </Field>
            ) : null}
            {p.preset === "week" ? (
              <Field label="On" htmlFor={`${id}-weekday`} className="w-36">
                <select id={`${id}-weekday`} value={p.weekday} onChange={(e) => setParts({ weekday: Number(e.target.value) })} className={fieldClass}>
                  {[1, 2, 3, 4, 5, 6, 0].map((d) => (
                    <option key={d} value={d}>
                      {WEEKDAYS[d]}
                    </option>
                  ))}
                </select>
              </Field>
            ) : null}
            {p.preset === "month" ? (
              <Field label="On day" htmlFor={`${id}-monthday`} className="w-24">
                <input
                  id={`${id}-monthday`}
                  type="number"
                  min={1}
                  max={31}
                  value={p.monthDay}
                  onChange={(e) => {
                    const n = Number(e.target.value);
                    if (Number.isInteger(n) && n >= 1 && n <= 31) setParts({ monthDay: n });
                  }}
                  className={fieldClass}
                />
              </Field>
            ) : null}
            {p.preset === "day" || p.preset === "weekday" || p.preset === "week" || p.preset === "month" ? atTime : null}
          </div>
          <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
            <Field
              label="Cron expression"
              htmlFor={`${id}-cron`}
              error={errors.cron}
              hint={<>minute hour day-of-month month day-of-week</>}
            >
              <input
                id={`${id}-cron`}
                value={draft.cron}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => {
                  const cron = e.target.value;
                  onChange({ ...draft, cron, parts: detectPreset(cron, draft.parts) }, "cron");
                }}
                placeholder="0 2 * * *"
                aria-invalid={errors.cron ? true : undefined}
                className={cn(fieldClass, "font-mono", errors.cron && invalidFieldClass)}
              />
            </Field>
            <Field label="Time zone" htmlFor={`${id}-tz`} error={errors.timezone} hint="Cron times are wall-clock times in this zone.">
              <TimeZoneSelect id={`${id}-tz`} value={draft.timezone} onChange={(timezone) => onChange({ ...draft, timezone }, "timezone")} invalid={!!errors.timezone} />
            </Field>
          </div>
        </>
      ) : (
        <Field label="Every" htmlFor={`${id}-every`} error={errors.everySeconds} hint="Runs start at the start date and then every interval, regardless of time zones and daylight saving.">
          <div className="flex gap-2">
            <input
              id={`${id}-every`}
              type="number"
              min={1}
              step={1}
              value={draft.every}
              onChange={(e) => onChange({ ...draft, every: e.target.value }, "everySeconds")}
              aria-invalid={errors.everySeconds ? true : undefined}
              className={cn(fieldClass, "w-28", errors.everySeconds && invalidFieldClass)}
            />
            <select
              aria-label="Interval unit"
              value={draft.unit}
              onChange={(e) => onChange({ ...draft, unit: e.target.value as IntervalUnit }, "everySeconds")}
              className={cn(fieldClass, "w-36")}
            >
              <option value="minutes">minutes</option>
              <option value="hours">hours</option>
              <option value="days">days</option>
            </select>
          </div>
        </Field>
      )}
    </div>
  );
}

/**
 * "Next 5 runs" of the trigger being edited, asked of the API a moment after typing stops,
 * with its description and how daylight-saving changes are handled. Trigger errors of the
 * preview are reported through `onIssues` (shown next to the fields).
 */
export function TriggerPreview({
  project,
  trigger,
  startAt,
  zone,
  onIssues,
}: {
  project: string;
  trigger: ScheduleTrigger | null;
  startAt: string | null;
  zone: string;
  onIssues: (issues: { cron?: string; timezone?: string; everySeconds?: string; general?: string }) => void;
}) {
  const body = useDebounced(trigger ? { trigger, ...(startAt ? { startAt } : {}), count: 5 } : null, PREVIEW_DEBOUNCE_MS);
  const preview = useSchedulePreview(project, body);
  const error = preview.error;
  const stale = preview.isPlaceholderData || JSON.stringify(body?.trigger ?? null) !== JSON.stringify(trigger);

  // Report the preview's trigger problems to the form (or clear them).
  const issueKey = error instanceof ApiError ? JSON.stringify(error.issues) + error.message : error ? String(error) : "";
  useEffect(() => {
    if (!(error instanceof ApiError) || !error.isClientError) {
      onIssues({});
      return;
    }
    const kind = trigger?.kind ?? "cron";
    const { fields, general } = scheduleIssues(error.issues, [], kind);
    onIssues({
      cron: fields.cron,
      timezone: fields.timezone,
      everySeconds: fields.everySeconds,
      general: general.length > 0 || (!fields.cron && !fields.timezone && !fields.everySeconds) ? (general.map((g) => g.message).join(" ") || error.message) : undefined,
    });
    // issueKey stands for the error.
  }, [issueKey]);

  return (
    <section aria-label="Next runs" data-testid="schedule-preview" className="rounded-lg border border-slate-200 bg-slate-50/60 p-3.5">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="flex items-center gap-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">
          <ClockIcon /> Next 5 runs
        </h3>
        {preview.isFetching || stale ? <Spinner className="size-3 text-slate-300" /> : null}
      </div>
      {!trigger ? (
        <p className="text-sm text-slate-500">Complete the trigger to see when it runs.</p>
      ) : preview.isPending && !preview.data ? (
        <div className="space-y-1.5" aria-busy="true">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-4 w-56" />
          ))}
        </div>
      ) : error && !(error instanceof ApiError && error.isClientError) ? (
        <p className="flex items-center gap-1.5 text-sm text-red-700" role="alert">
          <AlertIcon /> Could not preview: {error.message}
        </p>
      ) : error ? (
        <p className="text-sm text-slate-500">Fix the trigger to see when it runs.</p>
      ) : preview.data ? (
        <PreviewBody data={preview.data} zone={zone} dim={stale} />
      ) : null}
    </section>
  );
}

function PreviewBody({ data, zone, dim }: { data: SchedulePreview; zone: string; dim: boolean }) {
  return (
    <div className={cn("transition-opacity", dim && "opacity-60")}>
      <p className="mb-2 text-sm font-medium text-slate-800 first-letter:uppercase" data-testid="preview-description">
        {data.description}
      </p>
      {data.fireTimes.length === 0 ? (
        <p className="text-sm text-slate-500">No fire time ahead (the end date is past, or the expression never matches).</p>
      ) : (
        <ol className="space-y-0.5 font-mono text-[13px] text-slate-700" data-testid="preview-fire-times">
          {data.fireTimes.map((t) => (
            <li key={t} className="flex items-center gap-2">
              <span className="size-1 rounded-full bg-indigo-400" />
              <time dateTime={t}>{formatInZone(t, zone)}</time>
            </li>
          ))}
        </ol>
      )}
      {data.dstPolicy ? (
        <details className="group mt-2.5 text-xs text-slate-500">
          <summary className="inline-flex cursor-pointer list-none items-center gap-1 font-medium text-indigo-600 hover:underline">
            <InfoIcon /> How daylight-saving changes are handled
          </summary>
          <p className="mt-1.5 rounded-md bg-white p-2.5 leading-relaxed text-slate-600 ring-1 ring-slate-200">{data.dstPolicy}</p>
        </details>
      ) : null}
    </div>
  );
}

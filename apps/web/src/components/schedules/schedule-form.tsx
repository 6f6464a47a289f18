"use client";

import { useRouter } from "next/navigation";
import { useCallback, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "@/lib/api";
import type { ConcurrencyPolicy, JsonValue, Schedule, ScheduleRequest, ScheduleTrigger } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { buildFields, initialValues, parseField, validateParams, valuesFromParams, type ParamField, type RawValue } from "@/lib/param-form";
import { useCreateSchedule, usePipeline, usePipelineVersion, usePipelines, useUpdateSchedule } from "@/lib/queries";
import { schedulePath } from "@/lib/route-params";
import {
  CONCURRENCY_OPTIONS,
  DEFAULT_CRON_PARTS,
  UNIT_SECONDS,
  browserTimeZone,
  detectPreset,
  isoToWallTime,
  scheduleIssues,
  splitInterval,
  wallTimeToIso,
  type ScheduleField,
} from "@/lib/schedules";
import { Switch } from "../start-run-form";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { ErrorMessage, Skeleton, Spinner } from "../ui/feedback";
import { Checkbox, Field, fieldClass, invalidFieldClass } from "../ui/field";
import { CheckIcon } from "../ui/icons";
import { ScheduleParams } from "./schedule-params";
import { TriggerFields, TriggerPreview, type TriggerDraft } from "./trigger-fields";

/** New schedule (no `schedule`) or edit one, in a drawer. */
export function ScheduleFormDialog({
  project,
  open,
  onClose,
  schedule,
  initialPipeline,
}: {
  project: string;
  open: boolean;
  onClose: () => void;
  schedule?: Schedule;
  initialPipeline?: string;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      variant="drawer"
      className="max-w-2xl!"
      bodyClassName="px-5 pt-4"
      title={schedule ? `Edit ${schedule.name}` : "New schedule"}
      description={schedule ? "Changes to the trigger or start take effect from now: past fire times are not run again." : "Run a pipeline on a calendar or at a fixed interval."}
    >
      <ScheduleForm project={project} schedule={schedule} initialPipeline={initialPipeline} onClose={onClose} />
    </Dialog>
  );
}

function initialTrigger(schedule: Schedule | undefined): TriggerDraft {
  const t = schedule?.trigger;
  if (t?.kind === "interval") {
    const { every, unit } = splitInterval(t.everySeconds);
    return { kind: "interval", parts: DEFAULT_CRON_PARTS, cron: "0 2 * * *", timezone: browserTimeZone(), every: String(every), unit };
  }
  const cron = t?.cron ?? "0 2 * * *";
  return { kind: "cron", parts: detectPreset(cron), cron, timezone: t?.timezone ?? browserTimeZone(), every: "1", unit: "hours" };
}

function triggerOf(d: TriggerDraft): ScheduleTrigger | null {
  if (d.kind === "cron") return d.cron.trim() && d.timezone ? { kind: "cron", cron: d.cron.trim().replace(/\s+/g, " "), timezone: d.timezone } : null;
  const n = Number(d.every);
  return Number.isInteger(n) && n > 0 ? { kind: "interval", everySeconds: n * UNIT_SECONDS[d.unit] } : null;
}

type Errors = Partial<Record<ScheduleField, string>>;

function Section({ title, children, description }: { title: string; children: ReactNode; description?: ReactNode }) {
  return (
    <section className="space-y-4 border-t border-slate-100 pt-5 first:border-t-0 first:pt-0">
      <div>
        <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
        {description ? <p className="mt-0.5 text-xs text-slate-500">{description}</p> : null}
      </div>
      {children}
    </section>
  );
}

function ScheduleForm({ project, schedule, initialPipeline, onClose }: { project: string; schedule?: Schedule; initialPipeline?: string; onClose: () => void }) {
  const id = useId();
  const router = useRouter();
  const editing = !!schedule;
  const create = useCreateSchedule(project);
  const update = useUpdateSchedule(project, schedule?.id ?? "");
  const save = editing ? update : create;

  const [name, setName] = useState(schedule?.name ?? "");
  const [pipeline, setPipeline] = useState(schedule?.pipeline ?? initialPipeline ?? "");
  const [version, setVersion] = useState<number | null>(schedule?.version ?? null);
  const [trigger, setTrigger] = useState<TriggerDraft>(() => initialTrigger(schedule));
  // Cron times are wall-clock times in its zone; interval triggers ignore zones and are shown in UTC.
  const zone = trigger.kind === "cron" ? trigger.timezone : "UTC";
  // Instants; the inputs show (and take) them as wall-clock times in the form's zone.
  const [startIso, setStartIso] = useState<string | null>(schedule?.startAt ?? null);
  const [endIso, setEndIso] = useState<string | null>(schedule?.endAt ?? null);
  const [concurrency, setConcurrency] = useState<ConcurrencyPolicy>(schedule?.concurrency ?? "skip");
  const [maxConcurrent, setMaxConcurrent] = useState(String(schedule?.maxConcurrent ?? 1));
  const [catchup, setCatchup] = useState(schedule?.catchup ?? false);
  const [startPaused, setStartPaused] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [previewErrors, setPreviewErrors] = useState<{ cron?: string; timezone?: string; everySeconds?: string; general?: string }>({});
  const [paramErrors, setParamErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<ApiError | Error | null>(null);
  const [done, setDone] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  /** After a failed submit: bring the first field marked invalid into view. */
  const focusFirstInvalid = () =>
    requestAnimationFrame(() => {
      const el = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
      el?.focus();
      el?.scrollIntoView({ block: "center" });
    });

  // Pipelines, the chosen one's versions, and the param schema of the version runs will use.
  const pipelines = usePipelines(project);
  const detail = usePipeline(project, pipeline || null);
  const latest = detail.data?.pipeline.latestVersion ?? null;
  const effectiveVersion = version ?? latest;
  const versionDetail = usePipelineVersion(project, pipeline || null, effectiveVersion);
  const paramSpecs = versionDetail.data?.spec.params;
  const fields = useMemo(() => buildFields(paramSpecs), [paramSpecs]);

  // Param values restart from the schedule's (or the defaults) whenever the schema changes.
  const specKey = versionDetail.data ? `${pipeline}@${versionDetail.data.version}` : null;
  const [valuesFor, setValuesFor] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, RawValue>>({});
  if (specKey && specKey !== valuesFor) {
    setValuesFor(specKey);
    setValues(schedule && schedule.pipeline === pipeline ? valuesFromParams(fields, schedule.params) : initialValues(fields));
    setParamErrors({});
  }

  const clear = (field: ScheduleField) => setErrors((e) => (e[field] ? { ...e, [field]: undefined } : e));
  const onPreviewIssues = useCallback((issues: typeof previewErrors) => setPreviewErrors(issues), []);

  const triggerBody = triggerOf(trigger);
  const triggerErrors = {
    cron: errors.cron ?? previewErrors.cron,
    timezone: errors.timezone ?? previewErrors.timezone,
    everySeconds: errors.everySeconds ?? previewErrors.everySeconds,
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const local: Errors = {};
    if (!name.trim()) local.name = "Give the schedule a name.";
    if (!pipeline) local.pipeline = "Choose a pipeline.";
    if (!triggerBody) {
      if (trigger.kind === "cron") local.cron = trigger.cron.trim() ? undefined : "Enter a cron expression.";
      else local.everySeconds = "Enter a whole number greater than 0.";
    }
    if (startIso && endIso && Date.parse(endIso) <= Date.parse(startIso)) local.endAt = "The end must be after the start.";
    const max = Number(maxConcurrent);
    if (concurrency !== "skip" && (!Number.isInteger(max) || max < 1 || max > 100)) local.maxConcurrent = "A whole number from 1 to 100.";
    const { params, errors: pErrors } = versionDetail.data ? validateParams(fields, values) : { params: schedule?.params ?? {}, errors: {} };
    setErrors(local);
    setParamErrors(pErrors);
    setGeneral(null);
    if (Object.values(local).some(Boolean) || Object.values(pErrors).some(Boolean) || !triggerBody) {
      focusFirstInvalid();
      return;
    }

    const body: ScheduleRequest = {
      name: name.trim(),
      pipeline,
      version,
      trigger: triggerBody,
      params: params as Record<string, JsonValue>,
      concurrency,
      maxConcurrent: concurrency === "skip" ? 1 : max,
      catchup,
      ...(startIso ? { startAt: startIso } : {}),
      ...(endIso ? { endAt: endIso } : editing && schedule?.endAt ? { endAt: null } : {}),
      ...(!editing && startPaused ? { paused: true } : {}),
    };
    // An edit sends only what changed: an unchanged trigger or start must not re-time the schedule.
    const payload: Partial<ScheduleRequest> = editing ? changedFields(body, schedule!) : body;
    if (editing && Object.keys(payload).length === 0) {
      onClose();
      return;
    }
    save.mutate(payload as ScheduleRequest, {
      onSuccess: (saved) => {
        setDone(true);
        onClose();
        if (!editing) router.push(schedulePath(project, saved.id));
      },
      onError: (err) => {
        if (!(err instanceof ApiError)) {
          setGeneral(err);
          return;
        }
        const split = scheduleIssues(err.issues, fields.map((f) => f.name), trigger.kind);
        const next: Errors = { ...split.fields };
        if (err.status === 409 && !next.name) next.name = err.message;
        setErrors(next);
        setParamErrors(split.params);
        const fieldCount = Object.values(next).filter(Boolean).length + Object.values(split.params).filter(Boolean).length;
        setGeneral(split.general.length > 0 ? new ApiError(err.status, err.code, err.message, split.general) : fieldCount === 0 ? err : null);
        if (fieldCount > 0) focusFirstInvalid();
      },
    });
  };

  const pipelineOptions = pipelines.data?.items ?? [];
  const versions = detail.data?.versions ?? [];

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={editing ? "Edit schedule" : "New schedule"} className="flex min-h-full flex-col gap-5 pb-0">
      <Section title="What runs">
        <Field label="Name" htmlFor={`${id}-name`} error={errors.name} hint="Letters, digits, spaces, “.”, “_” and “-”.">
          <input
            id={`${id}-name`}
            autoFocus={!editing}
            maxLength={100}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              clear("name");
            }}
            placeholder="nightly-retrain"
            aria-invalid={errors.name ? true : undefined}
            className={cn(fieldClass, errors.name && invalidFieldClass)}
          />
        </Field>
        <div className="grid gap-4">
          <Field label="Pipeline" htmlFor={`${id}-pipeline`} error={errors.pipeline ?? (pipelines.error ? pipelines.error.message : undefined)}>
            <select
              id={`${id}-pipeline`}
              value={pipeline}
              disabled={pipelines.isPending}
              onChange={(e) => {
                setPipeline(e.target.value);
                setVersion(null);
                clear("pipeline");
                clear("version");
              }}
              aria-invalid={errors.pipeline ? true : undefined}
              className={cn(fieldClass, errors.pipeline && invalidFieldClass)}
            >
              <option value="" disabled>
                {pipelines.isPending ? "Loading pipelines…" : pipelineOptions.length === 0 ? "No pipelines yet" : "Choose a pipeline…"}
              </option>
              {pipeline && !pipelineOptions.some((p) => p.name === pipeline) ? <option value={pipeline}>{pipeline}</option> : null}
              {pipelineOptions.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Version"
            htmlFor={`${id}-version`}
            error={errors.version}
            hint={version === null ? "Each run uses the newest version at the time it starts." : `Every run uses v${version}, even after newer versions are pushed.`}
          >
            <select
              id={`${id}-version`}
              value={version === null ? "latest" : String(version)}
              disabled={!pipeline || detail.isPending}
              onChange={(e) => {
                setVersion(e.target.value === "latest" ? null : Number(e.target.value));
                clear("version");
              }}
              aria-invalid={errors.version ? true : undefined}
              className={cn(fieldClass, errors.version && invalidFieldClass)}
            >
              <option value="latest">{latest ? `Latest (currently v${latest}) — each run uses the newest version` : "Latest — each run uses the newest version"}</option>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version} (pinned)
                </option>
              ))}
              {version !== null && !versions.some((v) => v.version === version) ? <option value={version}>v{version} (pinned)</option> : null}
            </select>
          </Field>
        </div>
      </Section>

      <Section title="When">
        <TriggerFields
          id={id}
          draft={trigger}
          errors={triggerErrors}
          onChange={(next, field) => {
            setTrigger(next);
            clear(field);
            if (next.kind !== trigger.kind) {
              clear("cron");
              clear("everySeconds");
              clear("timezone");
            }
          }}
        />
        <TriggerPreview project={project} trigger={triggerBody} startAt={startIso} zone={zone} onIssues={onPreviewIssues} />
        {previewErrors.general ? <p className="text-xs text-red-600">{previewErrors.general}</p> : null}
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Start" htmlFor={`${id}-start`} optional error={errors.startAt} hint={`No fire time before it. Empty: from now. In ${zone}.`}>
            <input
              id={`${id}-start`}
              type="datetime-local"
              value={isoToWallTime(startIso, zone)}
              onChange={(e) => {
                setStartIso(e.target.value ? wallTimeToIso(e.target.value, zone) : null);
                clear("startAt");
              }}
              aria-invalid={errors.startAt ? true : undefined}
              className={cn(fieldClass, errors.startAt && invalidFieldClass)}
            />
          </Field>
          <Field label="End" htmlFor={`${id}-end`} optional error={errors.endAt} hint={`No fire time after it. Empty: runs until deleted. In ${zone}.`}>
            <input
              id={`${id}-end`}
              type="datetime-local"
              value={isoToWallTime(endIso, zone)}
              onChange={(e) => {
                setEndIso(e.target.value ? wallTimeToIso(e.target.value, zone) : null);
                clear("endAt");
              }}
              aria-invalid={errors.endAt ? true : undefined}
              className={cn(fieldClass, errors.endAt && invalidFieldClass)}
            />
          </Field>
        </div>
      </Section>

      <Section title="Overlap and missed runs">
        <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_8rem]">
          <Field label="When the previous run is still running" htmlFor={`${id}-concurrency`} error={errors.concurrency} hint={CONCURRENCY_OPTIONS.find((o) => o.value === concurrency)?.help}>
            <select
              id={`${id}-concurrency`}
              value={concurrency}
              onChange={(e) => {
                setConcurrency(e.target.value as ConcurrencyPolicy);
                clear("concurrency");
              }}
              className={fieldClass}
            >
              {CONCURRENCY_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Max concurrent" htmlFor={`${id}-max`} error={errors.maxConcurrent} hint={concurrency === "skip" ? "One at a time." : undefined}>
            <input
              id={`${id}-max`}
              type="number"
              min={1}
              max={100}
              step={1}
              disabled={concurrency === "skip"}
              value={concurrency === "skip" ? "1" : maxConcurrent}
              onChange={(e) => {
                setMaxConcurrent(e.target.value);
                clear("maxConcurrent");
              }}
              aria-invalid={errors.maxConcurrent ? true : undefined}
              className={cn(fieldClass, errors.maxConcurrent && invalidFieldClass)}
            />
          </Field>
        </div>
        <div className="flex items-start justify-between gap-4">
          <div>
            <label htmlFor={`${id}-catchup`} className="text-sm font-medium text-slate-800">
              Catch up missed runs
            </label>
            <p id={`${id}-catchup-desc`} className="mt-0.5 text-xs text-slate-500">
              {catchup
                ? "On: fire times missed while Trellis was down or the schedule was paused each run once, oldest first, when it comes back."
                : "Off: after downtime only the latest missed fire time runs; after a pause, runs start again from the next fire time. Use a backfill to run past intervals."}
            </p>
            {errors.catchup ? <p className="mt-1 text-xs text-red-600">{errors.catchup}</p> : null}
          </div>
          <Switch id={`${id}-catchup`} checked={catchup} onChange={setCatchup} describedBy={`${id}-catchup-desc`} />
        </div>
      </Section>

      <Section
        title="Parameters"
        description={
          <>
            String parameters may use <code className="font-mono">{"${{ schedule.logical_date }}"}</code>, <code className="font-mono">{"${{ schedule.interval_start }}"}</code> and{" "}
            <code className="font-mono">{"${{ schedule.interval_end }}"}</code>, filled in per run (ISO 8601, UTC).
          </>
        }
      >
        {!pipeline ? (
          <p className="text-sm text-slate-500">Choose a pipeline to set its parameters.</p>
        ) : versionDetail.isPending || detail.isPending ? (
          <div className="space-y-3" aria-busy="true">
            <Skeleton className="h-3.5 w-28" />
            <Skeleton className="h-9 w-full" />
          </div>
        ) : versionDetail.error || detail.error ? (
          <ErrorMessage error={versionDetail.error ?? detail.error} />
        ) : (
          <ScheduleParams
            id={id}
            fields={fields}
            values={values}
            errors={paramErrors}
            onChange={(n, v) => {
              setValues((prev) => ({ ...prev, [n]: v }));
              setParamErrors((prev) => (prev[n] ? { ...prev, [n]: "" } : prev));
            }}
            onBlur={(f: ParamField) => {
              const r = parseField(f, values[f.name]);
              setParamErrors((prev) => ({ ...prev, [f.name]: r.ok ? "" : r.error }));
            }}
          />
        )}
      </Section>

      {!editing ? (
        <div className="border-t border-slate-100 pt-5">
          <Checkbox checked={startPaused} onChange={setStartPaused} label="Create paused" description="Nothing runs until you resume it (backfills still work)." />
        </div>
      ) : null}

      {general ? <ErrorMessage error={general} /> : null}
      {Object.values(errors).some(Boolean) || Object.values(paramErrors).some(Boolean) ? (
        <p className="text-xs font-medium text-red-600" role="status">
          Some fields need attention (highlighted above).
        </p>
      ) : null}

      <div className="sticky bottom-0 -mx-5 mt-auto flex items-center justify-end gap-2 border-t border-slate-200 bg-white/95 px-5 py-3 backdrop-blur">
        <Button variant="ghost" onClick={onClose} disabled={save.isPending}>
          Cancel
        </Button>
        <Button variant="primary" type="submit" disabled={save.isPending || done} data-testid="save-schedule">
          {save.isPending ? <Spinner className="size-3.5" /> : <CheckIcon />}
          {editing ? "Save changes" : "Create schedule"}
        </Button>
      </div>
    </form>
  );
}

/** The fields of `body` that differ from the saved schedule. */
function changedFields(body: ScheduleRequest, s: Schedule): Partial<ScheduleRequest> {
  const saved: Record<string, unknown> = {
    name: s.name,
    pipeline: s.pipeline,
    version: s.version,
    trigger: s.trigger,
    params: s.params,
    concurrency: s.concurrency,
    maxConcurrent: s.maxConcurrent,
    catchup: s.catchup,
    startAt: s.startAt,
    endAt: s.endAt,
  };
  const same = (a: unknown, b: unknown) => {
    if (typeof a === "string" && typeof b === "string" && !Number.isNaN(Date.parse(a)) && /^\d{4}-/.test(a)) return Date.parse(a) === Date.parse(b);
    return stable(a) === stable(b);
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!same(v, saved[k])) out[k] = v;
  return out as Partial<ScheduleRequest>;
}

function stable(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  return `{${Object.keys(v as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
    .join(",")}}`;
}

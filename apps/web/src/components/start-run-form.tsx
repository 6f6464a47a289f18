"use client";

import { useRouter } from "next/navigation";
import type { FormEvent, ReactNode } from "react";
import { useId, useMemo, useRef, useState } from "react";
import { ApiError } from "@/lib/api";
import type { ApiIssue, JsonValue, ParamSpec } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { newIdempotencyKey } from "@/lib/idempotency";
import {
  buildFields,
  encodeEnumValue,
  initialValues,
  parseField,
  splitIssues,
  validateParams,
  valuesFromParams,
  type ParamField,
  type RawValue,
} from "@/lib/param-form";
import { useRerunRun, useStartRun } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { Button } from "./ui/button";
import { AlertIcon, PlayIcon } from "./ui/icons";
import { Skeleton, Spinner } from "./ui/feedback";

const inputBase =
  "block w-full rounded-lg border bg-white px-3 py-2 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 " +
  "focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none";

function inputClass(invalid: boolean) {
  return cn(inputBase, invalid ? "border-red-400 focus:border-red-500 focus:ring-red-500/20" : "border-slate-300");
}

const TYPE_LABEL: Record<string, string> = {
  string: "string",
  number: "number",
  integer: "integer",
  boolean: "boolean",
  json: "json",
};

/** A param's label: its name, whether it is required, and its type. */
export function ParamLabel({ field, inputId }: { field: ParamField; inputId: string }) {
  const type = TYPE_LABEL[field.spec.type] ?? field.spec.type;
  return (
    <label htmlFor={inputId} className="flex items-center gap-2 text-sm font-medium text-slate-800">
      <span className="font-mono">{field.name}</span>
      {field.required ? (
        <span className="text-red-500" title="Required">
          *<span className="sr-only"> required</span>
        </span>
      ) : null}
      <span className="rounded bg-slate-100 px-1.5 py-px font-mono text-[10px] font-normal text-slate-500">{field.control === "enum" ? `enum · ${type}` : type}</span>
    </label>
  );
}

export function ParamInput({
  field,
  value,
  error,
  onChange,
  onBlur,
  inputId,
  describedBy,
}: {
  field: ParamField;
  value: RawValue | undefined;
  error: string | undefined;
  onChange: (v: RawValue) => void;
  onBlur: () => void;
  inputId: string;
  describedBy: string | undefined;
}) {
  const invalid = !!error;
  const common = {
    id: inputId,
    name: field.name,
    "aria-invalid": invalid || undefined,
    "aria-describedby": describedBy,
    "aria-required": field.required || undefined,
    onBlur,
  };
  const text = typeof value === "string" ? value : "";

  switch (field.control) {
    case "boolean":
      return (
        <Switch
          id={inputId}
          checked={value === true}
          onChange={onChange}
          describedBy={describedBy}
          name={field.name}
          invalid={invalid}
          required={field.required}
        />
      );
    case "enum":
      return (
        <select {...common} value={text} onChange={(e) => onChange(e.target.value)} className={inputClass(invalid)}>
          {field.required ? <option value="">Select a value…</option> : null}
          {(field.spec.enum ?? []).map((opt) => {
            const v = encodeEnumValue(opt as JsonValue);
            return (
              <option key={v} value={v}>
                {typeof opt === "string" ? opt : JSON.stringify(opt)}
              </option>
            );
          })}
        </select>
      );
    case "number":
    case "integer":
      return (
        <input
          {...common}
          type="number"
          inputMode={field.control === "integer" ? "numeric" : "decimal"}
          step={field.control === "integer" ? 1 : "any"}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          placeholder={field.required ? "" : "Default"}
          className={inputClass(invalid)}
        />
      );
    case "json":
      return (
        <textarea
          {...common}
          value={text}
          rows={Math.min(10, Math.max(3, text.split("\n").length))}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
          placeholder='{"key": "value"}'
          className={cn(inputClass(invalid), "font-mono text-[13px]")}
        />
      );
    default:
      return (
        <input
          {...common}
          type="text"
          value={text}
          autoComplete="off"
          onChange={(e) => onChange(e.target.value)}
          className={inputClass(invalid)}
        />
      );
  }
}

/** Placeholder for the form while the pipeline version's params load. */
/**
 * One param of a generated form: its label and input (side by side for a boolean), anything
 * `extra` the caller adds under the input, then its error and description.
 */
export function ParamFieldRow({
  field,
  inputId,
  value,
  error,
  onChange,
  onBlur,
  extra,
}: {
  field: ParamField;
  inputId: string;
  value: RawValue | undefined;
  error: string | undefined;
  onChange: (value: RawValue) => void;
  onBlur: () => void;
  extra?: ReactNode;
}) {
  const descId = field.spec.description ? `${inputId}-desc` : undefined;
  const errId = error ? `${inputId}-err` : undefined;
  const describedBy = [errId, descId].filter(Boolean).join(" ") || undefined;
  const label = <ParamLabel field={field} inputId={inputId} />;
  const input = <ParamInput field={field} value={value} error={error} onChange={onChange} onBlur={onBlur} inputId={inputId} describedBy={describedBy} />;
  return (
    <div data-param={field.name}>
      {field.control === "boolean" ? (
        <div className="flex items-center justify-between gap-4">
          {label}
          {input}
        </div>
      ) : (
        <>
          <div className="mb-1.5">{label}</div>
          {input}
        </>
      )}
      {extra}
      {error ? (
        <p id={errId} className="mt-1.5 flex items-center gap-1 text-xs font-medium text-red-600">
          <AlertIcon className="shrink-0" /> {error}
        </p>
      ) : null}
      {field.spec.description ? (
        <p id={descId} className="mt-1 text-xs text-slate-500">
          {field.spec.description}
        </p>
      ) : null}
      {!field.required && (field.control === "number" || field.control === "integer" || field.control === "json") ? (
        <p className="mt-0.5 text-[11px] text-slate-400">Leave empty to use the default.</p>
      ) : null}
    </div>
  );
}

export function StartRunFormSkeleton() {
  return (
    <div className="space-y-4" aria-busy="true">
      {[0, 1, 2].map((i) => (
        <div key={i}>
          <Skeleton className="mb-2 h-3.5 w-28" />
          <Skeleton className="h-9 w-full" />
        </div>
      ))}
    </div>
  );
}

/**
 * Form generated from a pipeline version's param schema. Values start at the declared
 * defaults (or, for a rerun, at the origin run's values); validation runs client-side first,
 * then server issues (`params.NAME`) are shown next to the matching field and anything else
 * at the top.
 *
 * The form makes one idempotency key when it mounts (the dialog mounts it on open) and sends it
 * with every submit: a double click, or a retry after a lost answer, starts one run.
 */
export function StartRunForm({
  project,
  pipeline,
  version,
  params,
  formId,
  onStarted,
  onCancel,
  rerunOf,
  initialParams,
  initialName,
}: {
  project: string;
  pipeline: string;
  version: number;
  params: Record<string, ParamSpec>;
  formId: string;
  onStarted?: () => void;
  onCancel?: () => void;
  /** Rerun this run (same pipeline version and experiment, linked to it) instead of starting a fresh run. */
  rerunOf?: string;
  /** Values to start from (only the params the pipeline declares are used). */
  initialParams?: Record<string, JsonValue>;
  initialName?: string;
}) {
  const router = useRouter();
  const baseId = useId();
  const fields = useMemo(() => buildFields(params), [params]);
  const [values, setValues] = useState<Record<string, RawValue>>(() =>
    initialParams ? valuesFromParams(fields, initialParams) : initialValues(fields),
  );
  const [runName, setRunName] = useState(initialName ?? "");
  const [experiment, setExperiment] = useState("");
  const [noCache, setNoCache] = useState(false);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const [serverFieldErrors, setServerFieldErrors] = useState<Record<string, string>>({});
  const [topError, setTopError] = useState<{ message: string; issues: ApiIssue[] } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const startRun = useStartRun(project);
  const rerun = useRerunRun(project, rerunOf ?? "");
  const start = rerunOf ? rerun : startRun;

  const setValue = (name: string, v: RawValue) => {
    setValues((prev) => ({ ...prev, [name]: v }));
    // Editing a field clears its stale errors; it is re-validated on blur/submit.
    setClientErrors((prev) => (prev[name] ? { ...prev, [name]: "" } : prev));
    setServerFieldErrors((prev) => (prev[name] ? { ...prev, [name]: "" } : prev));
  };

  const validateOne = (field: ParamField) => {
    const r = parseField(field, values[field.name]);
    setClientErrors((prev) => ({ ...prev, [field.name]: r.ok ? "" : r.error }));
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (start.isPending) return;
    const { params: body, errors } = validateParams(fields, values);
    setClientErrors(errors);
    setServerFieldErrors({});
    setTopError(null);
    const firstInvalid = fields.find((f) => errors[f.name]);
    if (firstInvalid) {
      formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(firstInvalid.name)}"]`)?.focus();
      return;
    }
    const name = runName.trim();
    const callbacks = {
        onSuccess: (run: { id: string }) => {
          onStarted?.();
          router.push(projectPath(project, "runs", run.id));
        },
        onError: (err: Error) => {
          if (err instanceof ApiError) {
            const { fieldErrors, general } = splitIssues(err.issues, fields.map((f) => f.name));
            setServerFieldErrors(fieldErrors);
            setTopError({ message: err.message, issues: general });
          } else {
            setTopError({ message: err instanceof Error ? err.message : String(err), issues: [] });
          }
        },
    };
    if (rerunOf) {
      rerun.mutate({ params: body, idempotencyKey, ...(name ? { name } : {}), ...(noCache ? { noCache } : {}) }, callbacks);
    } else {
      startRun.mutate(
        {
          pipeline,
          version,
          params: body,
          idempotencyKey,
          ...(name ? { name } : {}),
          ...(experiment.trim() ? { experiment: experiment.trim() } : {}),
          ...(noCache ? { noCache } : {}),
        },
        callbacks,
      );
    }
  };

  return (
    <form id={formId} ref={formRef} onSubmit={onSubmit} noValidate className="flex flex-1 flex-col gap-5">
      {topError ? (
        <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3.5 py-3 text-sm text-red-800">
          <div className="flex gap-2">
            <AlertIcon className="mt-0.5 shrink-0 text-base text-red-500" />
            <div className="min-w-0">
              <p className="font-medium">{topError.message}</p>
              {topError.issues.length > 0 ? (
                <ul className="mt-1.5 list-disc space-y-0.5 pl-4 text-red-700">
                  {topError.issues.map((issue, i) => (
                    <li key={i}>
                      {issue.path ? (
                        <code className="rounded bg-red-100 px-1 font-mono text-xs">{issue.path}</code>
                      ) : null}{" "}
                      {issue.message}
                    </li>
                  ))}
                </ul>
              ) : Object.values(serverFieldErrors).some(Boolean) ? (
                <p className="mt-1 text-red-700">See the highlighted parameters below.</p>
              ) : null}
            </div>
          </div>
        </div>
      ) : null}

      {fields.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
          This pipeline version has no parameters.
        </p>
      ) : (
        fields.map((field) => (
          <ParamFieldRow
            key={field.name}
            field={field}
            inputId={`${baseId}-${field.name}`}
            value={values[field.name]}
            error={clientErrors[field.name] || serverFieldErrors[field.name] || undefined}
            onChange={(v) => setValue(field.name, v)}
            onBlur={() => validateOne(field)}
          />
        ))
      )}

      <div className="space-y-4 border-t border-slate-100 pt-5">
        <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">Run</h3>
        <div>
          <label htmlFor={`${baseId}-run-name`} className="mb-1.5 flex items-center gap-2 text-sm font-medium text-slate-800">
            Name <span className="text-xs font-normal text-slate-400">optional</span>
          </label>
          <input
            id={`${baseId}-run-name`}
            type="text"
            value={runName}
            maxLength={250}
            autoComplete="off"
            onChange={(e) => setRunName(e.target.value)}
            placeholder="e.g. lr sweep, larger batch"
            className={inputClass(false)}
          />
        </div>
        {rerunOf ? null : (
          <div>
            <label htmlFor={`${baseId}-experiment`} className="mb-1.5 flex items-center gap-2 text-sm font-medium text-slate-800">
              Experiment <span className="text-xs font-normal text-slate-400">optional</span>
            </label>
            <input
              id={`${baseId}-experiment`}
              type="text"
              value={experiment}
              maxLength={500}
              autoComplete="off"
              onChange={(e) => setExperiment(e.target.value)}
              placeholder={pipeline}
              aria-describedby={`${baseId}-experiment-desc`}
              className={inputClass(false)}
            />
            <p id={`${baseId}-experiment-desc`} className="mt-1 text-xs text-slate-500">
              Runs are grouped for comparison by experiment. Empty: the pipeline&apos;s own experiment, <span className="font-mono">{pipeline}</span>.
            </p>
          </div>
        )}
      </div>

      <div className="flex items-start justify-between gap-4 border-t border-slate-100 pt-5">
        <div>
          <label htmlFor={`${baseId}-no-cache`} className="text-sm font-medium text-slate-800">
            No cache
          </label>
          <p id={`${baseId}-no-cache-desc`} className="mt-0.5 text-xs text-slate-500">
            Run every step, even those with a cached result from an earlier run. Their new results are still cached for later runs.
          </p>
        </div>
        <Switch id={`${baseId}-no-cache`} checked={noCache} onChange={setNoCache} describedBy={`${baseId}-no-cache-desc`} />
      </div>

      <SubmitRow pending={start.isPending} formId={formId} onCancel={onCancel} label={rerunOf ? "Start rerun" : "Start run"} />
    </form>
  );
}

/** An on/off switch (role="switch"), as for boolean params (also the schedule form's toggles). */
export function Switch({
  id,
  checked,
  onChange,
  describedBy,
  name,
  invalid,
  required,
}: {
  id: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  describedBy?: string | undefined;
  name?: string;
  invalid?: boolean;
  required?: boolean;
}) {
  return (
    <button
      id={id}
      name={name}
      type="button"
      role="switch"
      aria-checked={checked}
      aria-describedby={describedBy}
      aria-invalid={invalid || undefined}
      aria-required={required || undefined}
      onClick={() => onChange(!checked)}
      className={cn(
        "relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors",
        "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500",
        checked ? "bg-indigo-600" : "bg-slate-300",
      )}
    >
      <span className={cn("inline-block size-5 rounded-full bg-white shadow transition-transform", checked ? "translate-x-5.5" : "translate-x-0.5")} />
    </button>
  );
}

/** Sticky footer inside the scrolling drawer body, so the submit button is always reachable. */
function SubmitRow({ pending, formId, onCancel, label }: { pending: boolean; formId: string; onCancel?: () => void; label: string }) {
  return (
    <div className="sticky bottom-0 -mx-5 mt-auto flex items-center justify-end gap-2 border-t border-slate-200 bg-white/95 px-5 py-3 backdrop-blur">
      {onCancel ? (
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      ) : null}
      <Button variant="primary" type="submit" form={formId} disabled={pending}>
        {pending ? <Spinner className="size-3.5" /> : <PlayIcon />}
        {pending ? "Starting…" : label}
      </Button>
    </div>
  );
}

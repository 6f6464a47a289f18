"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useState } from "react";
import type { JsonValue, RunDetail, Step } from "@/lib/api-types";
import { isActiveRunStatus, isActiveStepStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatDateTime, formatDateTimeShort, shortId } from "@/lib/format";
import { runPath } from "@/lib/route-params";
import { explainFailure } from "@/lib/status";
import { LogView } from "./log-view";
import { StatusBadge } from "./status-badge";
import { LiveDuration } from "./time";
import { CopyButton } from "./ui/feedback";
import { AlertIcon, RerunIcon, XIcon } from "./ui/icons";

function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="border-t border-slate-100 px-5 py-4">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] font-medium text-slate-400">{label}</dt>
      <dd className="mt-0.5 truncate text-sm text-slate-800">{children}</dd>
    </div>
  );
}

function renderOutput(value: JsonValue) {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}

/** A step can be left without finishedAt when its run ended around it (e.g. cancelled): close the interval at the run's end. */
function stepEnd(step: Step, run: RunDetail): string | null {
  if (step.finishedAt) return step.finishedAt;
  if (!isActiveStepStatus(step.status) || !isActiveRunStatus(run.status)) return run.finishedAt ?? step.startedAt;
  return null;
}

export function StepPanel({
  project,
  run,
  step,
  onClose,
  className,
}: {
  project: string;
  run: RunDetail;
  step: Step;
  onClose: () => void;
  className?: string;
}) {
  // null = follow the latest attempt (it changes when the engine retries).
  const [pinnedAttempt, setPinnedAttempt] = useState<number | null>(null);
  const latest = step.attempt;
  const attempt = pinnedAttempt ?? latest;
  const runActive = isActiveRunStatus(run.status);
  const attemptsLeft = Math.max(0, step.maxAttempts - step.attempt);
  const willRetry = runActive && attemptsLeft > 0 && step.status !== "failed" && step.status !== "cancelled";
  const explanation = explainFailure(step.failureKind, { willRetry, attemptsLeft });
  const attemptInfo = step.attempts.find((a) => a.attempt === attempt);
  const attemptRunning = attempt === latest && step.status === "running";
  const outputs = Object.entries(step.outputs ?? {});

  return (
    <aside
      className={cn("flex min-h-0 flex-col bg-white", className)}
      aria-label={`Step ${step.name}`}
      data-testid="step-panel"
    >
      <div className="flex items-start justify-between gap-3 border-b border-slate-200 px-5 py-3.5">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <h2 className="truncate font-mono text-[15px] font-semibold text-slate-900" title={step.name}>
              {step.name}
            </h2>
            <StatusBadge status={step.status} size="sm" />
          </div>
          {step.template && step.template !== step.name ? (
            <p className="mt-0.5 text-xs text-slate-500">
              from template <span className="font-mono">{step.template}</span>
            </p>
          ) : null}
        </div>
        <button
          type="button"
          onClick={onClose}
          className="-mr-1 rounded-md p-1 text-lg text-slate-400 hover:bg-slate-100 hover:text-slate-700"
          aria-label="Close step panel"
        >
          <XIcon />
        </button>
      </div>

      <div className="min-h-0 flex-1 overflow-y-auto">
        <dl className="grid grid-cols-2 gap-x-4 gap-y-3 px-5 py-4 sm:grid-cols-3">
          <Field label="Attempt">
            {step.reusedFromRunId ? (
              <span className="text-indigo-700">reused</span>
            ) : (
              <span className="tabular-nums">
                {step.attempt}/{step.maxAttempts}
              </span>
            )}
          </Field>
          <Field label="Duration">
            <LiveDuration start={step.startedAt} end={stepEnd(step, run)} />
          </Field>
          <Field label="Exit code">
            {step.exitCode === null ? (
              <span className="text-slate-400">—</span>
            ) : (
              <span className={cn("font-mono", step.exitCode === 0 ? "text-emerald-700" : "text-red-700")}>{step.exitCode}</span>
            )}
          </Field>
          <Field label="Queued"><span title={formatDateTime(step.queuedAt)}>{formatDateTimeShort(step.queuedAt)}</span></Field>
          <Field label="Started"><span title={formatDateTime(step.startedAt)}>{formatDateTimeShort(step.startedAt)}</span></Field>
          <Field label="Finished"><span title={formatDateTime(step.finishedAt)}>{formatDateTimeShort(step.finishedAt)}</span></Field>
          {step.needs.length > 0 ? (
            <div className="col-span-full">
              <dt className="text-[11px] font-medium text-slate-400">Needs</dt>
              <dd className="mt-1 flex flex-wrap gap-1">
                {step.needs.map((n) => (
                  <span key={n} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] text-slate-600">
                    {n}
                  </span>
                ))}
              </dd>
            </div>
          ) : null}
        </dl>

        {step.reusedFromRunId ? (
          <div className="mx-5 mb-4 flex gap-2 rounded-lg border border-indigo-200 bg-indigo-50/70 px-3.5 py-2.5 text-sm text-indigo-900" data-testid="reused-step">
            <RerunIcon className="mt-0.5 shrink-0 text-indigo-500" />
            <p>
              Reused from run{" "}
              <Link
                href={`${runPath(project, step.reusedFromRunId)}?step=${encodeURIComponent(step.name)}`}
                className="font-mono font-medium text-indigo-700 underline-offset-2 hover:underline"
                title={step.reusedFromRunId}
              >
                {shortId(step.reusedFromRunId)}
              </Link>
              : this step succeeded there and was not run again. Its outputs come from that run.
            </p>
          </div>
        ) : null}

        {step.status === "skipped" ? (
          <p className="mx-5 mb-4 rounded-lg border border-dashed border-slate-300 bg-slate-50 px-3.5 py-2.5 text-sm text-slate-600">
            Skipped: a step it depends on failed or was skipped, so this step did not run.
          </p>
        ) : null}

        {step.error || explanation ? (
          <div className="px-5 pb-4">
            <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-3.5">
              <div className="flex gap-2">
                <AlertIcon className="mt-0.5 shrink-0 text-red-500" />
                <div className="min-w-0 text-sm">
                  {step.error ? <p className="font-medium break-words whitespace-pre-wrap text-red-800">{step.error}</p> : null}
                  {explanation ? (
                    <div
                      className={cn(
                        "mt-2 rounded-md px-2.5 py-2 text-xs",
                        step.failureKind === "retryable" ? "bg-amber-100/70 text-amber-900" : "bg-red-100/70 text-red-900",
                      )}
                      data-testid="failure-kind"
                    >
                      <p className="font-semibold">{explanation.title}</p>
                      <p className="mt-0.5">{explanation.body}</p>
                    </div>
                  ) : null}
                </div>
              </div>
            </div>
          </div>
        ) : null}

        <Section title="Command" actions={step.command ? <CopyButton text={step.command} /> : null}>
          {step.command ? (
            <pre className="max-h-48 overflow-auto rounded-lg bg-slate-900 px-3 py-2.5 font-mono text-xs leading-relaxed whitespace-pre-wrap text-slate-100">
              {step.command}
            </pre>
          ) : (
            <p className="text-sm text-slate-400">
              {isActiveStepStatus(step.status) ? "Resolved when the step is scheduled." : "None: the step never ran."}
            </p>
          )}
        </Section>

        <Section
          title="Logs"
          actions={
            step.attempts.length > 1 ? (
              <select
                aria-label="Attempt"
                value={attempt}
                onChange={(e) => {
                  const v = Number(e.target.value);
                  setPinnedAttempt(v === latest ? null : v);
                }}
                className="h-7 rounded-md border border-slate-300 bg-white px-1.5 text-xs"
              >
                {[...step.attempts].reverse().map((a) => (
                  <option key={a.attempt} value={a.attempt}>
                    Attempt {a.attempt}
                    {a.attempt === latest ? " (latest)" : ""} · {a.status}
                  </option>
                ))}
              </select>
            ) : null
          }
        >
          {/* No attempt record yet (not started, or a retry still queued): nothing to read or tail. */}
          {step.reusedFromRunId ? (
            <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
              Not run in this run.{" "}
              <Link
                href={`${runPath(project, step.reusedFromRunId)}?step=${encodeURIComponent(step.name)}`}
                className="font-medium text-indigo-600 hover:underline"
              >
                See its log in run {shortId(step.reusedFromRunId)}
              </Link>
            </p>
          ) : attempt < 1 || !attemptInfo ? (
            <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
              {!isActiveStepStatus(step.status)
                ? "This attempt never ran, so it has no log."
                : attempt > 1
                  ? `Attempt ${attempt} hasn't started yet. Its log will stream here live.`
                  : "The step hasn't started yet. Its log will stream here live."}
            </p>
          ) : (
            <LogView
              key={`${step.name}:${attempt}`}
              project={project}
              runId={run.id}
              step={step.name}
              attempt={attempt}
              live={attemptRunning}
            />
          )}
        </Section>

        <Section title="Outputs">
          {outputs.length === 0 ? (
            <p className="text-sm text-slate-400">{isActiveStepStatus(step.status) ? "Not produced yet." : "No outputs."}</p>
          ) : (
            <dl className="divide-y divide-slate-100 rounded-lg border border-slate-200">
              {outputs.map(([name, value]) => (
                <div key={name} className="grid grid-cols-[minmax(6rem,30%)_1fr] gap-3 px-3 py-2">
                  <dt className="truncate font-mono text-xs font-medium text-slate-600" title={name}>
                    {name}
                  </dt>
                  <dd className="max-h-40 overflow-auto font-mono text-xs break-all whitespace-pre-wrap text-slate-900">
                    {renderOutput(value)}
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </Section>

        {step.reusedFromRunId ? null : (
        <Section title={`Attempts (${step.attempts.length})`}>
          {step.attempts.length === 0 ? (
            <p className="text-sm text-slate-400">No attempts yet.</p>
          ) : (
            <ol className="space-y-2">
              {[...step.attempts].reverse().map((a) => (
                <li key={a.attempt}>
                  <button
                    type="button"
                    onClick={() => setPinnedAttempt(a.attempt === latest ? null : a.attempt)}
                    className={cn(
                      "w-full rounded-lg border px-3 py-2 text-left text-xs transition-colors",
                      a.attempt === attempt ? "border-indigo-300 bg-indigo-50/50" : "border-slate-200 hover:bg-slate-50",
                    )}
                    aria-label={`Show log of attempt ${a.attempt}`}
                  >
                    <div className="flex flex-wrap items-center justify-between gap-2">
                      <span className="flex items-center gap-2">
                        <span className="font-semibold text-slate-700">#{a.attempt}</span>
                        <StatusBadge status={a.status} size="sm" />
                        {a.failureKind ? (
                          <span className={cn("font-medium", a.failureKind === "retryable" ? "text-amber-700" : "text-red-700")}>
                            {a.failureKind}
                          </span>
                        ) : null}
                      </span>
                      <span className="text-slate-500 tabular-nums">
                        <LiveDuration start={a.startedAt} end={a.finishedAt ?? (a.attempt === latest ? stepEnd(step, run) : a.startedAt)} />
                        {a.exitCode !== null ? <span className="ml-2 font-mono">exit {a.exitCode}</span> : null}
                      </span>
                    </div>
                    <div className="mt-1 flex flex-wrap gap-x-3 text-slate-500">
                      <span title={formatDateTime(a.startedAt)}>{formatDateTimeShort(a.startedAt)}</span>
                      {a.workerId ? <span className="font-mono">worker {a.workerId}</span> : null}
                    </div>
                    {a.error ? <p className="mt-1 line-clamp-2 text-red-700">{a.error}</p> : null}
                  </button>
                </li>
              ))}
            </ol>
          )}
        </Section>
        )}
      </div>
    </aside>
  );
}

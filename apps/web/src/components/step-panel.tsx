"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useState } from "react";
import type { JsonValue, RunDetail, Step } from "@/lib/api-types";
import { isActiveRunStatus, isActiveStepStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatBytes, formatDateTime, formatDateTimeShort, formatMemory, formatMemoryRequest, shortDigest, shortId } from "@/lib/format";
import { useRunArtifacts } from "@/lib/queries";
import { artifactPath, stepPath } from "@/lib/route-params";
import { explainRunReason } from "@/lib/run-reason";
import { attemptLabel, explainOom, memoryRequestChanged } from "@/lib/resources";
import { explainFailure } from "@/lib/status";
import { DownloadLink } from "./artifact-preview";
import { ArtifactTypeBadge } from "./lineage-graph";
import { ProducedBy } from "./run-artifacts";
import { LogView } from "./log-view";
import { Section } from "./panel-section";
import { StatusBadge } from "./status-badge";
import { StepEnvironmentSection, StepResources, WaitingNotice } from "./step-resources";
import { LiveDuration } from "./time";
import { CopyButton } from "./ui/feedback";
import { AlertIcon, RerunIcon, XIcon } from "./ui/icons";

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

/** An output value that references stored content (shown under Artifacts, not as JSON). */
function isArtifactRef(value: JsonValue): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof value.artifactId === "string" && typeof value.digest === "string";
}

/** "Why did this run?": the run reason in plain words, with the parts of the cache key that changed. */
function WhyDidThisRun({ project, step }: { project: string; step: Step }) {
  if (!step.runReason) return null;
  const { summary, changes, comparedWith } = explainRunReason(step.runReason);
  return (
    <Section title="Why did this run?">
      <div className="space-y-2 text-sm text-slate-700" data-testid="run-reason" data-reason={step.runReason.reason}>
        <p>{summary}</p>
        {changes.length > 0 ? (
          <ul className="space-y-1 rounded-lg border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs text-slate-800">
            {changes.map((c, i) => (
              <li key={i} className="break-words">
                {c}
              </li>
            ))}
          </ul>
        ) : null}
        {comparedWith ? (
          <p className="text-xs text-slate-500">
            Compared with step <span className="font-mono">{comparedWith.stepName}</span> of run{" "}
            <Link
              href={stepPath(project, comparedWith.runId, comparedWith.stepName)}
              className="font-mono font-medium text-indigo-600 hover:underline"
              title={comparedWith.runId}
            >
              {shortId(comparedWith.runId)}
            </Link>
            , its latest earlier execution.
          </p>
        ) : null}
      </div>
    </Section>
  );
}

/** The artifacts a step consumed and produced (cached and reused steps: their recorded outputs). */
function StepArtifacts({ project, run, step }: { project: string; run: RunDetail; step: Step }) {
  const artifacts = useRunArtifacts(project, run.id, isActiveRunStatus(run.status));
  const hasArtifactOutputs = Object.values(step.outputs ?? {}).some(isArtifactRef);
  const inputs = artifacts.data?.inputs.filter((a) => a.step === step.name) ?? [];
  const outputs = artifacts.data?.outputs.filter((a) => a.step === step.name) ?? [];
  if (!hasArtifactOutputs && inputs.length === 0 && outputs.length === 0) return null;
  const rows = [...inputs.map((a) => ["in", a] as const), ...outputs.map((a) => ["out", a] as const)];
  return (
    <Section title="Artifacts">
      {artifacts.error ? (
        <p className="text-sm text-red-700">{artifacts.error.message}</p>
      ) : !artifacts.data ? (
        <p className="text-sm text-slate-400">Loading…</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200" data-testid="step-artifacts">
          {rows.map(([direction, a]) => (
            <li key={`${direction}:${a.name}`} className="flex items-center justify-between gap-2 px-3 py-2 text-xs" data-direction={direction}>
              <span className="flex min-w-0 items-center gap-2">
                <span className={cn("w-7 shrink-0 font-semibold uppercase", direction === "in" ? "text-indigo-600" : "text-emerald-700")}>{direction}</span>
                <Link href={artifactPath(project, a.id)} className="truncate font-mono text-[13px] font-medium text-slate-900 hover:text-indigo-600" title={`sha256 ${a.digest}`}>
                  {a.name}
                </Link>
                <ArtifactTypeBadge type={a.type} />
                <ProducedBy project={project} artifact={a} runId={run.id} />
              </span>
              <span className="flex shrink-0 items-center gap-2 text-slate-500 tabular-nums">
                {formatBytes(a.size)}
                <span className="hidden font-mono sm:inline">{shortDigest(a.digest)}</span>
                <DownloadLink project={project} artifactId={a.id} label="" className="h-7 px-1.5" ariaLabel={`Download ${a.name}`} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
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
  // An out-of-memory kill is "terminal" on the wire, but more memory fixes it (and retries.onOOM may be doing just that).
  const oom = step.status !== "succeeded" && (step.attempts.at(-1)?.oomKilled ?? false);
  const explanation = oom ? explainOom(isActiveStepStatus(step.status)) : explainFailure(step.failureKind, { willRetry, attemptsLeft });
  const attemptInfo = step.attempts.find((a) => a.attempt === attempt);
  const attemptRunning = attempt === latest && step.status === "running";
  const outputs = Object.entries(step.outputs ?? {}).filter(([, v]) => !isArtifactRef(v));
  const cachedFrom = step.cache?.hit && step.cache.fromRunId ? { runId: step.cache.fromRunId, stepName: step.cache.fromStep ?? step.name } : null;
  const cachedHref = cachedFrom ? stepPath(project, cachedFrom.runId, cachedFrom.stepName) : null;
  const notRun = !!cachedFrom || !!step.reusedFromRunId;
  // Out-of-memory retries raise the memory request: then every attempt says what it had.
  const showMemory = memoryRequestChanged(step.attempts);
  const onlyArtifacts = outputs.length === 0 && Object.values(step.outputs ?? {}).some(isArtifactRef);

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
            {step.cache?.hit ? (
              <span className="rounded-full bg-indigo-600 px-2 py-0.5 text-[11px] font-semibold text-white" data-testid="step-cached-badge">
                Cached
              </span>
            ) : null}
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
            {cachedFrom ? (
              <span className="text-indigo-700">cached</span>
            ) : step.reusedFromRunId ? (
              <span className="text-indigo-700">reused</span>
            ) : (
              <span className="tabular-nums" title={step.attempt > step.maxAttempts ? "Out-of-memory retries come on top of retries.limit" : undefined}>
                {attemptLabel(step)}
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

        {step.status === "queued" && step.waiting ? <WaitingNotice reason={step.waiting} /> : null}

        {cachedFrom && cachedHref ? (
          <div className="mx-5 mb-4 flex gap-2 rounded-lg border border-indigo-200 bg-indigo-50/70 px-3.5 py-2.5 text-sm text-indigo-900" data-testid="cached-step">
            <RerunIcon className="mt-0.5 shrink-0 text-indigo-500" />
            <p>
              Cached: this step did not run. Its result was reused from step <span className="font-mono">{cachedFrom.stepName}</span> of run{" "}
              <Link href={cachedHref} className="font-mono font-medium text-indigo-700 underline-offset-2 hover:underline" title={cachedFrom.runId}>
                {shortId(cachedFrom.runId)}
              </Link>
              , which ran with the same cache key{step.cache.key ? <span className="font-mono text-indigo-700/80"> ({shortDigest(step.cache.key)})</span> : null}.
            </p>
          </div>
        ) : null}

        {step.reusedFromRunId ? (
          <div className="mx-5 mb-4 flex gap-2 rounded-lg border border-indigo-200 bg-indigo-50/70 px-3.5 py-2.5 text-sm text-indigo-900" data-testid="reused-step">
            <RerunIcon className="mt-0.5 shrink-0 text-indigo-500" />
            <p>
              Reused from run{" "}
              <Link
                href={stepPath(project, step.reusedFromRunId, step.name)}
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
                        step.failureKind === "retryable" || (oom && isActiveStepStatus(step.status)) ? "bg-amber-100/70 text-amber-900" : "bg-red-100/70 text-red-900",
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

        <WhyDidThisRun project={project} step={step} />

        {notRun ? null : (
          <>
            <StepResources step={step} attempt={attemptInfo ?? null} />
            <StepEnvironmentSection project={project} runId={run.id} step={step} attempt={attemptInfo ?? null} />
          </>
        )}

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
          {cachedHref && cachedFrom ? (
            <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
              Not run: the result came from the cache.{" "}
              <Link href={cachedHref} className="font-medium text-indigo-600 hover:underline">
                See its log in run {shortId(cachedFrom.runId)}
              </Link>
            </p>
          ) : step.reusedFromRunId ? (
            <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
              Not run in this run.{" "}
              <Link
                href={stepPath(project, step.reusedFromRunId, step.name)}
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

        <StepArtifacts project={project} run={run} step={step} />

        {onlyArtifacts ? null : (
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
        )}

        {notRun ? null : (
        <Section title={`Attempts (${step.attempts.length})`}>
          {step.attempts.length === 0 ? (
            <p className="text-sm text-slate-400">No attempts yet.</p>
          ) : (
            <ol className="space-y-2" data-testid="step-attempts">
              {[...step.attempts].reverse().map((a) => (
                <li key={a.attempt} data-attempt={a.attempt}>
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
                        {showMemory && a.placement?.memoryBytes != null ? (
                          <span className="font-mono font-medium text-slate-700" title="Memory requested by this attempt" data-testid="attempt-memory">
                            {formatMemoryRequest(a.placement.memoryBytes)}
                          </span>
                        ) : null}
                        {a.oomKilled ? (
                          <span className="rounded bg-red-100 px-1.5 py-px text-[10px] font-semibold tracking-wide text-red-700 uppercase" data-testid="attempt-oom">
                            out of memory
                          </span>
                        ) : a.failureKind ? (
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
                      {a.usage?.peakMemoryBytes != null ? <span className="tabular-nums">peak {formatMemory(a.usage.peakMemoryBytes)}</span> : null}
                      {a.gpuDevices?.length ? <span className="font-mono">GPU {a.gpuDevices.join(",")}</span> : null}
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

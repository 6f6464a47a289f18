"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useState } from "react";
import type { RunDetail } from "@/lib/api-types";
import { isActiveRunStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatDateTime, formatNumber, formatValue, shortId } from "@/lib/format";
import { useProjectRole } from "@/lib/project-role";
import { useCancelRun } from "@/lib/queries";
import { experimentPath, projectPath, runPath } from "@/lib/route-params";
import { DeleteRunButton, RerunButton, RetryButton } from "./run-actions";
import { RunNameEditor, RunNote, RunTags } from "./run-annotations";
import { StatusBadge, StepCountsBar } from "./status-badge";
import { LiveDuration } from "./time";
import { Button } from "./ui/button";
import { Dialog } from "./ui/dialog";
import { CopyButton, ErrorMessage, Spinner } from "./ui/feedback";
import { AlertIcon, PencilIcon, StopIcon } from "./ui/icons";

/** Metric summaries shown in the header; the metrics tab has them all, with charts. */
const METRIC_CHIPS = 8;

function Meta({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] font-medium tracking-wide text-slate-400 uppercase">{label}</dt>
      <dd className="mt-0.5 text-sm whitespace-nowrap text-slate-800">{children}</dd>
    </div>
  );
}

export function CancelRunButton({ project, run }: { project: string; run: RunDetail }) {
  const [open, setOpen] = useState(false);
  const cancel = useCancelRun(project, run.id);
  const close = () => {
    if (cancel.isPending) return;
    setOpen(false);
    cancel.reset();
  };
  return (
    <>
      <Button variant="danger-outline" onClick={() => setOpen(true)}>
        <StopIcon /> Cancel run
      </Button>
      <Dialog
        open={open}
        onClose={close}
        title="Cancel this run?"
        footer={
          <>
            <Button variant="ghost" onClick={close} disabled={cancel.isPending}>
              Keep running
            </Button>
            <Button
              variant="danger"
              disabled={cancel.isPending}
              onClick={() => cancel.mutate(undefined, { onSuccess: () => setOpen(false) })}
            >
              {cancel.isPending ? <Spinner className="size-3.5" /> : <StopIcon />}
              Cancel run
            </Button>
          </>
        }
      >
        <div className="space-y-3 text-sm text-slate-600">
          <p>
            Running steps of <span className="font-mono font-medium text-slate-800">{shortId(run.id)}</span> will be
            stopped and steps that haven&apos;t started will not run. This can&apos;t be undone.
          </p>
          {cancel.error ? <ErrorMessage error={cancel.error} /> : null}
        </div>
      </Dialog>
    </>
  );
}

export function RunHeader({
  project,
  run,
  onShowMetrics,
}: {
  project: string;
  run: RunDetail;
  /** Opens the metrics tab (the header only shows a summary). */
  onShowMetrics?: () => void;
}) {
  const params = Object.entries(run.params ?? {});
  const active = isActiveRunStatus(run.status);
  const [renaming, setRenaming] = useState(false);
  const access = useProjectRole(project);
  const canEdit = access.can("edit");
  const isPipelineRun = run.pipeline !== null;
  const title = run.name?.trim() ? run.name : (run.pipeline ?? `MLflow run ${shortId(run.id)}`);
  const metrics = run.metrics ?? [];
  const cached = run.steps.filter((s) => s.cache?.hit).length;
  return (
    <div className="border-b border-slate-200 bg-white">
      <div className="mx-auto max-w-[1600px] px-4 pt-4 pb-4 sm:px-6">
        <div className="mb-1 text-sm text-slate-500">
          <Link href={projectPath(project, "experiments")} className="hover:text-slate-800">
            Experiments
          </Link>
          <span className="mx-1.5 text-slate-300">/</span>
          {run.experiment ? (
            <>
              <Link href={experimentPath(project, run.experiment.id)} className="hover:text-slate-800" data-testid="run-experiment-link">
                {run.experiment.name}
              </Link>
              <span className="mx-1.5 text-slate-300">/</span>
            </>
          ) : null}
          <span className="font-mono">{shortId(run.id)}</span>
        </div>
        <div className="flex flex-wrap items-start justify-between gap-3">
          {renaming && canEdit ? (
            <RunNameEditor project={project} run={run} onDone={() => setRenaming(false)} />
          ) : (
            <div className="flex min-w-0 flex-wrap items-center gap-2.5">
              <h1 className="text-xl font-semibold tracking-tight break-all text-slate-900">
                {run.name?.trim() || !run.pipeline ? (
                  title
                ) : (
                  <Link href={projectPath(project, "pipelines", run.pipeline)} className="hover:text-indigo-600">
                    {run.pipeline}
                  </Link>
                )}
              </h1>
              {run.pipeline ? (
                <Link
                  href={`${projectPath(project, "pipelines", run.pipeline)}${run.version !== null ? `?version=${run.version}` : ""}`}
                  className="rounded-md bg-slate-100 px-2 py-0.5 font-mono text-sm font-medium text-slate-600 hover:bg-slate-200"
                  title={`Pipeline ${run.pipeline}${run.version !== null ? `, version ${run.version}` : ""}`}
                >
                  {run.name?.trim() ? `${run.pipeline} ` : ""}
                  {run.version !== null ? `v${run.version}` : ""}
                </Link>
              ) : (
                <span
                  className="rounded-md bg-sky-50 px-2 py-0.5 text-xs font-medium text-sky-700 ring-1 ring-sky-200 ring-inset"
                  title="Logged through the MLflow-compatible API: no pipeline, no steps"
                >
                  MLflow
                </span>
              )}
              <StatusBadge status={run.status} testId="run-status" />
              {run.noCache ? (
                <span
                  className="rounded-md bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-200 ring-inset"
                  title="Started with No cache: every step ran, none reused a cached result"
                  data-testid="run-no-cache"
                >
                  No cache
                </span>
              ) : null}
              {canEdit ? (
                <button
                  type="button"
                  onClick={() => setRenaming(true)}
                  className="rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
                  aria-label={run.name ? "Rename run" : "Name this run"}
                  title={run.name ? "Rename" : "Name this run"}
                >
                  <PencilIcon />
                </button>
              ) : null}
            </div>
          )}
          <div className="flex shrink-0 flex-wrap items-center justify-end gap-2">
            {/* Keyed by run: a new run's buttons get their own idempotency keys. */}
            {/* What the role cannot do is not offered: editors run and cancel, admins also delete. */}
            {isPipelineRun && canEdit ? <RerunButton key={`rerun-${run.id}`} project={project} run={run} /> : null}
            {isPipelineRun && canEdit ? <RetryButton key={`retry-${run.id}`} project={project} run={run} /> : null}
            {active ? (
              canEdit ? (
                <CancelRunButton project={project} run={run} />
              ) : null
            ) : access.can("admin") ? (
              <DeleteRunButton key={`delete-${run.id}`} project={project} run={run} />
            ) : null}
          </div>
        </div>

        <dl className="mt-3 flex flex-wrap gap-x-7 gap-y-3">
          <Meta label="Run ID">
            <span className="inline-flex items-center gap-1">
              <span className="font-mono text-[13px]" title={run.id}>
                {run.id}
              </span>
              <CopyButton text={run.id} label="Copy run ID" iconOnly className="px-1" />
            </span>
          </Meta>
          {run.experiment ? (
            <Meta label="Experiment">
              <Link href={experimentPath(project, run.experiment.id)} className="font-medium text-indigo-600 hover:underline">
                {run.experiment.name}
              </Link>
            </Meta>
          ) : null}
          {run.origin ? (
            <Meta label="Origin">
              <span data-testid="run-origin">
                {run.origin.kind === "rerun" ? "Rerun of " : "Retry of "}
                <Link href={runPath(project, run.origin.runId)} className="font-mono text-[13px] font-medium text-indigo-600 hover:underline" title={run.origin.runId}>
                  {shortId(run.origin.runId)}
                </Link>
              </span>
            </Meta>
          ) : null}
          <Meta label="Created">{formatDateTime(run.createdAt)}</Meta>
          <Meta label="Started">{formatDateTime(run.startedAt)}</Meta>
          <Meta label="Finished">{formatDateTime(run.finishedAt)}</Meta>
          <Meta label="Duration">
            <LiveDuration start={run.startedAt} end={run.finishedAt} />
          </Meta>
          {isPipelineRun ? (
            <Meta label="Steps">
              <span className="inline-flex items-center gap-2">
                <StepCountsBar counts={run.stepCounts ?? {}} className="h-5" />
                {cached > 0 ? (
                  <span className="text-xs text-indigo-700" data-testid="run-cached-count">
                    {cached === run.steps.length ? "all cached" : `${cached} cached`}
                  </span>
                ) : null}
              </span>
            </Meta>
          ) : null}
        </dl>

        {params.length > 0 ? (
          <div className="mt-3 flex flex-wrap items-center gap-1.5">
            <span className="mr-1 text-[11px] font-medium tracking-wide text-slate-400 uppercase">Params</span>
            {params.map(([k, v]) => (
              <span
                key={k}
                className="max-w-[24rem] truncate rounded-md bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-700"
                title={`${k}=${formatValue(v)}`}
              >
                <span className="text-slate-400">{k}=</span>
                {formatValue(v)}
              </span>
            ))}
          </div>
        ) : null}

        {metrics.length > 0 ? (
          <div className="mt-2 flex flex-wrap items-center gap-1.5" data-testid="run-metrics-summary">
            <span className="mr-1 text-[11px] font-medium tracking-wide text-slate-400 uppercase">Metrics</span>
            {metrics.slice(0, METRIC_CHIPS).map((m) => (
              <button
                key={m.key}
                type="button"
                onClick={onShowMetrics}
                className="max-w-[20rem] truncate rounded-md bg-emerald-50 px-2 py-0.5 font-mono text-xs text-emerald-900 ring-1 ring-emerald-200 ring-inset hover:bg-emerald-100"
                title={`${m.key}: last ${formatNumber(m.last)} (step ${m.step}) · min ${formatNumber(m.min)} · max ${formatNumber(m.max)} · ${m.count} points`}
              >
                <span className="text-emerald-600">{m.key}=</span>
                {formatNumber(m.last)}
              </button>
            ))}
            {metrics.length > METRIC_CHIPS ? (
              <button type="button" onClick={onShowMetrics} className="text-xs font-medium text-indigo-600 hover:underline">
                +{metrics.length - METRIC_CHIPS} more
              </button>
            ) : null}
          </div>
        ) : null}

        <div className="mt-2 flex flex-wrap items-start gap-x-8 gap-y-2">
          <RunTags project={project} run={run} editable={canEdit} />
          <RunNote project={project} run={run} editable={canEdit} />
        </div>

        {run.error ? (
          <div
            role="alert"
            className={cn(
              "mt-3 flex gap-2 rounded-lg border px-3.5 py-2.5 text-sm",
              // A cancellation is a user decision, not a failure: amber, not red.
              run.status === "cancelled" ? "border-amber-200 bg-amber-50 text-amber-900" : "border-red-200 bg-red-50 text-red-800",
            )}
          >
            <AlertIcon className={cn("mt-0.5 shrink-0", run.status === "cancelled" ? "text-amber-500" : "text-red-500")} />
            <p className="min-w-0 break-words whitespace-pre-wrap">{run.error}</p>
          </div>
        ) : null}
      </div>
    </div>
  );
}

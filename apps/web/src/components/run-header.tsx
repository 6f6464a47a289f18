"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useState } from "react";
import type { RunDetail } from "@/lib/api-types";
import { isActiveRunStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatDateTime, formatValue, shortId } from "@/lib/format";
import { useCancelRun } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { StatusBadge, StepCountsBar } from "./status-badge";
import { LiveDuration } from "./time";
import { Button } from "./ui/button";
import { Dialog } from "./ui/dialog";
import { CopyButton, ErrorMessage, Spinner } from "./ui/feedback";
import { AlertIcon, StopIcon } from "./ui/icons";

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

export function RunHeader({ project, run }: { project: string; run: RunDetail }) {
  const params = Object.entries(run.params ?? {});
  const active = isActiveRunStatus(run.status);
  return (
    <div className="border-b border-slate-200 bg-white">
      <div className="mx-auto max-w-[1600px] px-4 pt-4 pb-4 sm:px-6">
        <div className="mb-1 text-sm text-slate-500">
          <Link href={projectPath(project, "runs")} className="hover:text-slate-800">
            Runs
          </Link>
          <span className="mx-1.5 text-slate-300">/</span>
          <span className="font-mono">{shortId(run.id)}</span>
        </div>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="flex min-w-0 flex-wrap items-center gap-2.5">
            <h1 className="text-xl font-semibold tracking-tight text-slate-900">
              <Link href={projectPath(project, "pipelines", run.pipeline)} className="hover:text-indigo-600">
                {run.pipeline}
              </Link>
            </h1>
            <Link
              href={`${projectPath(project, "pipelines", run.pipeline)}?version=${run.version}`}
              className="rounded-md bg-slate-100 px-2 py-0.5 font-mono text-sm font-medium text-slate-600 hover:bg-slate-200"
            >
              v{run.version}
            </Link>
            <StatusBadge status={run.status} testId="run-status" />
          </div>
          {active ? <CancelRunButton project={project} run={run} /> : null}
        </div>

        <dl className="mt-3 flex flex-wrap gap-x-8 gap-y-3">
          <Meta label="Run ID">
            <span className="inline-flex items-center gap-1">
              <span className="font-mono text-[13px]" title={run.id}>
                {run.id}
              </span>
              <CopyButton text={run.id} label="Copy run ID" iconOnly className="px-1" />
            </span>
          </Meta>
          <Meta label="Created">{formatDateTime(run.createdAt)}</Meta>
          <Meta label="Started">{formatDateTime(run.startedAt)}</Meta>
          <Meta label="Finished">{formatDateTime(run.finishedAt)}</Meta>
          <Meta label="Duration">
            <LiveDuration start={run.startedAt} end={run.finishedAt} />
          </Meta>
          <Meta label="Steps">
            <StepCountsBar counts={run.stepCounts ?? {}} className="h-5" />
          </Meta>
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

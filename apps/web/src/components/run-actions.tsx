"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import type { RunDetail } from "@/lib/api-types";
import { isActiveRunStatus } from "@/lib/api-types";
import { formatBytes, pluralize, runLabel, shortId } from "@/lib/format";
import { newIdempotencyKey } from "@/lib/idempotency";
import { useDeleteRunPreview, useDeleteRuns, usePipelineVersion, useRetryRun } from "@/lib/queries";
import { projectPath, runPath } from "@/lib/route-params";
import { StartRunForm, StartRunFormSkeleton } from "./start-run-form";
import { Button } from "./ui/button";
import { Dialog } from "./ui/dialog";
import { ErrorMessage, Spinner } from "./ui/feedback";
import { RefreshIcon, RerunIcon, XIcon } from "./ui/icons";

const RETRYABLE_STEP_STATUSES = new Set(["failed", "cancelled", "skipped"]);

/** Rerun: the start form pre-filled with this run's params (editable); starts a linked run in the same experiment. */
export function RerunButton({ project, run }: { project: string; run: RunDetail }) {
  const [open, setOpen] = useState(false);
  if (!run.pipeline || run.version === null) return null;
  return (
    <>
      <Button onClick={() => setOpen(true)} title="Start a new run of this pipeline version with these params (editable)">
        <RerunIcon /> Rerun
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        variant="drawer"
        title={`Rerun ${runLabel(run)}`}
        bodyClassName="px-5 pt-4"
        description={
          <>
            A new run of <span className="font-mono">{run.pipeline}</span> v{run.version} in the experiment{" "}
            <span className="font-medium text-slate-700">{run.experiment.name}</span>, linked to this one. Steps whose cache key did not
            change reuse their cached result, unless No cache is on.
          </>
        }
      >
        <RerunBody project={project} run={run} pipeline={run.pipeline} version={run.version} onClose={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function RerunBody({ project, run, pipeline, version, onClose }: { project: string; run: RunDetail; pipeline: string; version: number; onClose: () => void }) {
  const formId = useId();
  const spec = usePipelineVersion(project, pipeline, version);
  return (
    <div className="flex min-h-full flex-col gap-5">
      {spec.error ? <ErrorMessage error={spec.error} /> : null}
      <div className="flex flex-1 flex-col">
        <h3 className="mb-3 text-xs font-semibold tracking-wide text-slate-500 uppercase">Parameters</h3>
        {spec.data ? (
          <StartRunForm
            project={project}
            pipeline={pipeline}
            version={version}
            params={spec.data.spec.params}
            formId={formId}
            rerunOf={run.id}
            initialParams={run.params}
            onStarted={onClose}
            onCancel={onClose}
          />
        ) : spec.isPending ? (
          <StartRunFormSkeleton />
        ) : null}
      </div>
    </div>
  );
}

/** Why retrying is not possible (null: it is). */
export function retryBlocker(run: RunDetail): string | null {
  if (!run.pipeline) return "Runs logged through the MLflow API have no steps to retry.";
  if (isActiveRunStatus(run.status)) return "The run hasn't finished yet.";
  if (!run.steps.some((s) => RETRYABLE_STEP_STATUSES.has(s.status))) return "No step failed, was cancelled or was skipped.";
  return null;
}

/**
 * Retry failed steps: a new run that runs only the failed, cancelled and skipped steps again (or
 * takes their cached result) and reuses the outputs of the succeeded ones. One idempotency key
 * per button: a double click starts one run.
 */
export function RetryButton({ project, run }: { project: string; run: RunDetail }) {
  const router = useRouter();
  const retry = useRetryRun(project, run.id);
  const [idempotencyKey] = useState(newIdempotencyKey);
  const blocker = retryBlocker(run);
  if (!run.pipeline) return null;
  const count = run.steps.filter((s) => RETRYABLE_STEP_STATUSES.has(s.status)).length;
  return (
    <div className="relative">
      <Button
        onClick={() => {
          if (retry.isPending) return;
          retry.mutate({ idempotencyKey }, { onSuccess: (next) => router.push(runPath(project, next.id)) });
        }}
        disabled={blocker !== null || retry.isPending}
        title={
          blocker ??
          `Start a new run that runs the ${count} failed, cancelled or skipped step${count === 1 ? "" : "s"} again (unless a cached result applies) and reuses the outputs of the steps that succeeded`
        }
      >
        {retry.isPending ? <Spinner className="size-3.5" /> : <RefreshIcon />}
        Retry failed steps
      </Button>
      {retry.error ? (
        <div className="absolute top-full right-0 z-30 mt-1.5 w-80">
          <ErrorMessage error={retry.error} className="shadow-lg" />
        </div>
      ) : null}
    </div>
  );
}

/**
 * Delete a finished run: the dialog first asks the API what would go (a dry run: the artifacts
 * that no other run and no cache entry uses, and their bytes), then deletes on confirmation.
 */
export function DeleteRunButton({ project, run }: { project: string; run: RunDetail }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const preview = useDeleteRunPreview(project, run.id, open);
  const remove = useDeleteRuns(project);
  const close = () => {
    if (remove.isPending) return;
    setOpen(false);
    remove.reset();
  };
  if (isActiveRunStatus(run.status)) return null;
  const p = preview.data;
  return (
    <>
      <Button variant="ghost" onClick={() => setOpen(true)} title="Delete this run and the artifacts only it uses">
        <XIcon /> Delete
      </Button>
      <Dialog
        open={open}
        onClose={close}
        title="Delete this run?"
        footer={
          <>
            <Button variant="ghost" onClick={close} disabled={remove.isPending}>
              Keep it
            </Button>
            <Button
              variant="danger"
              disabled={!p || remove.isPending}
              onClick={() => remove.mutate({ runIds: [run.id] }, { onSuccess: () => router.push(projectPath(project, "runs")) })}
            >
              {remove.isPending ? <Spinner className="size-3.5" /> : <XIcon />}
              Delete run
            </Button>
          </>
        }
      >
        <div className="space-y-3 text-sm text-slate-600" data-testid="delete-run-preview">
          <p>
            Run <span className="font-mono font-medium text-slate-800">{shortId(run.id)}</span>, its steps, logs and metrics will be deleted. This
            can&apos;t be undone.
          </p>
          {preview.isPending ? (
            <p className="flex items-center gap-2 text-slate-500">
              <Spinner className="size-3.5" /> Working out what it frees…
            </p>
          ) : preview.error ? (
            <ErrorMessage error={preview.error} />
          ) : p ? (
            <p className="rounded-lg bg-slate-50 px-3 py-2 text-slate-700 ring-1 ring-slate-200">
              {p.artifacts === 0
                ? "No artifact is freed: other runs or cache entries still use all of its artifacts."
                : `Frees ${pluralize(p.artifacts, "artifact")} (${formatBytes(p.bytes)}) that no other run or cache entry uses.`}
            </p>
          ) : null}
          {remove.error ? <ErrorMessage error={remove.error} /> : null}
        </div>
      </Dialog>
    </>
  );
}

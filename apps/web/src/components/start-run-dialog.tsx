"use client";

import { useId, useState } from "react";
import { cn } from "@/lib/cn";
import { usePipeline, usePipelines, usePipelineVersion } from "@/lib/queries";
import { StartRunForm, StartRunFormSkeleton } from "./start-run-form";
import { Dialog } from "./ui/dialog";
import { ErrorMessage } from "./ui/feedback";

const selectClass =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none disabled:bg-slate-50 disabled:text-slate-500";

/**
 * Start-run drawer, usable from the pipeline page (pipeline fixed) and from the runs page
 * (pipeline chosen inside). Its body mounts only while open, so each open starts fresh.
 */
export function StartRunDialog({
  project,
  open,
  onClose,
  pipeline,
  version,
  defaultPipeline,
}: {
  project: string;
  open: boolean;
  onClose: () => void;
  /** Preselect (but don't fix) a pipeline, e.g. the runs page's current pipeline filter. */
  defaultPipeline?: string;
  /** Fix the pipeline (pipeline page); otherwise the user picks one. */
  pipeline?: string;
  /** Preselect a version; defaults to the latest. */
  version?: number;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      variant="drawer"
      title="Start a run"
      // No bottom padding: the form's sticky submit row must sit flush with the drawer's bottom edge.
      bodyClassName="px-5 pt-4"
      description="Parameters are validated here and again by the server."
    >
      <StartRunBody
        project={project}
        fixedPipeline={pipeline}
        initialPipeline={defaultPipeline}
        initialVersion={version}
        onClose={onClose}
      />
    </Dialog>
  );
}

function StartRunBody({
  project,
  fixedPipeline,
  initialPipeline,
  initialVersion,
  onClose,
}: {
  project: string;
  fixedPipeline?: string;
  initialPipeline?: string;
  initialVersion?: number;
  onClose: () => void;
}) {
  const formId = useId();
  const [pipeline, setPipeline] = useState<string | null>(fixedPipeline ?? initialPipeline ?? null);
  const [chosenVersion, setChosenVersion] = useState<number | null>(initialVersion ?? null);

  const pipelines = usePipelines(project);
  const detail = usePipeline(project, pipeline);
  // Until the user picks a version, follow the newest one.
  const version = chosenVersion ?? detail.data?.versions[0]?.version ?? detail.data?.pipeline.latestVersion ?? null;
  const spec = usePipelineVersion(project, pipeline, version);

  return (
    // Full-height column so the form's submit row can sit at the bottom of the drawer.
    <div className="flex min-h-full flex-col gap-5">
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-[1fr_9rem]">
        <div>
          <label htmlFor={`${formId}-pipeline`} className="mb-1.5 block text-sm font-medium text-slate-800">
            Pipeline
          </label>
          {fixedPipeline ? (
            <select id={`${formId}-pipeline`} className={selectClass} disabled value={fixedPipeline}>
              <option value={fixedPipeline}>{fixedPipeline}</option>
            </select>
          ) : (
            <select
              id={`${formId}-pipeline`}
              className={selectClass}
              value={pipeline ?? ""}
              disabled={pipelines.isPending}
              onChange={(e) => {
                setPipeline(e.target.value || null);
                setChosenVersion(null);
              }}
            >
              <option value="">{pipelines.isPending ? "Loading pipelines…" : "Choose a pipeline…"}</option>
              {(pipelines.data?.items ?? []).map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </div>
        <div>
          <label htmlFor={`${formId}-version`} className="mb-1.5 block text-sm font-medium text-slate-800">
            Version
          </label>
          <select
            id={`${formId}-version`}
            className={selectClass}
            disabled={!detail.data}
            value={version ?? ""}
            onChange={(e) => setChosenVersion(Number(e.target.value))}
          >
            {!detail.data ? <option value="">—</option> : null}
            {(detail.data?.versions ?? []).map((v, i) => (
              <option key={v.version} value={v.version}>
                v{v.version}
                {i === 0 ? " (latest)" : ""}
              </option>
            ))}
          </select>
        </div>
      </div>

      {pipelines.error && !fixedPipeline ? <ErrorMessage error={pipelines.error} /> : null}
      {detail.error ? <ErrorMessage error={detail.error} /> : null}
      {spec.error ? <ErrorMessage error={spec.error} /> : null}

      <div className={cn("flex flex-1 flex-col border-t border-slate-100 pt-5", !pipeline && "hidden")}>
        <h3 className="mb-3 text-xs font-semibold tracking-wide text-slate-500 uppercase">Parameters</h3>
        {spec.data && pipeline && version !== null ? (
          <StartRunForm
            // Re-create the form (and its default values) whenever the schema changes.
            key={`${pipeline}@${version}`}
            project={project}
            pipeline={pipeline}
            version={version}
            params={spec.data.spec.params}
            formId={formId}
            onStarted={onClose}
            onCancel={onClose}
          />
        ) : spec.isFetching || detail.isFetching ? (
          <StartRunFormSkeleton />
        ) : null}
      </div>
      {!pipeline ? (
        <p className="mb-4 rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center text-sm text-slate-500">
          Choose a pipeline to see its parameters.
        </p>
      ) : null}
    </div>
  );
}

"use client";

import Link from "next/link";
import type { RunArtifact, RunDetail } from "@/lib/api-types";
import { isActiveRunStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatBytes, shortDigest, shortId } from "@/lib/format";
import { useRunArtifacts, useRunLineage } from "@/lib/queries";
import { artifactPath, stepPath } from "@/lib/route-params";
import { ArtifactPreviewView, DownloadLink } from "./artifact-preview";
import { ArtifactTypeBadge, LineageGraphView } from "./lineage-graph";
import { RegisterModelButton } from "./models/register-model";
import { buttonClasses } from "./ui/button";
import { EmptyState, ErrorState, Spinner, TableSkeleton } from "./ui/feedback";
import { GraphIcon } from "./ui/icons";

/** Where an artifact of this run came from, when not from this run's own step. */
export function ProducedBy({ project, artifact, runId }: { project: string; artifact: RunArtifact; runId: string }) {
  const p = artifact.producedBy;
  if (!p || (p.runId === runId && p.stepName === artifact.step && !artifact.cached)) return null;
  return (
    <Link
      href={stepPath(project, p.runId, p.stepName)}
      className="rounded bg-indigo-50 px-1.5 py-px text-[11px] font-medium text-indigo-700 ring-1 ring-indigo-200 ring-inset hover:bg-indigo-100"
      title={`Produced by step ${p.stepName} of run ${p.runId}`}
    >
      {artifact.cached ? "cached · " : ""}
      {p.runId === runId ? p.stepName : `from ${shortId(p.runId)}`}
    </Link>
  );
}

const keyOf = (a: RunArtifact, direction: "out" | "in") => `${direction}:${a.step}:${a.name}`;

function ArtifactTable({
  project,
  runId,
  runName,
  title,
  items,
  direction,
  selected,
  onSelect,
}: {
  project: string;
  runId: string;
  runName?: string | null;
  title: string;
  items: RunArtifact[];
  direction: "out" | "in";
  selected: string | null;
  onSelect: (key: string) => void;
}) {
  return (
    <section>
      <h3 className="px-4 pt-4 pb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase sm:px-6">{title}</h3>
      <table className="w-full min-w-[640px] text-left text-sm" data-testid={`run-artifacts-${direction === "out" ? "outputs" : "inputs"}`}>
        <thead className="border-y border-slate-200 bg-slate-50 text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2 font-medium sm:px-6">{direction === "out" ? "Step" : "Consumed by"}</th>
            <th className="px-3 py-2 font-medium">{direction === "out" ? "Output" : "Input"}</th>
            <th className="px-3 py-2 font-medium">Type</th>
            <th className="px-3 py-2 text-right font-medium">Size</th>
            <th className="px-3 py-2 font-medium">Digest</th>
            <th className="px-3 py-2 font-medium">
              <span className="sr-only">Open</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white">
          {items.map((a) => {
            const key = keyOf(a, direction);
            return (
              <tr
                key={key}
                className={cn("cursor-pointer hover:bg-slate-50", key === selected && "bg-indigo-50/60 hover:bg-indigo-50/60")}
                onClick={() => onSelect(key)}
                data-testid="run-artifact-row"
                data-step={a.step}
                data-name={a.name}
                aria-selected={key === selected}
              >
                <td className="px-4 py-2 font-mono text-[13px] text-slate-700 sm:px-6">{a.step}</td>
                <td className="px-3 py-2">
                  <span className="flex items-center gap-2">
                    <button type="button" className="font-mono text-[13px] font-medium text-slate-900 hover:text-indigo-600" onClick={() => onSelect(key)}>
                      {a.name}
                    </button>
                    <ProducedBy project={project} artifact={a} runId={runId} />
                  </span>
                </td>
                <td className="px-3 py-2">
                  <ArtifactTypeBadge type={a.type} />
                  {a.kind === "directory" ? <span className="ml-1.5 text-xs text-slate-500">{a.fileCount} files</span> : null}
                </td>
                <td className="px-3 py-2 text-right whitespace-nowrap text-slate-600 tabular-nums">{formatBytes(a.size)}</td>
                <td className="px-3 py-2 font-mono text-xs text-slate-500" title={`sha256 ${a.digest}`}>
                  {shortDigest(a.digest)}
                </td>
                <td className="px-3 py-2 text-right whitespace-nowrap">
                  {direction === "out" && a.type === "model" ? (
                    // The dialog lives inside the row: keep its clicks from selecting the row.
                    <span className="mr-3 inline-block" onClick={(e) => e.stopPropagation()}>
                      <RegisterModelButton
                        project={project}
                        className="h-7"
                        sources={[{ runId, runName: runName ?? null, stepName: a.step, outputName: a.name }]}
                      />
                    </span>
                  ) : null}
                  <Link
                    href={artifactPath(project, a.id)}
                    className="text-xs font-medium whitespace-nowrap text-indigo-600 hover:underline"
                    onClick={(e) => e.stopPropagation()}
                    aria-label={`Open artifact ${a.step}.${a.name}`}
                  >
                    Open →
                  </Link>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

/** The run page's Artifacts tab: every artifact of the run, with a preview of the selected one. */
export function RunArtifacts({
  project,
  run,
  selected,
  onSelect,
}: {
  project: string;
  run: RunDetail;
  /** `out:STEP:NAME` or `in:STEP:REF` (kept in the URL). */
  selected: string | null;
  onSelect: (key: string | null) => void;
}) {
  const live = isActiveRunStatus(run.status);
  const artifacts = useRunArtifacts(project, run.id, live);
  if (artifacts.isPending) return <TableSkeleton rows={4} />;
  if (artifacts.error) return <ErrorState error={artifacts.error} onRetry={() => void artifacts.refetch()} />;
  const { outputs, inputs } = artifacts.data;
  if (outputs.length === 0 && inputs.length === 0) {
    return (
      <EmptyState title={live ? "No artifacts yet" : "No artifacts"}>
        {live
          ? "Artifacts appear here as steps finish: outputs of type dataset, model, metrics, file or directory."
          : "No step of this run declared an artifact output (dataset, model, metrics, file or directory)."}
      </EmptyState>
    );
  }
  const all = [...outputs.map((a) => [keyOf(a, "out"), a] as const), ...inputs.map((a) => [keyOf(a, "in"), a] as const)];
  const current = all.find(([k]) => k === selected)?.[1] ?? null;
  return (
    <div className="flex h-full min-h-0 flex-col lg:flex-row">
      <div className="min-h-0 min-w-0 flex-1 overflow-auto pb-6">
        {outputs.length > 0 ? (
          <ArtifactTable project={project} runId={run.id} runName={run.name} title={`Outputs (${outputs.length})`} items={outputs} direction="out" selected={selected} onSelect={onSelect} />
        ) : null}
        {inputs.length > 0 ? (
          <ArtifactTable project={project} runId={run.id} title={`Consumed (${inputs.length})`} items={inputs} direction="in" selected={selected} onSelect={onSelect} />
        ) : null}
      </div>
      <aside
        className="min-h-0 border-t border-slate-200 bg-white lg:w-[min(560px,45%)] lg:shrink-0 lg:overflow-y-auto lg:border-t-0 lg:border-l"
        aria-label="Artifact preview"
      >
        {current ? (
          <div className="space-y-3 p-5">
            <div className="flex flex-wrap items-start justify-between gap-2">
              <div className="min-w-0">
                <h3 className="flex items-center gap-2 font-mono text-[15px] font-semibold text-slate-900">
                  <span className="truncate">
                    {current.step}.{current.name}
                  </span>
                  <ArtifactTypeBadge type={current.type} />
                </h3>
                <p className="mt-0.5 font-mono text-xs text-slate-500" title={current.digest}>
                  {formatBytes(current.size)} · sha256 {shortDigest(current.digest)}
                </p>
              </div>
              <div className="flex shrink-0 flex-wrap gap-2">
                {current.type === "model" && selected?.startsWith("out:") ? (
                  <RegisterModelButton
                    project={project}
                    variant="primary"
                    sources={[{ runId: run.id, runName: run.name, stepName: current.step, outputName: current.name }]}
                  />
                ) : null}
                <Link href={artifactPath(project, current.id)} className={buttonClasses("secondary", "sm")}>
                  <GraphIcon /> Details &amp; lineage
                </Link>
                <DownloadLink project={project} artifactId={current.id} label={current.kind === "directory" ? "Download .tar" : "Download"} />
              </div>
            </div>
            <ArtifactPreviewView project={project} artifactId={current.id} />
          </div>
        ) : (
          <p className="px-6 py-10 text-center text-sm text-slate-500">Select an artifact to preview it.</p>
        )}
      </aside>
    </div>
  );
}

/** The run page's Lineage tab: the run's steps, their code version and the artifacts they produced and consumed. */
export function RunLineage({ project, run }: { project: string; run: RunDetail }) {
  const lineage = useRunLineage(project, run.id, isActiveRunStatus(run.status));
  if (lineage.isPending) {
    return (
      <div className="flex h-full items-center justify-center">
        <Spinner className="size-6 text-indigo-400" />
      </div>
    );
  }
  if (lineage.error) return <ErrorState error={lineage.error} onRetry={() => void lineage.refetch()} />;
  if (lineage.data.nodes.length === 0) return <EmptyState title="No lineage">This run has no steps.</EmptyState>;
  return <LineageGraphView project={project} graph={lineage.data} currentRunId={run.id} />;
}

"use client";

import Link from "next/link";
import { useState, type ReactNode } from "react";
import type { ModelDetail, ModelVersion } from "@/lib/api-types";
import { modelVersionDownloadUrl } from "@/lib/api";
import { formatBytes, formatDateTime, formatNumber, runLabel, shortDigest } from "@/lib/format";
import { useDeleteModelVersion } from "@/lib/queries";
import { artifactPath, experimentPath, runPath } from "@/lib/route-params";
import { StatusBadge } from "../status-badge";
import { Button, buttonClasses } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Card, CopyButton, ErrorMessage, Spinner } from "../ui/feedback";
import { ArrowDownIcon, CompareIcon, GraphIcon, TrashIcon } from "../ui/icons";
import { AliasChip, StageBadge } from "./stage-badge";

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[6.5rem_minmax(0,1fr)] gap-2 py-1.5">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="min-w-0 text-sm text-slate-800">{children}</dd>
    </div>
  );
}

/** One version: where it came from (run, step output, artifact), its metrics, and what can be done with it. */
export function VersionDetail({
  project,
  model,
  version: v,
  onPromote,
  onCompare,
  canDelete,
}: {
  project: string;
  model: ModelDetail;
  version: ModelVersion;
  /** null: the role cannot change stages. */
  onPromote: (() => void) | null;
  onCompare: () => void;
  /** Deleting a version is for project admins. */
  canDelete: boolean;
}) {
  const [confirmDelete, setConfirmDelete] = useState(false);
  const metrics = Object.entries(v.metrics).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const production = model.versions.find((x) => x.stage === "Production" && x.version !== v.version);
  return (
    <Card className="overflow-hidden" >
      <div className="border-b border-slate-100 px-4 py-3" data-testid="version-detail" data-version={v.version}>
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="font-mono text-base font-semibold text-slate-900">v{v.version}</h2>
          <StageBadge stage={v.stage} testId="version-detail-stage" />
          {v.aliases.map((a) => (
            <AliasChip key={a} alias={a} />
          ))}
        </div>
        {v.description ? <p className="mt-1 text-sm whitespace-pre-wrap text-slate-600">{v.description}</p> : null}
        <div className="mt-3 flex flex-wrap gap-2">
          {onPromote ? (
            <Button variant="primary" size="sm" onClick={onPromote}>
              {v.stage === "Production" ? "Change stage…" : "Promote…"}
            </Button>
          ) : null}
          <Button size="sm" onClick={onCompare} title={production ? `Compare with v${production.version} (Production)` : "Compare with another version"}>
            <CompareIcon /> Compare
          </Button>
          {v.artifact ? (
            <a href={modelVersionDownloadUrl(project, model.name, v.version)} download className={buttonClasses("secondary", "sm")} data-testid="version-download">
              <ArrowDownIcon /> Download
            </a>
          ) : null}
          {v.artifact ? (
            <Link href={`${artifactPath(project, v.artifact.id)}?direction=upstream`} className={buttonClasses("secondary", "sm")} data-testid="version-lineage">
              <GraphIcon /> Lineage
            </Link>
          ) : null}
        </div>
      </div>
      <dl className="divide-y divide-slate-50 px-4 py-1.5">
        <Row label="Run">
          {v.run ? (
            <span className="flex flex-wrap items-center gap-1.5">
              <Link href={runPath(project, v.run.id)} className="font-medium text-indigo-700 hover:underline">
                {runLabel(v.run)}
              </Link>
              <StatusBadge status={v.run.status} size="sm" />
            </span>
          ) : v.runId ? (
            <span className="text-slate-500">{v.runId} (deleted)</span>
          ) : (
            <span className="text-slate-400">—</span>
          )}
        </Row>
        {v.run?.experimentId != null ? (
          <Row label="Experiment">
            <Link href={experimentPath(project, v.run.experimentId)} className="text-indigo-700 hover:underline">
              {v.run.experimentName ?? v.run.experimentId}
            </Link>
          </Row>
        ) : null}
        {v.stepName || v.outputName ? (
          <Row label="Output">
            <span className="font-mono text-[13px]">{[v.stepName, v.outputName].filter(Boolean).join(".")}</span>
          </Row>
        ) : null}
        <Row label="Artifact">
          {v.artifact ? (
            <span className="flex items-center gap-1 font-mono text-xs text-slate-600" title={v.artifact.digest}>
              <Link href={artifactPath(project, v.artifact.id)} className="text-indigo-700 hover:underline">
                sha256 {shortDigest(v.artifact.digest)}
              </Link>
              <span className="text-slate-400">· {formatBytes(v.artifact.size)}</span>
              <CopyButton text={v.artifact.digest} label="Copy digest" iconOnly className="px-1" />
            </span>
          ) : (
            <span className="block truncate font-mono text-xs text-slate-500" title={v.source}>
              {v.source}
            </span>
          )}
        </Row>
        <Row label="Registered">
          <span>{v.createdBy || "anonymous"}</span>
          <span className="block text-xs text-slate-500">{formatDateTime(v.createdAt)}</span>
        </Row>
        {Object.keys(v.tags ?? {}).length > 0 ? (
          <Row label="Tags">
            <span className="flex flex-wrap gap-1">
              {Object.entries(v.tags).map(([k, val]) => (
                <span key={k} className="rounded-md bg-slate-100 px-1.5 py-px font-mono text-[11px] text-slate-700">
                  {k}={val}
                </span>
              ))}
            </span>
          </Row>
        ) : null}
      </dl>
      <div className="border-t border-slate-100 px-4 py-3">
        <h3 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">Metrics</h3>
        {metrics.length === 0 ? (
          <p className="text-sm text-slate-500">The run logged no metrics.</p>
        ) : (
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1" data-testid="version-metrics">
            {metrics.map(([k, value]) => (
              <div key={k} className="flex min-w-0 items-baseline justify-between gap-2 text-sm">
                <dt className="truncate font-mono text-xs text-slate-500" title={k}>
                  {k}
                </dt>
                <dd className="font-mono text-[13px] text-slate-800 tabular-nums">{formatNumber(value)}</dd>
              </div>
            ))}
          </dl>
        )}
      </div>
      {canDelete ? (
        <>
          <div className="flex justify-end border-t border-slate-100 px-4 py-2">
            <Button variant="ghost" size="sm" className="text-red-600 hover:bg-red-50 hover:text-red-700" onClick={() => setConfirmDelete(true)}>
              <TrashIcon /> Delete version
            </Button>
          </div>
          <DeleteVersionDialog project={project} model={model} version={v} open={confirmDelete} onClose={() => setConfirmDelete(false)} />
        </>
      ) : null}
    </Card>
  );
}

function DeleteVersionDialog({ project, model, version, open, onClose }: { project: string; model: ModelDetail; version: ModelVersion; open: boolean; onClose: () => void }) {
  const remove = useDeleteModelVersion(project, model.name);
  const close = () => {
    if (remove.isPending) return;
    remove.reset();
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title={`Delete v${version.version}?`}
      footer={
        <>
          <Button variant="ghost" onClick={close} disabled={remove.isPending}>
            Keep it
          </Button>
          <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate(version.version, { onSuccess: close })}>
            {remove.isPending ? <Spinner className="size-3.5" /> : <TrashIcon />} Delete version
          </Button>
        </>
      }
    >
      <div className="space-y-3 text-sm text-slate-600">
        <p>
          The version leaves the registry{version.aliases.length ? ` with its aliases (${version.aliases.map((a) => `@${a}`).join(", ")})` : ""}. The run and its artifact stay;
          the audit trail keeps a record of the deletion.
        </p>
        {version.stage === "Production" ? (
          <p className="rounded-lg bg-amber-50 px-3 py-2 text-amber-800 ring-1 ring-amber-200">This version is in Production: after this, none is.</p>
        ) : null}
        {remove.error ? <ErrorMessage error={remove.error} /> : null}
      </div>
    </Dialog>
  );
}

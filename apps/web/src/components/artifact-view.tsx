"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import type { ArtifactDetail, ArtifactUse, LineageDirection } from "@/lib/api-types";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatBytes, formatDateTime, pluralize, runLabel } from "@/lib/format";
import { useArtifact, useArtifactLineage } from "@/lib/queries";
import { projectPath, runPath, stepPath } from "@/lib/route-params";
import { ArtifactPreviewView, DownloadLink } from "./artifact-preview";
import { ArtifactTypeBadge, LineageGraphView } from "./lineage-graph";
import { RegisterModelButton } from "./models/register-model";
import { PageContainer } from "./page-header";
import { StatusDot } from "./status-badge";
import { Card, CardHeader, CopyButton, ErrorState, Skeleton, Spinner } from "./ui/feedback";

const DIRECTIONS: [LineageDirection, string][] = [
  ["both", "Both"],
  ["upstream", "Upstream"],
  ["downstream", "Downstream"],
];

function Uses({ project, title, uses, total, empty }: { project: string; title: string; uses: ArtifactUse[]; total: number; empty: string }) {
  return (
    <Card>
      <CardHeader title={`${title} (${total})`} />
      {uses.length === 0 ? (
        <p className="px-4 py-4 text-sm text-slate-500">{empty}</p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {uses.map((u) => (
            <li key={`${u.runId}:${u.stepName}:${u.name}`} className="flex items-center justify-between gap-3 px-4 py-2 text-sm">
              <span className="flex min-w-0 items-center gap-2">
                <StatusDot status={u.runStatus} />
                <Link href={stepPath(project, u.runId, u.stepName)} className="truncate font-mono text-[13px] text-indigo-700 hover:underline">
                  {u.stepName}
                </Link>
                {u.cached ? <span className="shrink-0 rounded bg-indigo-100 px-1.5 py-px text-[10px] font-semibold text-indigo-700">Cached</span> : null}
                <span className="truncate text-xs text-slate-500">
                  of run {runLabel({ id: u.runId, name: u.runName })}
                  {u.pipeline ? ` · ${u.pipeline}${u.version !== null ? ` v${u.version}` : ""}` : ""}
                </span>
              </span>
              <span className="shrink-0 font-mono text-xs text-slate-500">{u.name}</span>
            </li>
          ))}
          {total > uses.length ? <li className="px-4 py-2 text-xs text-slate-500">and {total - uses.length} more</li> : null}
        </ul>
      )}
    </Card>
  );
}

function Meta({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] font-medium tracking-wide text-slate-400 uppercase">{label}</dt>
      <dd className="mt-0.5 text-sm text-slate-800">{children}</dd>
    </div>
  );
}

function Header({ project, artifact }: { project: string; artifact: ArtifactDetail }) {
  const producer = artifact.producers[0];
  const columns = Array.isArray(artifact.metadata.columns) ? artifact.metadata.columns : null;
  return (
    <div className="mb-5">
      <div className="mb-1.5 text-sm text-slate-500">
        <Link href={projectPath(project, "runs")} className="hover:text-slate-800">
          Runs
        </Link>
        {producer ? (
          <>
            <span className="mx-1.5 text-slate-300">/</span>
            <Link href={`${runPath(project, producer.runId)}?tab=artifacts`} className="hover:text-slate-800">
              {producer.pipeline ?? "run"} {runLabel({ id: producer.runId, name: producer.runName })}
            </Link>
          </>
        ) : null}
        <span className="mx-1.5 text-slate-300">/</span>
        <span>artifact</span>
      </div>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2.5 text-xl font-semibold tracking-tight text-slate-900">
            <span className="font-mono">{artifact.name ?? artifact.digest.slice(0, 12)}</span>
            <ArtifactTypeBadge type={artifact.type} className="text-[11px]" />
          </h1>
          <p className="mt-1 flex items-center gap-1 font-mono text-xs text-slate-500">
            sha256 <span className="break-all">{artifact.digest}</span>
            <CopyButton text={artifact.digest} label="Copy digest" iconOnly className="px-1" />
          </p>
        </div>
        <div className="flex shrink-0 items-center gap-2">
          {artifact.type === "model" ? (
            <RegisterModelButton
              project={project}
              size="md"
              variant="primary"
              sources={artifact.producers.map((p) => ({ runId: p.runId, runName: p.runName, stepName: p.stepName, outputName: p.name }))}
            />
          ) : null}
          <DownloadLink project={project} artifactId={artifact.id} size="md" label={artifact.kind === "directory" ? "Download .tar" : "Download"} />
        </div>
      </div>
      <dl className="mt-3 flex flex-wrap gap-x-7 gap-y-3">
        <Meta label="Size">{formatBytes(artifact.size)}</Meta>
        <Meta label="Kind">{artifact.kind === "directory" ? `directory · ${pluralize(artifact.fileCount, "file")}` : "file"}</Meta>
        {typeof artifact.metadata.mediaType === "string" ? <Meta label="Media type">{artifact.metadata.mediaType}</Meta> : null}
        {typeof artifact.metadata.rows === "number" ? <Meta label="Rows">{artifact.metadata.rows.toLocaleString()}</Meta> : null}
        <Meta label="Stored">{formatDateTime(artifact.createdAt)}</Meta>
        <Meta label="Kept by">{artifact.cacheEntries > 0 ? pluralize(artifact.cacheEntries, "cache entry", "cache entries") : "runs only"}</Meta>
      </dl>
      {columns && columns.length > 0 ? (
        <div className="mt-3 flex flex-wrap items-center gap-1.5">
          <span className="mr-1 text-[11px] font-medium tracking-wide text-slate-400 uppercase">Columns</span>
          {columns.slice(0, 40).map((c, i) => (
            <span key={i} className="rounded-md bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-700">
              {String(c)}
            </span>
          ))}
          {columns.length > 40 ? <span className="text-xs text-slate-500">+{columns.length - 40} more</span> : null}
        </div>
      ) : null}
    </div>
  );
}

export function ArtifactView({ project, id }: { project: string; id: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const path = searchParams.get("path");
  const directionParam = searchParams.get("direction");
  const direction: LineageDirection = directionParam === "upstream" || directionParam === "downstream" ? directionParam : "both";
  const artifact = useArtifact(project, id);
  const lineage = useArtifactLineage(project, id, direction, 10, !!artifact.data);

  const setParam = (key: string, value: string | null) => {
    const sp = new URLSearchParams(searchParams.toString());
    if (value === null) sp.delete(key);
    else sp.set(key, value);
    const qs = sp.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  if (artifact.isPending) {
    return (
      <PageContainer>
        <div className="space-y-3" aria-busy="true" aria-label="Loading artifact">
          <Skeleton className="h-4 w-40" />
          <Skeleton className="h-7 w-72" />
          <Skeleton className="h-4 w-96" />
          <Skeleton className="mt-6 h-64 w-full" />
        </div>
      </PageContainer>
    );
  }
  if (!artifact.data) {
    return (
      <PageContainer>
        <ErrorState
          error={artifact.error}
          title={artifact.error instanceof ApiError && (artifact.error.status === 404 || artifact.error.status === 400) ? "Artifact not found" : undefined}
          onRetry={() => void artifact.refetch()}
        />
      </PageContainer>
    );
  }
  const a = artifact.data;

  return (
    <PageContainer>
      <Header project={project} artifact={a} />
      <div className="grid gap-5 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <Card>
          <CardHeader
            title={
              a.kind === "directory" && path ? (
                <span className="flex items-center gap-2">
                  <button type="button" className="text-indigo-600 hover:underline" onClick={() => setParam("path", null)}>
                    Files
                  </button>
                  <span className="text-slate-300">/</span>
                  <span className="font-mono">{path}</span>
                </span>
              ) : (
                "Preview"
              )
            }
            actions={a.kind === "directory" && path ? <DownloadLink project={project} artifactId={a.id} path={path} /> : null}
          />
          <div className="p-4">
            <ArtifactPreviewView project={project} artifactId={a.id} path={a.kind === "directory" ? path : null} onOpenPath={(p) => setParam("path", p)} />
          </div>
        </Card>
        <div className="space-y-5">
          <Uses project={project} title="Produced by" uses={a.producers} total={a.producerCount} empty="No run of this project recorded producing it (a cache entry keeps it)." />
          <Uses project={project} title="Consumed by" uses={a.consumers} total={a.consumerCount} empty="No step has consumed it yet." />
        </div>
      </div>

      <Card className="mt-5 overflow-hidden">
        <CardHeader
          title={
            <span className="flex items-center gap-2">
              Lineage {lineage.isFetching ? <Spinner className="size-3 text-slate-300" /> : null}
            </span>
          }
          actions={
            <div className="flex rounded-lg bg-slate-100 p-0.5" role="tablist" aria-label="Lineage direction">
              {DIRECTIONS.map(([key, label]) => (
                <button
                  key={key}
                  type="button"
                  role="tab"
                  aria-selected={direction === key}
                  onClick={() => setParam("direction", key === "both" ? null : key)}
                  className={cn(
                    "rounded-md px-2.5 py-1 text-xs font-medium transition-colors",
                    direction === key ? "bg-white text-slate-900 shadow-xs" : "text-slate-500 hover:text-slate-800",
                  )}
                >
                  {label}
                </button>
              ))}
            </div>
          }
        />
        <div className="h-[560px] bg-slate-50" data-testid="artifact-lineage">
          {lineage.data ? (
            <LineageGraphView project={project} graph={lineage.data} />
          ) : lineage.error ? (
            <ErrorState error={lineage.error} onRetry={() => void lineage.refetch()} />
          ) : (
            <div className="flex h-full items-center justify-center">
              <Spinner className="size-6 text-indigo-400" />
            </div>
          )}
        </div>
        <p className="border-t border-slate-100 px-4 py-2 text-xs text-slate-500">
          Upstream: the steps that produced this artifact, their inputs back to the raw datasets, and the code version of each step. Downstream: the
          steps of every run that consumed it and what they produced. Click a node to open it.
        </p>
      </Card>
    </PageContainer>
  );
}

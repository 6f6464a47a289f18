"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import type { PipelineSpec, PipelineVersionSummary } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatValue } from "@/lib/format";
import { useProjectRole } from "@/lib/project-role";
import { useExperiments, usePipeline, usePipelineVersion } from "@/lib/queries";
import { experimentPath, projectPath } from "@/lib/route-params";
import { PageContainer, PageHeader } from "./page-header";
import { RunDag, type DagStep } from "./run-dag";
import { StartRunDialog } from "./start-run-dialog";
import { StatusBadge } from "./status-badge";
import { RelativeTime } from "./time";
import { Button } from "./ui/button";
import { Card, CardHeader, CopyButton, EmptyState, ErrorState, Skeleton, Spinner } from "./ui/feedback";
import { PlayIcon } from "./ui/icons";

function stepSubtitle(step: PipelineSpec["steps"][string]): string {
  const cmd = step.run ?? step.script ?? "";
  const first = cmd.split("\n").find((l) => l.trim()) ?? "";
  return first.trim();
}

export function PipelineView({ project, name }: { project: string; name: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [startOpen, setStartOpen] = useState(false);
  const canEdit = useProjectRole(project).can("edit");

  const detail = usePipeline(project, name);
  // Runs start in the experiment named after their pipeline unless they name another.
  const experiments = useExperiments(project);
  const experiment = experiments.data?.items.find((e) => e.name === name) ?? null;
  const versions = detail.data?.versions ?? [];
  const requested = Number(searchParams.get("version"));
  const latest = versions[0]?.version ?? detail.data?.pipeline.latestVersion ?? null;
  const selectedVersion = Number.isInteger(requested) && requested > 0 ? requested : latest;
  const spec = usePipelineVersion(project, name, selectedVersion);

  const selectVersion = (v: number) => {
    const sp = new URLSearchParams(searchParams.toString());
    if (v === latest) sp.delete("version");
    else sp.set("version", String(v));
    const qs = sp.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  const dagSteps = useMemo<DagStep[]>(
    () =>
      Object.entries(spec.data?.spec.steps ?? {}).map(([key, s]) => ({
        name: s.name ?? key,
        needs: s.needs ?? [],
        subtitle: stepSubtitle(s),
        container: s.executor === "container" ? { image: s.image ?? null } : null,
        gpu: s.resources?.gpu ?? 0,
      })),
    [spec.data],
  );

  const breadcrumb = (
    <Link href={projectPath(project, "pipelines")} className="hover:text-slate-800">
      Pipelines
    </Link>
  );

  if (detail.error) {
    return (
      <PageContainer>
        <PageHeader breadcrumb={breadcrumb} title={name} />
        <Card>
          <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />
        </Card>
      </PageContainer>
    );
  }

  const pipeline = detail.data?.pipeline;

  return (
    <PageContainer>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          <>
            <span className="break-all">{name}</span>
            {selectedVersion !== null ? (
              <span className="rounded-md bg-slate-100 px-2 py-0.5 font-mono text-sm font-medium text-slate-600">
                v{selectedVersion}
              </span>
            ) : null}
          </>
        }
        description={
          detail.isPending ? <Skeleton className="h-4 w-80" /> : pipeline?.description || <span className="italic">No description</span>
        }
        meta={
          pipeline?.lastRun ? (
            <div className="flex items-center gap-2 text-xs text-slate-500">
              Last run
              <Link href={projectPath(project, "runs", pipeline.lastRun.id)} className="inline-flex items-center gap-1.5 hover:underline">
                <StatusBadge status={pipeline.lastRun.status} size="sm" />
                <RelativeTime iso={pipeline.lastRun.createdAt} />
              </Link>
              <span aria-hidden="true">·</span>
              <Link href={`${projectPath(project, "runs")}?pipeline=${encodeURIComponent(name)}`} className="text-indigo-600 hover:underline">
                All runs
              </Link>
              {experiment ? (
                <>
                  <span aria-hidden="true">·</span>
                  <Link href={experimentPath(project, experiment.id)} className="text-indigo-600 hover:underline">
                    Compare in experiment {experiment.name}
                  </Link>
                </>
              ) : null}
            </div>
          ) : null
        }
        actions={
          canEdit ? (
            <Button variant="primary" onClick={() => setStartOpen(true)} disabled={!detail.data || selectedVersion === null}>
              <PlayIcon /> Start run
            </Button>
          ) : null
        }
      />

      <div className="grid grid-cols-1 gap-5 lg:grid-cols-[15rem_minmax(0,1fr)]">
        <Card className="self-start overflow-hidden">
          <CardHeader title="Versions" actions={<span className="text-xs text-slate-400">{versions.length || ""}</span>} />
          {detail.isPending ? (
            <div className="space-y-3 p-4">
              {[0, 1, 2].map((i) => (
                <Skeleton key={i} className="h-9 w-full" />
              ))}
            </div>
          ) : (
            <VersionList versions={versions} selected={selectedVersion} onSelect={selectVersion} />
          )}
        </Card>

        <div className="min-w-0 space-y-5">
          <Card className="overflow-hidden">
            <CardHeader
              title="Graph"
              actions={
                spec.data ? (
                  <span className="text-xs text-slate-400">{dagSteps.length} steps</span>
                ) : spec.isFetching ? (
                  <Spinner className="size-3 text-slate-300" />
                ) : null
              }
            />
            <div className="h-[380px] bg-slate-50/60">
              {spec.error ? (
                <ErrorState error={spec.error} onRetry={() => void spec.refetch()} />
              ) : spec.data ? (
                dagSteps.length > 0 ? (
                  <RunDag key={spec.data.version} steps={dagSteps} embedded />
                ) : (
                  <EmptyState title="This version has no steps" />
                )
              ) : (
                <div className="flex h-full items-center justify-center">
                  <Spinner className="size-6 text-indigo-400" />
                </div>
              )}
            </div>
          </Card>

          <Card className="overflow-hidden">
            <CardHeader title="Parameters" />
            {spec.data ? <ParamsTable spec={spec.data.spec} /> : <div className="p-4"><Skeleton className="h-20 w-full" /></div>}
          </Card>

          <Card className="overflow-hidden">
            <CardHeader
              title="Spec"
              actions={spec.data ? <CopyButton text={spec.data.specText} /> : null}
            />
            {spec.data ? (
              <pre
                className="max-h-[560px] overflow-auto bg-slate-950 p-4 font-mono text-[12.5px] leading-relaxed text-slate-200"
                tabIndex={0}
                aria-label="Pipeline spec"
              >
                {spec.data.specText}
              </pre>
            ) : (
              <div className="p-4">
                <Skeleton className="h-40 w-full" />
              </div>
            )}
          </Card>
        </div>
      </div>

      {pipeline && selectedVersion !== null ? (
        <StartRunDialog
          project={project}
          open={startOpen}
          onClose={() => setStartOpen(false)}
          pipeline={pipeline.name}
          version={selectedVersion}
        />
      ) : null}
    </PageContainer>
  );
}

function VersionList({
  versions,
  selected,
  onSelect,
}: {
  versions: PipelineVersionSummary[];
  selected: number | null;
  onSelect: (v: number) => void;
}) {
  if (versions.length === 0) return <p className="p-4 text-sm text-slate-500">No versions.</p>;
  return (
    <ul className="max-h-[420px] divide-y divide-slate-100 overflow-y-auto lg:max-h-[calc(100dvh-14rem)]">
      {versions.map((v, i) => {
        const active = v.version === selected;
        return (
          <li key={v.version}>
            <button
              type="button"
              onClick={() => onSelect(v.version)}
              aria-current={active ? "true" : undefined}
              className={cn(
                "w-full px-4 py-2.5 text-left transition-colors",
                active ? "bg-indigo-50/70 shadow-[inset_3px_0_0_var(--color-indigo-500)]" : "hover:bg-slate-50",
              )}
            >
              <div className="flex items-center justify-between gap-2">
                <span className={cn("font-mono text-sm font-medium", active ? "text-indigo-700" : "text-slate-800")}>
                  v{v.version}
                </span>
                {i === 0 ? (
                  <span className="rounded-full bg-emerald-50 px-1.5 py-px text-[10px] font-medium text-emerald-700 ring-1 ring-emerald-200 ring-inset">
                    latest
                  </span>
                ) : null}
              </div>
              <div className="mt-0.5 flex items-center justify-between gap-2 text-xs text-slate-500">
                <RelativeTime iso={v.createdAt} />
                <span className="truncate font-mono text-[10px] text-slate-400" title={`content ${v.contentDigest}${v.codeDigest ? `\ncode ${v.codeDigest}` : ""}`}>
                  {v.contentDigest.replace(/^sha256:/, "").slice(0, 8)}
                </span>
              </div>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function ParamsTable({ spec }: { spec: PipelineSpec }) {
  const entries = Object.entries(spec.params ?? {});
  if (entries.length === 0) return <p className="px-4 py-5 text-sm text-slate-500">This pipeline takes no parameters.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[560px] text-left text-sm">
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2 font-medium">Name</th>
            <th className="px-4 py-2 font-medium">Type</th>
            <th className="px-4 py-2 font-medium">Default</th>
            <th className="px-4 py-2 font-medium">Description</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {entries.map(([name, p]) => (
            <tr key={name}>
              <td className="px-4 py-2.5 align-top">
                <span className="font-mono text-[13px] font-medium text-slate-800">{name}</span>
                {p.default === undefined ? (
                  <span className="ml-2 rounded bg-red-50 px-1.5 py-px text-[10px] font-medium text-red-700">required</span>
                ) : null}
              </td>
              <td className="px-4 py-2.5 align-top">
                <span className="font-mono text-xs text-slate-600">{p.type}</span>
                {p.enum?.length ? (
                  <div className="mt-1 flex flex-wrap gap-1">
                    {p.enum.map((e) => (
                      <span key={JSON.stringify(e)} className="rounded bg-slate-100 px-1 font-mono text-[11px] text-slate-600">
                        {formatValue(e)}
                      </span>
                    ))}
                  </div>
                ) : null}
              </td>
              <td className="max-w-[16rem] px-4 py-2.5 align-top">
                {p.default === undefined ? (
                  <span className="text-slate-400">—</span>
                ) : (
                  <code className="font-mono text-xs break-all text-slate-700">{JSON.stringify(p.default)}</code>
                )}
              </td>
              <td className="px-4 py-2.5 align-top text-slate-600">{p.description ?? <span className="text-slate-400">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

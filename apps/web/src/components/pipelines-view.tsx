"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { usePipelines } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { PageContainer, PageHeader } from "./page-header";
import { StatusBadge } from "./status-badge";
import { RelativeTime } from "./time";
import { Card, CodeSnippet, EmptyState, ErrorState, Spinner, TableSkeleton } from "./ui/feedback";
import { PipelineIcon } from "./ui/icons";

export function PipelinesView({ project }: { project: string }) {
  const router = useRouter();
  const { data, error, isPending, isFetching, refetch } = usePipelines(project);
  const items = data?.items ?? [];

  return (
    <PageContainer>
      <PageHeader
        title={
          <>
            Pipelines
            {isFetching && !isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description="Pipelines are DAGs of steps with typed parameters. Each push creates a new immutable version."
      />
      <Card className="overflow-hidden">
        {isPending ? (
          <TableSkeleton />
        ) : error ? (
          <ErrorState error={error} onRetry={() => void refetch()} />
        ) : items.length === 0 ? (
          <EmptyState icon={<PipelineIcon />} title="No pipelines in this project yet">
            <p>Push a pipeline definition from your repository with the Trellis CLI:</p>
            <div className="mt-4">
              <CodeSnippet code={`npx trellis push examples/hello${project === "default" ? "" : ` --project ${project}`}`} />
            </div>
            <p className="mt-3 text-xs text-slate-400">It will show up here, ready to run, as soon as the push completes.</p>
          </EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full min-w-[760px] text-left text-sm">
              <thead className="border-b border-slate-200 bg-slate-50/80 text-xs font-medium text-slate-500">
                <tr>
                  <th className="px-4 py-2.5 font-medium">Pipeline</th>
                  <th className="px-4 py-2.5 font-medium">Latest version</th>
                  <th className="px-4 py-2.5 font-medium">Last run</th>
                  <th className="px-4 py-2.5 font-medium">Updated</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {items.map((p) => {
                  const href = projectPath(project, "pipelines", p.name);
                  return (
                    <tr
                      key={p.id}
                      className="cursor-pointer hover:bg-slate-50/80"
                      onClick={(e) => {
                        // Whole-row navigation, but leave inner links/selection alone.
                        if ((e.target as HTMLElement).closest("a") || window.getSelection()?.toString()) return;
                        router.push(href);
                      }}
                    >
                      <td className="max-w-md px-4 py-3">
                        <Link href={href} className="font-medium text-slate-900 hover:text-indigo-600">
                          {p.name}
                        </Link>
                        {p.description ? <p className="mt-0.5 truncate text-xs text-slate-500">{p.description}</p> : null}
                      </td>
                      <td className="px-4 py-3">
                        <span className="rounded-md bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-600">
                          v{p.latestVersion}
                        </span>
                      </td>
                      <td className="px-4 py-3">
                        {p.lastRun ? (
                          <Link
                            href={projectPath(project, "runs", p.lastRun.id)}
                            className="inline-flex items-center gap-2 hover:underline"
                          >
                            <StatusBadge status={p.lastRun.status} size="sm" />
                            <RelativeTime iso={p.lastRun.createdAt} className="text-xs text-slate-500" />
                          </Link>
                        ) : (
                          <span className="text-xs text-slate-400">Never run</span>
                        )}
                      </td>
                      <td className="px-4 py-3 text-slate-500">
                        <RelativeTime iso={p.updatedAt} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </PageContainer>
  );
}

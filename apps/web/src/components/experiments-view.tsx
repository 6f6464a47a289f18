"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { pluralize } from "@/lib/format";
import { useExperiments } from "@/lib/queries";
import { experimentPath } from "@/lib/route-params";
import { PageContainer, PageHeader } from "./page-header";
import { RelativeTime } from "./time";
import { Card, CodeSnippet, EmptyState, ErrorState, Spinner, TableSkeleton } from "./ui/feedback";
import { FlaskIcon } from "./ui/icons";

export function ExperimentsView({ project }: { project: string }) {
  const router = useRouter();
  const { data, error, isPending, isFetching, refetch } = useExperiments(project);
  const items = data?.items ?? [];

  return (
    <PageContainer>
      <PageHeader
        title={
          <>
            Experiments
            {isFetching && !isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description="Experiments group runs so you can compare them: a run starts in its pipeline's experiment unless it names another."
      />
      <Card className="overflow-hidden">
        {isPending ? (
          <TableSkeleton />
        ) : error ? (
          <ErrorState error={error} onRetry={() => void refetch()} />
        ) : items.length === 0 ? (
          <EmptyState icon={<FlaskIcon />} title="No experiments yet">
            <p>An experiment is created with the first run that starts in it. Start a run of any pipeline:</p>
            <div className="mt-4">
              <CodeSnippet code={`npx trellis run hello${project === "default" ? "" : ` --project ${project}`}`} />
            </div>
          </EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full min-w-[680px] text-left text-sm">
              <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
                <tr>
                  <th className="px-4 py-2.5 font-medium">Experiment</th>
                  <th className="px-4 py-2.5 text-right font-medium">Runs</th>
                  <th className="px-4 py-2.5 font-medium">Last run</th>
                  <th className="px-4 py-2.5 font-medium">Created</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {items.map((e) => {
                  const href = experimentPath(project, e.id);
                  return (
                    <tr
                      key={e.id}
                      data-testid="experiment-row"
                      className="cursor-pointer hover:bg-slate-50/80"
                      onClick={(ev) => {
                        if ((ev.target as HTMLElement).closest("a") || window.getSelection()?.toString()) return;
                        router.push(href);
                      }}
                    >
                      <td className="max-w-lg px-4 py-3">
                        <Link href={href} className="font-medium break-all text-slate-900 hover:text-indigo-600">
                          {e.name}
                        </Link>
                        {e.description ? <p className="mt-0.5 truncate text-xs text-slate-500">{e.description}</p> : null}
                      </td>
                      <td className="px-4 py-3 text-right text-slate-700 tabular-nums" title={pluralize(e.runCount, "run")}>
                        {e.runCount.toLocaleString()}
                      </td>
                      <td className="px-4 py-3 text-slate-600">
                        {e.lastRunAt ? <RelativeTime iso={e.lastRunAt} /> : <span className="text-xs text-slate-400">No runs</span>}
                      </td>
                      <td className="px-4 py-3 text-slate-500">
                        <RelativeTime iso={e.createdAt} />
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

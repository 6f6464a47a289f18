"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { pluralize } from "@/lib/format";
import { useProjectRole } from "@/lib/project-role";
import { useModels } from "@/lib/queries";
import { modelPath, projectPath } from "@/lib/route-params";
import { AliasChip, StageBadge, VersionPill } from "./models/stage-badge";
import { NewModelDialog } from "./models/new-model-dialog";
import { PageContainer, PageHeader } from "./page-header";
import { RelativeTime } from "./time";
import { Button } from "./ui/button";
import { Card, CodeSnippet, EmptyState, ErrorState, Spinner, TableSkeleton } from "./ui/feedback";
import { ModelIcon, PlusIcon, SearchIcon, XIcon } from "./ui/icons";

const SEARCH_DEBOUNCE_MS = 250;

/** The project's registered models: what is in Production and Staging, and their aliases. */
export function ModelsView({ project }: { project: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const q = searchParams.get("q") ?? "";
  const [draft, setDraft] = useState(q);
  const [newOpen, setNewOpen] = useState(false);
  const canEdit = useProjectRole(project).can("edit");
  const { data, error, isPending, isFetching, isPlaceholderData, refetch } = useModels(project, q);
  const items = data?.items ?? [];

  // The search box writes ?q= a moment after typing stops (the list is filtered by the API).
  useEffect(() => {
    if (draft.trim() === q.trim()) return;
    const t = setTimeout(() => {
      const sp = new URLSearchParams(searchParams.toString());
      if (draft.trim()) sp.set("q", draft.trim());
      else sp.delete("q");
      const qs = sp.toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [draft, q, pathname, router, searchParams]);

  const searching = q.trim() !== "";

  return (
    <PageContainer>
      <PageHeader
        title={
          <>
            Models
            {isFetching && !isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description="Registered models and their versions: what serves in Production, what is being tried in Staging, and who promoted what, when and why."
        actions={
          canEdit ? (
            <Button variant="primary" onClick={() => setNewOpen(true)}>
              <PlusIcon /> New model
            </Button>
          ) : null
        }
      />
      {!isPending && !error && (items.length > 0 || searching || isPlaceholderData) ? (
        <form
          role="search"
          className="relative mb-3 max-w-md"
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <SearchIcon className="pointer-events-none absolute top-1/2 left-3 -translate-y-1/2 text-slate-400" />
          <input
            type="search"
            aria-label="Search models"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") setDraft("");
            }}
            placeholder="Search by name"
            className="block h-9 w-full rounded-lg border border-slate-300 bg-white pr-9 pl-9 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none [&::-webkit-search-cancel-button]:hidden"
          />
          {draft ? (
            <button
              type="button"
              aria-label="Clear search"
              onClick={() => setDraft("")}
              className="absolute top-1/2 right-2 -translate-y-1/2 rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
            >
              <XIcon />
            </button>
          ) : null}
        </form>
      ) : null}
      <Card className="overflow-hidden">
        {isPending ? (
          <TableSkeleton />
        ) : error ? (
          <ErrorState error={error} onRetry={() => void refetch()} />
        ) : items.length === 0 && searching ? (
          <EmptyState icon={<SearchIcon />} title="No model matches">
            <p>
              No model name contains <code className="rounded bg-slate-100 px-1 font-mono text-xs">{q}</code>.
            </p>
            <button type="button" className="mt-2 font-medium text-indigo-600 hover:underline" onClick={() => setDraft("")}>
              Clear the search
            </button>
          </EmptyState>
        ) : items.length === 0 ? (
          <NoModels project={project} onNew={canEdit ? () => setNewOpen(true) : null} />
        ) : (
          <ModelsTable project={project} items={items} />
        )}
      </Card>
      <NewModelDialog project={project} open={newOpen} onClose={() => setNewOpen(false)} />
    </PageContainer>
  );
}

function ModelsTable({ project, items }: { project: string; items: NonNullable<ReturnType<typeof useModels>["data"]>["items"] }) {
  const router = useRouter();
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[860px] text-left text-sm" data-testid="models-table">
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2.5 font-medium">Model</th>
            <th className="px-4 py-2.5 font-medium">Production</th>
            <th className="px-4 py-2.5 font-medium">Staging</th>
            <th className="px-4 py-2.5 font-medium">Latest</th>
            <th className="px-4 py-2.5 font-medium">Aliases</th>
            <th className="px-4 py-2.5 font-medium">Updated</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((m) => {
            const href = modelPath(project, m.name);
            return (
              <tr
                key={m.name}
                data-testid="model-row"
                data-model={m.name}
                className="cursor-pointer hover:bg-slate-50/80"
                onClick={(ev) => {
                  if ((ev.target as HTMLElement).closest("a") || window.getSelection()?.toString()) return;
                  router.push(href);
                }}
              >
                <td className="max-w-md px-4 py-3">
                  <Link href={href} className="font-medium break-all text-slate-900 hover:text-indigo-600">
                    {m.name}
                  </Link>
                  {m.description ? <p className="mt-0.5 truncate text-xs text-slate-500">{m.description}</p> : null}
                </td>
                <td className="px-4 py-3">
                  {m.production ? (
                    <Link href={modelPath(project, m.name, { version: m.production.version })} className="inline-flex items-center gap-1.5 hover:underline">
                      <StageBadge stage="Production" size="sm" />
                      <span className="font-mono text-xs font-medium text-slate-700">v{m.production.version}</span>
                    </Link>
                  ) : (
                    <span className="text-xs text-slate-400">None yet</span>
                  )}
                </td>
                <td className="px-4 py-3">
                  {m.staging.length > 0 ? (
                    <span className="flex flex-wrap gap-1">
                      {m.staging.map((v) => (
                        <Link key={v} href={modelPath(project, m.name, { version: v })} className="rounded-md bg-amber-50 px-1.5 py-px font-mono text-xs font-medium text-amber-800 ring-1 ring-amber-200 ring-inset hover:bg-amber-100">
                          v{v}
                        </Link>
                      ))}
                    </span>
                  ) : (
                    <span className="text-xs text-slate-400">—</span>
                  )}
                </td>
                <td className="px-4 py-3 whitespace-nowrap">
                  {m.latestVersion > 0 ? (
                    <span className="flex items-center gap-2">
                      <VersionPill version={m.latestVersion} />
                      <span className="text-xs text-slate-500">{pluralize(m.versionCount, "version")}</span>
                    </span>
                  ) : (
                    <span className="text-xs text-slate-400">No versions</span>
                  )}
                </td>
                <td className="px-4 py-3">
                  {m.aliases.length > 0 ? (
                    <span className="flex max-w-[16rem] flex-wrap gap-1">
                      {m.aliases.map((a) => (
                        <span key={a.alias} className="inline-flex items-center gap-1" title={`@${a.alias} → v${a.version}`}>
                          <AliasChip alias={a.alias} />
                          <span className="font-mono text-[11px] text-slate-500">v{a.version}</span>
                        </span>
                      ))}
                    </span>
                  ) : (
                    <span className="text-xs text-slate-400">—</span>
                  )}
                </td>
                <td className="px-4 py-3 whitespace-nowrap text-slate-500">
                  <RelativeTime iso={m.updatedAt} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const REGISTER_YAML = `steps:
  train:
    run: python train.py --out \${{ outputs.model }}
    outputs:
      model:
        type: model
        register: { model: churn-classifier }`;

/** `onNew`: null when the role cannot create models. */
function NoModels({ project, onNew }: { project: string; onNew: (() => void) | null }) {
  const apiCall = `curl -X POST $TRELLIS_URL/api/v1/projects/${project}/models/churn-classifier/versions \\
  -H "authorization: Bearer $TRELLIS_TOKEN" -H 'content-type: application/json' \\
  -d '{"runId": "RUN_ID", "stepName": "train", "outputName": "model", "createModel": true}'`;
  return (
    <div className="flex flex-col items-center px-6 py-12 text-center" data-testid="models-empty">
      <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-indigo-50 text-2xl text-indigo-600">
        <ModelIcon />
      </div>
      <h3 className="text-base font-semibold text-slate-900">No registered models yet</h3>
      <p className="mt-2 max-w-lg text-sm text-slate-500">A model&apos;s versions are the model artifacts of runs. Register one in any of three ways:</p>
      <ol className="mt-5 grid w-full max-w-3xl gap-3 text-left text-sm sm:grid-cols-3">
        <li className="rounded-lg border border-slate-200 bg-slate-50/60 p-3">
          <p className="text-[11px] font-semibold tracking-wide text-indigo-600 uppercase">From the UI</p>
          <p className="mt-1 text-slate-600">
            Open a run&apos;s <span className="font-medium text-slate-800">Artifacts</span> tab (or an artifact of type model) and press{" "}
            <span className="font-medium text-slate-800">Register model</span>.
          </p>
          <Link href={projectPath(project, "runs")} className="mt-2 inline-block text-xs font-medium text-indigo-600 hover:underline">
            Go to runs →
          </Link>
        </li>
        <li className="rounded-lg border border-slate-200 bg-slate-50/60 p-3 sm:col-span-2">
          <p className="text-[11px] font-semibold tracking-wide text-indigo-600 uppercase">In the pipeline</p>
          <p className="mt-1 text-slate-600">
            Add <code className="font-mono text-[12px] text-slate-800">register</code> to a step&apos;s model output: every run registers a new version.
          </p>
          <pre className="mt-2 overflow-x-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-[11.5px] leading-relaxed text-slate-100">{REGISTER_YAML}</pre>
        </li>
        <li className="rounded-lg border border-slate-200 bg-slate-50/60 p-3 sm:col-span-3">
          <p className="text-[11px] font-semibold tracking-wide text-indigo-600 uppercase">With the API</p>
          <div className="mt-2">
            <CodeSnippet code={apiCall} />
          </div>
        </li>
      </ol>
      {onNew ? (
        <Button variant="primary" className="mt-5" onClick={onNew}>
          <PlusIcon /> New model
        </Button>
      ) : null}
    </div>
  );
}

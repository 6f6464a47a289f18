"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { ApiError } from "@/lib/api";
import { isActiveRunStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { guessDirection, missingRunIds, parseRunIds, valuesDiffer, withoutRun, type Direction } from "@/lib/compare";
import { runLabel } from "@/lib/format";
import { useCompare } from "@/lib/queries";
import { experimentPath, projectPath, runPath } from "@/lib/route-params";
import { runColor } from "@/lib/run-colors";
import { ParallelCoordinates } from "../charts/parallel-coordinates";
import { ScatterPlot } from "../charts/scatter-plot";
import { ExperimentsBreadcrumb, PageContainer, PageHeader } from "../page-header";
import { StatusDot } from "../status-badge";
import { Button } from "../ui/button";
import { Card, EmptyState, ErrorState, Skeleton, Spinner, useCopy } from "../ui/feedback";
import { CheckIcon, CompareIcon, LinkIcon, XIcon } from "../ui/icons";
import { MetricCharts } from "./metric-charts";
import { MetricsTable, type SummaryField } from "./metrics-table";
import { ParamsTable } from "./params-table";
import { Section, selectClass, type ComparedRun } from "./shared";
import { StepsGrid } from "./steps-grid";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_RUNS = 200;

const SECTIONS = [
  ["params", "Params"],
  ["metrics", "Metrics"],
  ["charts", "Charts"],
  ["parallel", "Parallel coordinates"],
  ["scatter", "Scatter"],
  ["steps", "Steps"],
] as const;

export function CompareView({ project }: { project: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const ids = useMemo(() => parseRunIds(searchParams.getAll("runs")), [searchParams]);
  const onlyDifferences = searchParams.get("diff") === "1";
  const onlyStepDifferences = searchParams.get("stepdiff") === "1";

  const setParam = (mutate: (sp: URLSearchParams) => void) => {
    const sp = new URLSearchParams(searchParams.toString());
    mutate(sp);
    // Keep the commas readable in the shared link.
    const qs = sp.toString().replace(/%2C/gi, ",");
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };
  const setIds = (next: string[]) =>
    setParam((sp) => {
      sp.delete("runs");
      if (next.length) sp.set("runs", next.join(","));
    });
  const setFlag = (name: string, on: boolean) => setParam((sp) => (on ? sp.set(name, "1") : sp.delete(name)));

  const invalid = ids.filter((id) => !UUID_RE.test(id));
  const queryIds = invalid.length === 0 && ids.length <= MAX_RUNS ? ids : [];
  const compare = useCompare(project, queryIds);

  if (ids.length === 0) {
    return (
      <PageContainer>
        <PageHeader breadcrumb={<ExperimentsBreadcrumb project={project} />} title="Compare runs" />
        <Card>
          <EmptyState icon={<CompareIcon />} title="No runs to compare">
            <p>Open an experiment, tick the runs you want to compare and press Compare.</p>
            <Link href={projectPath(project, "experiments")} className="mt-3 inline-block font-medium text-indigo-600 hover:underline">
              Go to experiments
            </Link>
          </EmptyState>
        </Card>
      </PageContainer>
    );
  }

  if (invalid.length > 0 || ids.length > MAX_RUNS) {
    return (
      <PageContainer>
        <PageHeader breadcrumb={<ExperimentsBreadcrumb project={project} />} title="Compare runs" />
        <Card>
          <ErrorState
            error={
              new Error(
                invalid.length > 0
                  ? `This link names ${invalid.length === 1 ? "a run id that is" : "run ids that are"} not valid: ${invalid.join(", ")}.`
                  : `At most ${MAX_RUNS} runs can be compared at once; this link names ${ids.length}.`,
              )
            }
            title="This comparison can't be shown"
          />
          <div className="-mt-6 pb-10 text-center">
            <Button onClick={() => setIds(invalid.length > 0 ? ids.filter((id) => UUID_RE.test(id)) : ids.slice(0, MAX_RUNS))}>
              {invalid.length > 0 ? "Remove the invalid ids" : `Compare the first ${MAX_RUNS}`}
            </Button>
          </div>
        </Card>
      </PageContainer>
    );
  }

  if (compare.error && !compare.data) {
    const missing = compare.error instanceof ApiError && compare.error.isNotFound ? missingRunIds(compare.error.message, ids) : [];
    return (
      <PageContainer>
        <PageHeader breadcrumb={<ExperimentsBreadcrumb project={project} />} title="Compare runs" />
        <Card>
          <ErrorState
            error={compare.error}
            title={missing.length ? `${missing.length === 1 ? "A run" : `${missing.length} runs`} of this comparison ${missing.length === 1 ? "does" : "do"} not exist` : undefined}
            onRetry={() => void compare.refetch()}
          />
          {missing.length > 0 && missing.length < ids.length ? (
            <div className="-mt-6 pb-10 text-center">
              <Button onClick={() => setIds(ids.filter((id) => !missing.includes(id)))}>
                Compare the other {ids.length - missing.length === 1 ? "run" : `${ids.length - missing.length} runs`}
              </Button>
            </div>
          ) : null}
        </Card>
      </PageContainer>
    );
  }

  if (!compare.data) return <CompareSkeleton project={project} count={ids.length} />;

  return (
    <CompareContent
      project={project}
      ids={ids}
      data={compare.data}
      fetching={compare.isFetching}
      onlyDifferences={onlyDifferences}
      onOnlyDifferences={(v) => setFlag("diff", v)}
      onlyStepDifferences={onlyStepDifferences}
      onOnlyStepDifferences={(v) => setFlag("stepdiff", v)}
      onRemove={(id) => setIds(withoutRun(ids, id))}
      onClear={() => setIds([])}
    />
  );
}

function CompareContent({
  project,
  ids,
  data,
  fetching,
  onlyDifferences,
  onOnlyDifferences,
  onlyStepDifferences,
  onOnlyStepDifferences,
  onRemove,
  onClear,
}: {
  project: string;
  ids: string[];
  data: NonNullable<ReturnType<typeof useCompare>["data"]>;
  fetching: boolean;
  onlyDifferences: boolean;
  onOnlyDifferences: (v: boolean) => void;
  onlyStepDifferences: boolean;
  onOnlyStepDifferences: (v: boolean) => void;
  onRemove: (id: string) => void;
  onClear: () => void;
}) {
  const router = useRouter();
  const [highlighted, setHighlighted] = useState<string | null>(null);
  const [directions, setDirections] = useState<Record<string, Direction>>({});
  const [field, setField] = useState<SummaryField>("last");
  const directionOf = (key: string) => directions[key] ?? guessDirection(key);

  // The answer may still be the previous selection's (a run was just removed): follow the URL.
  const items: ComparedRun[] = useMemo(() => {
    const byId = new Map(data.runs.map((r) => [r.id, r]));
    return ids.flatMap((id, i) => {
      const run = byId.get(id);
      return run ? [{ run, color: runColor(i), label: runLabel(run) }] : [];
    });
  }, [data, ids]);
  const runs = useMemo(() => items.map((i) => i.run), [items]);
  const paramKeys = useMemo(() => [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort(), [runs]);
  const metricKeys = useMemo(() => [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort(), [runs]);
  const live = runs.some((r) => isActiveRunStatus(r.status));

  const experiments = [...new Map(runs.map((r) => [r.experiment.id, r.experiment])).values()];
  const oneExperiment = experiments.length === 1 ? experiments[0]! : null;

  return (
    <PageContainer>
      <PageHeader
        breadcrumb={
          <>
            <ExperimentsBreadcrumb project={project} />
            {oneExperiment ? (
              <>
                <span className="mx-1.5 text-slate-300">/</span>
                <Link href={experimentPath(project, oneExperiment.id)} className="hover:text-slate-800">
                  {oneExperiment.name}
                </Link>
              </>
            ) : null}
          </>
        }
        title={
          <>
            Compare {items.length} run{items.length === 1 ? "" : "s"}
            {fetching ? <Spinner className="size-3.5 text-slate-300" /> : null}
            {live ? (
              <span className="inline-flex items-center gap-1.5 rounded-full bg-blue-50 px-2 py-0.5 text-xs font-medium text-blue-700 ring-1 ring-blue-200 ring-inset">
                <span className="size-1.5 animate-pulse rounded-full bg-blue-500" /> Live
              </span>
            ) : null}
          </>
        }
        description={
          experiments.length > 1
            ? `Runs from ${experiments.length} experiments: ${experiments.map((e) => e.name).join(", ")}.`
            : items.length === 1
              ? "Add at least one more run to compare: tick it in the experiment's runs table."
              : undefined
        }
        actions={
          <>
            <CopyLinkButton />
            {oneExperiment ? (
              <Link href={experimentPath(project, oneExperiment.id)} className="text-sm font-medium text-indigo-600 hover:underline">
                Back to the experiment
              </Link>
            ) : null}
          </>
        }
      />

      <RunsStrip items={items} project={project} onRemove={onRemove} onClear={onClear} highlighted={highlighted} onHighlight={setHighlighted} />

      <nav aria-label="Sections" className="sticky top-14 z-30 -mx-4 mb-4 border-b border-slate-200 bg-slate-50/90 px-4 py-2 backdrop-blur sm:-mx-6 sm:px-6">
        <ul className="flex flex-wrap gap-1 text-xs font-medium">
          {SECTIONS.map(([id, label]) => (
            <li key={id}>
              <a href={`#${id}`} className="rounded-md px-2 py-1 text-slate-600 hover:bg-slate-200/60 hover:text-slate-900">
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>

      <div className="space-y-5">
        <ParamsTable
          project={project}
          items={items}
          paramKeys={paramKeys}
          onlyDifferences={onlyDifferences}
          onOnlyDifferences={onOnlyDifferences}
          onRemove={onRemove}
          highlighted={highlighted}
          onHighlight={setHighlighted}
        />
        <MetricsTable
          project={project}
          items={items}
          metricKeys={metricKeys}
          directionOf={directionOf}
          onDirection={(key, d) => setDirections((prev) => ({ ...prev, [key]: d }))}
          field={field}
          onField={setField}
          onRemove={onRemove}
          highlighted={highlighted}
          onHighlight={setHighlighted}
        />
        <MetricCharts
          project={project}
          items={items}
          metricKeys={metricKeys}
          directionOf={directionOf}
          live={live}
          highlighted={highlighted}
          onHighlight={setHighlighted}
        />
        <div className="grid grid-cols-1 gap-5 xl:grid-cols-2">
          <ParallelSection items={items} paramKeys={paramKeys} metricKeys={metricKeys} field={field} highlighted={highlighted} onHighlight={setHighlighted} />
          <ScatterSection
            items={items}
            paramKeys={paramKeys}
            metricKeys={metricKeys}
            field={field}
            highlighted={highlighted}
            onHighlight={setHighlighted}
            onOpen={(id) => router.push(runPath(project, id))}
          />
        </div>
        <StepsGrid
          project={project}
          items={items}
          onlyDifferences={onlyStepDifferences}
          onOnlyDifferences={onOnlyStepDifferences}
          onRemove={onRemove}
          highlighted={highlighted}
          onHighlight={setHighlighted}
        />
      </div>
    </PageContainer>
  );
}

function CopyLinkButton() {
  const { copied, copy } = useCopy();
  return (
    <Button
      size="sm"
      onClick={() => copy(window.location.href)}
      title="Copy a link to this comparison"
    >
      {copied ? <CheckIcon className="text-emerald-600" /> : <LinkIcon />}
      {copied ? "Copied" : "Copy link"}
    </Button>
  );
}

function RunsStrip({
  items,
  project,
  onRemove,
  onClear,
  highlighted,
  onHighlight,
}: {
  items: ComparedRun[];
  project: string;
  onRemove: (id: string) => void;
  onClear: () => void;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
}) {
  return (
    <div className="mb-4 flex items-start gap-3">
      <ul className="flex max-h-28 min-w-0 flex-1 flex-wrap gap-1.5 overflow-y-auto" aria-label="Runs in this comparison" data-testid="compared-runs">
        {items.map((item) => (
          <li
            key={item.run.id}
            data-run-id={item.run.id}
            onMouseEnter={() => onHighlight(item.run.id)}
            onMouseLeave={() => onHighlight(null)}
            className={cn(
              "inline-flex max-w-[16rem] items-center gap-1.5 rounded-full bg-white py-0.5 pr-1 pl-2 text-xs ring-1 ring-slate-200 ring-inset",
              highlighted === item.run.id && "ring-2 ring-indigo-300",
            )}
          >
            <span className="size-2.5 shrink-0 rounded-full" style={{ backgroundColor: item.color }} aria-hidden="true" />
            <Link href={runPath(project, item.run.id)} className={cn("truncate font-medium text-slate-700 hover:text-indigo-600", !item.run.name && "font-mono")}>
              {item.label}
            </Link>
            <StatusDot status={item.run.status} />
            <button
              type="button"
              onClick={() => onRemove(item.run.id)}
              className="rounded-full p-0.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
              aria-label={`Remove ${item.label} from the comparison`}
            >
              <XIcon />
            </button>
          </li>
        ))}
      </ul>
      {items.length > 2 ? (
        <button type="button" onClick={onClear} className="shrink-0 pt-0.5 text-xs font-medium text-slate-500 hover:text-slate-800">
          Remove all
        </button>
      ) : null}
    </div>
  );
}

function ParallelSection({
  items,
  paramKeys,
  metricKeys,
  field,
  highlighted,
  onHighlight,
}: {
  items: ComparedRun[];
  paramKeys: string[];
  metricKeys: string[];
  field: SummaryField;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
}) {
  const [chosen, setChosen] = useState<string | null>(null);
  const metric = chosen && metricKeys.includes(chosen) ? chosen : (metricKeys[0] ?? null);
  const runs = useMemo(
    () => items.map((i) => ({ id: i.run.id, label: i.label, params: i.run.params, metric: metric ? (i.run.metrics[metric]?.[field] ?? null) : null })),
    [items, metric, field],
  );
  return (
    <Section
      id="parallel"
      title="Parallel coordinates"
      description={`Params that vary, against the ${field} value of a metric.`}
      actions={
        metricKeys.length > 0 ? (
          <label className="flex items-center gap-2 text-xs text-slate-500">
            Metric
            <select className={selectClass} value={metric ?? ""} onChange={(e) => setChosen(e.target.value)} aria-label="Metric of the parallel coordinates">
              {metricKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
        ) : null
      }
    >
      <div className="p-4">
        {metric ? (
          <ParallelCoordinates runs={runs} paramKeys={paramKeys} metricKey={metric} highlighted={highlighted} onHighlight={onHighlight} />
        ) : (
          <p className="py-6 text-center text-sm text-slate-500">These runs have logged no metrics.</p>
        )}
      </div>
    </Section>
  );
}

function ScatterSection({
  items,
  paramKeys,
  metricKeys,
  field,
  highlighted,
  onHighlight,
  onOpen,
}: {
  items: ComparedRun[];
  paramKeys: string[];
  metricKeys: string[];
  field: SummaryField;
  highlighted: string | null;
  onHighlight: (id: string | null) => void;
  onOpen: (id: string) => void;
}) {
  const [x, setX] = useState<string | null>(null);
  const [y, setY] = useState<string | null>(null);
  // Default x: the first param that varies between the runs (a constant one plots a single column).
  const varying = useMemo(() => paramKeys.find((k) => valuesDiffer(items.map((i) => i.run.params[k]))), [paramKeys, items]);
  const xKey = x && paramKeys.includes(x) ? x : (varying ?? paramKeys[0] ?? null);
  const yKey = y && metricKeys.includes(y) ? y : (metricKeys[0] ?? null);
  const points = useMemo(
    () =>
      items.map((i) => ({
        id: i.run.id,
        label: i.label,
        color: i.color,
        x: xKey ? i.run.params[xKey] : undefined,
        y: yKey ? (i.run.metrics[yKey]?.[field] ?? null) : null,
      })),
    [items, xKey, yKey, field],
  );
  return (
    <Section
      id="scatter"
      title="Scatter"
      description={`One point per run, in its colour; the ${field} value of the metric.`}
      actions={
        <>
          <label className="flex items-center gap-1.5 text-xs text-slate-500">
            X
            <select className={selectClass} value={xKey ?? ""} onChange={(e) => setX(e.target.value)} aria-label="Param on the x axis" disabled={!paramKeys.length}>
              {paramKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-1.5 text-xs text-slate-500">
            Y
            <select className={selectClass} value={yKey ?? ""} onChange={(e) => setY(e.target.value)} aria-label="Metric on the y axis" disabled={!metricKeys.length}>
              {metricKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
        </>
      }
    >
      <div className="p-4">
        {xKey && yKey ? (
          <ScatterPlot points={points} xLabel={xKey} yLabel={yKey} highlighted={highlighted} onHighlight={onHighlight} onOpen={onOpen} />
        ) : (
          <p className="py-6 text-center text-sm text-slate-500">
            {!xKey ? "These runs have no params." : "These runs have logged no metrics."}
          </p>
        )}
      </div>
    </Section>
  );
}

function CompareSkeleton({ project, count }: { project: string; count: number }) {
  return (
    <PageContainer>
      <PageHeader
        breadcrumb={<ExperimentsBreadcrumb project={project} />}
        title={
          <>
            Compare {count} run{count === 1 ? "" : "s"} <Spinner className="size-3.5 text-slate-300" />
          </>
        }
      />
      <div className="space-y-5" aria-busy="true" aria-label="Loading the comparison">
        {[0, 1, 2].map((i) => (
          <Card key={i} className="p-4">
            <Skeleton className="mb-4 h-4 w-32" />
            <Skeleton className="h-40 w-full" />
          </Card>
        ))}
      </div>
    </PageContainer>
  );
}

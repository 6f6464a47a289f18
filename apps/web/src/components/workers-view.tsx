"use client";

import type { ReactNode } from "react";
import type { Worker } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatCores, formatCoresLabel, formatDateTime, formatMemory, formatRelative, pluralize } from "@/lib/format";
import { useWorkers } from "@/lib/queries";
import { useNow } from "@/lib/use-now";
import { PageContainer, PageHeader } from "./page-header";
import { RelativeTime } from "./time";
import { Card, CodeSnippet, CopyButton, EmptyState, ErrorState, Skeleton, Spinner } from "./ui/feedback";
import { ChipIcon, ContainerIcon, ServerIcon } from "./ui/icons";
import { Meter, usageTone } from "./ui/meter";

/** A worker heartbeats every second; one silent this long is shown as lagging (it is dropped after its lease). */
const STALE_MS = 10_000;

export function WorkersView() {
  const { data, error, isPending, isFetching, refetch } = useWorkers();
  const workers = data?.items ?? [];

  return (
    <PageContainer>
      <PageHeader
        title={
          <>
            Workers
            {isFetching && !isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description="Live workers: what each one offers, and how much of it the steps running there requested. A step only goes to a worker with room for its requests. Updates every 2 seconds."
      />
      {isPending ? (
        <WorkersSkeleton />
      ) : error && !data ? (
        <Card>
          <ErrorState error={error} onRetry={() => void refetch()} />
        </Card>
      ) : workers.length === 0 ? (
        <Card>
          <EmptyState icon={<ServerIcon />} title="No worker is running">
            <p>
              Steps stay queued until a worker takes them. <code className="font-mono text-slate-700">npm start</code> starts the API, a worker and this UI:
            </p>
            <div className="mt-4 space-y-2">
              <CodeSnippet code="npm start" />
            </div>
            <p className="mt-4">
              To add a worker (on this machine or another one that reaches the same Postgres and Redis), after{" "}
              <code className="font-mono text-slate-700">npm run build</code>:
            </p>
            <div className="mt-2">
              <CodeSnippet code="node apps/worker/dist/main.js" />
            </div>
            <p className="mt-3 text-xs text-slate-400">
              It offers the host&apos;s CPUs, memory and GPUs unless TRELLIS_WORKER_CPUS, TRELLIS_WORKER_MEMORY or TRELLIS_WORKER_GPUS say otherwise, and runs
              container steps when Docker or Podman answers.
            </p>
          </EmptyState>
        </Card>
      ) : (
        <>
          {error ? (
            <div className="mb-3 rounded-lg border border-amber-200 bg-amber-50 px-3 py-1.5 text-xs text-amber-800" role="status">
              Live updates paused: {error.message} Retrying…
            </div>
          ) : null}
          <Totals workers={workers} />
          <div className="grid gap-4 lg:grid-cols-2" data-testid="workers">
            {workers.map((w) => (
              <WorkerCard key={w.id} worker={w} />
            ))}
          </div>
        </>
      )}
    </PageContainer>
  );
}

function Totals({ workers }: { workers: Worker[] }) {
  const slots = workers.reduce((n, w) => n + w.concurrency, 0);
  const running = workers.reduce((n, w) => n + w.running, 0);
  const gpus = workers.reduce((n, w) => n + w.capacity.gpus.length, 0);
  const gpusInUse = workers.reduce((n, w) => n + w.gpusInUse.length, 0);
  const items = [
    pluralize(workers.length, "worker"),
    `${running} of ${pluralize(slots, "slot")} busy`,
    ...(gpus > 0 ? [`${gpusInUse} of ${pluralize(gpus, "GPU")} in use`] : []),
  ];
  return (
    <p className="mb-3 text-sm text-slate-500" data-testid="workers-totals">
      {items.join(" · ")}
    </p>
  );
}

function LastSeen({ iso }: { iso: string }) {
  const now = useNow(1000);
  const age = now - Date.parse(iso);
  const stale = age > STALE_MS;
  return (
    <span className={cn("flex items-center gap-1.5 text-xs", stale ? "text-amber-700" : "text-slate-500")} title={`Last heartbeat ${formatDateTime(iso)}`}>
      <span className={cn("relative flex size-2")}>
        {stale ? null : <span className="absolute inline-flex size-full animate-ping rounded-full bg-emerald-400 opacity-60" />}
        <span className={cn("relative inline-flex size-2 rounded-full", stale ? "bg-amber-500" : "bg-emerald-500")} />
      </span>
      {stale ? "no heartbeat" : "live"} · seen {formatRelative(iso, now)}
    </span>
  );
}

function Row({ label, children, detail }: { label: string; children: ReactNode; detail: ReactNode }) {
  return (
    <div className="grid grid-cols-[4.5rem_minmax(0,1fr)_auto] items-center gap-x-3">
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className="min-w-0">{children}</dd>
      <dd className="text-right text-xs whitespace-nowrap text-slate-600 tabular-nums">{detail}</dd>
    </div>
  );
}

/** One box per slot up to 32 (running ones filled), else a bar. */
function Slots({ running, concurrency }: { running: number; concurrency: number }) {
  if (concurrency > 32) {
    return <Meter fraction={concurrency ? running / concurrency : 0} tone={usageTone(concurrency ? running / concurrency : 0, "indigo")} label="Busy step slots" />;
  }
  return (
    <div className="flex flex-wrap gap-1" role="img" aria-label={`${running} of ${concurrency} step slots busy`}>
      {Array.from({ length: concurrency }, (_, i) => (
        <span key={i} className={cn("h-2.5 w-3 rounded-[3px]", i < running ? "bg-indigo-500" : "bg-slate-100 ring-1 ring-slate-200 ring-inset")} />
      ))}
    </div>
  );
}

function WorkerCard({ worker: w }: { worker: Worker }) {
  const cpuShare = w.capacity.cpu > 0 ? w.inUse.cpu / w.capacity.cpu : 0;
  const memShare = w.capacity.memoryBytes > 0 ? w.inUse.memoryBytes / w.capacity.memoryBytes : 0;
  const inUse = new Set(w.gpusInUse);
  return (
    <Card className="overflow-hidden">
      <article data-testid="worker-card" data-worker-id={w.id} aria-label={`Worker ${w.hostname}`}>
        <header className="flex flex-wrap items-start justify-between gap-x-4 gap-y-1 border-b border-slate-100 px-4 py-3">
          <div className="min-w-0">
            <h2 className="flex items-center gap-2 text-[15px] font-semibold text-slate-900">
              <ServerIcon className="shrink-0 text-slate-400" />
              <span className="truncate" data-testid="worker-hostname">
                {w.hostname}
              </span>
            </h2>
            <p className="mt-0.5 flex flex-wrap items-center gap-x-2 text-xs text-slate-500">
              <span className="inline-flex items-center font-mono" title={w.id}>
                {w.id}
                <CopyButton text={w.id} label="Copy worker id" iconOnly className="ml-0.5 px-1 py-0.5" />
              </span>
              <span>pid {w.pid}</span>
              <span>
                started <RelativeTime iso={w.startedAt} />
              </span>
            </p>
          </div>
          <LastSeen iso={w.lastSeenAt} />
        </header>

        <dl className="space-y-3 px-4 py-3.5">
          <Row label="Executors" detail={null}>
            <div className="flex flex-wrap gap-1" data-testid="worker-executors">
              {w.capacity.executors.map((e) => (
                <span
                  key={e}
                  className={cn(
                    "inline-flex items-center gap-1 rounded-md px-1.5 py-0.5 text-[11px] font-medium ring-1 ring-inset",
                    e === "container" ? "bg-indigo-50 text-indigo-700 ring-indigo-200" : "bg-slate-50 text-slate-600 ring-slate-200",
                  )}
                >
                  {e === "container" ? <ContainerIcon className="text-[11px]" /> : <ServerIcon className="text-[11px]" />}
                  {e}
                </span>
              ))}
            </div>
          </Row>
          <Row
            label="Slots"
            detail={
              <span data-testid="worker-slots">
                {w.running} / {w.concurrency} running
              </span>
            }
          >
            <Slots running={w.running} concurrency={w.concurrency} />
          </Row>
          <Row
            label="CPU"
            detail={
              <span data-testid="worker-cpu">
                {formatCores(w.inUse.cpu)} / {formatCoresLabel(w.capacity.cpu)}
              </span>
            }
          >
            <Meter fraction={cpuShare} tone={usageTone(cpuShare, "emerald")} label={`CPU requested by running steps: ${formatCores(w.inUse.cpu)} of ${formatCores(w.capacity.cpu)} cores`} />
          </Row>
          <Row
            label="Memory"
            detail={
              <span data-testid="worker-memory">
                {formatMemory(w.inUse.memoryBytes)} / {formatMemory(w.capacity.memoryBytes)}
              </span>
            }
          >
            <Meter
              fraction={memShare}
              tone={usageTone(memShare, "indigo")}
              label={`Memory requested by running steps: ${formatMemory(w.inUse.memoryBytes)} of ${formatMemory(w.capacity.memoryBytes)}`}
            />
          </Row>
          <Row
            label="GPUs"
            detail={w.capacity.gpus.length > 0 ? `${w.gpusInUse.length} / ${w.capacity.gpus.length} in use` : null}
          >
            {w.capacity.gpus.length === 0 ? (
              <span className="text-xs text-slate-400">none</span>
            ) : (
              <div className="flex flex-wrap gap-1" data-testid="worker-gpus">
                {w.capacity.gpus.map((g) => {
                  const busy = inUse.has(g);
                  return (
                    <span
                      key={g}
                      className={cn(
                        "inline-flex items-center gap-1 rounded-md px-1.5 py-0.5 font-mono text-[11px] font-medium ring-1 ring-inset",
                        busy ? "bg-indigo-600 text-white ring-indigo-600" : "bg-white text-slate-600 ring-slate-300",
                      )}
                      title={`GPU ${g}: ${busy ? "in use" : "free"}`}
                      data-testid="worker-gpu"
                      data-in-use={busy}
                    >
                      <ChipIcon className="text-[11px]" />
                      {g}
                    </span>
                  );
                })}
              </div>
            )}
          </Row>
        </dl>
      </article>
    </Card>
  );
}

function WorkersSkeleton() {
  return (
    <div className="grid gap-4 lg:grid-cols-2" aria-busy="true" aria-label="Loading workers">
      {[0, 1].map((i) => (
        <Card key={i} className="space-y-4 p-4">
          <Skeleton className="h-5 w-40" />
          <Skeleton className="h-3 w-64" />
          {[0, 1, 2, 3].map((j) => (
            <Skeleton key={j} className="h-2.5 w-full" />
          ))}
        </Card>
      ))}
    </div>
  );
}

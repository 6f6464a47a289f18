"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useMemo, useState } from "react";
import type { EnvironmentInfo, PythonEnvironment, Step, StepAttempt } from "@/lib/api-types";
import { isActiveStepStatus } from "@/lib/api-types";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatCores, formatCoresLabel, formatDuration, formatMemory, formatMemoryRequest, pluralize, shortDigest } from "@/lib/format";
import { useStepEnvironment } from "@/lib/queries";
import { describeSuggestion, hasRequests, hasSuggestion, hasUsage, resourcesYaml, usageFraction } from "@/lib/resources";
import { CollapsibleSection, Section } from "./panel-section";
import { CopyButton, ErrorMessage, Spinner } from "./ui/feedback";
import { ChipIcon, ClockIcon, ContainerIcon, SearchIcon, ServerIcon } from "./ui/icons";
import { Meter, usageTone } from "./ui/meter";

/** A queued step that no worker takes yet, and why (amber: it needs the user's attention, not an error). */
export function WaitingNotice({ reason }: { reason: string }) {
  return (
    <div
      className="mx-5 mb-4 flex gap-2 rounded-lg border border-amber-200 bg-amber-50 px-3.5 py-2.5 text-sm text-amber-900"
      role="status"
      data-testid="step-waiting"
    >
      <ClockIcon className="mt-0.5 shrink-0 text-amber-500" />
      <div className="min-w-0">
        <p className="font-medium">Not starting yet</p>
        <p className="mt-0.5 break-words" data-testid="step-waiting-reason">
          {reason.charAt(0).toUpperCase() + reason.slice(1)}.
        </p>
        <Link href="/workers" className="mt-1 inline-block text-xs font-medium text-amber-800 underline-offset-2 hover:underline">
          See the workers →
        </Link>
      </div>
    </div>
  );
}

/** Where the step runs: a container (image, copyable) or a process on the worker's host. */
function Executor({ executor, image }: { executor: Step["executor"]; image: string | null }) {
  const container = executor === "container";
  return (
    <div
      className="flex min-w-0 items-center gap-2 rounded-lg border border-slate-200 bg-slate-50/70 py-1.5 pr-1.5 pl-3 text-sm"
      data-testid="step-executor"
      data-executor={executor}
    >
      {container ? <ContainerIcon className="shrink-0 text-indigo-500" /> : <ServerIcon className="shrink-0 text-slate-400" />}
      <span className="shrink-0 font-medium text-slate-800">{container ? "Container" : "Shared"}</span>
      {container ? (
        image ? (
          <>
            <code className="min-w-0 truncate font-mono text-[13px] text-slate-700" title={image} data-testid="step-image">
              {image}
            </code>
            <CopyButton text={image} label="Copy image" iconOnly className="ml-auto shrink-0" />
          </>
        ) : null
      ) : (
        <span className="truncate text-xs text-slate-500">a process on the worker&apos;s host</span>
      )}
    </div>
  );
}

function ResourceRow({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[4.25rem_minmax(0,1fr)] items-start gap-x-3" data-testid={testId}>
      <dt className="pt-px text-xs font-medium text-slate-500">{label}</dt>
      <dd className="min-w-0 text-sm text-slate-800">{children}</dd>
    </div>
  );
}

const Value = ({ children, testId, className }: { children: ReactNode; testId?: string; className?: string }) => (
  <span className={cn("font-semibold text-slate-900 tabular-nums", className)} data-testid={testId}>
    {children}
  </span>
);

/**
 * Requested vs observed resources of the attempt the panel shows (before the first attempt:
 * the step's request), the GPU devices it got, and the suggested request.
 */
export function StepResources({ step, attempt }: { step: Step; attempt: StepAttempt | null }) {
  // An attempt records its own placement (null: no requests); before one exists, the step's is the next attempt's.
  const placement = attempt ? attempt.placement : step.placement;
  const requested = hasRequests(placement) ? placement : null;
  const usage = hasUsage(attempt?.usage) ? attempt!.usage! : null;
  const gpuDevices = attempt?.gpuDevices ?? [];
  const oom = !!attempt?.oomKilled;
  const active = !attempt || isActiveStepStatus(attempt.status);

  const memRequest = requested?.memoryBytes ?? null;
  const memPeak = usage?.peakMemoryBytes ?? null;
  const memShare = usageFraction(memPeak, memRequest);
  const cpuRequest = requested?.cpu ?? null;
  const cpuPeak = usage?.peakCpu ?? null;
  const cpuShare = usageFraction(cpuPeak, cpuRequest);
  const gpuRequest = requested?.gpu ?? 0;
  const suggestion = hasSuggestion(step.suggestion) ? step.suggestion : null;
  const yaml = suggestion ? resourcesYaml(suggestion, step.placement?.gpu ?? 0) : null;

  const noUsageText = !attempt
    ? isActiveStepStatus(step.status)
      ? "Not started yet: peaks are recorded when an attempt ends."
      : "It never ran: nothing was observed."
    : active
      ? "Peaks are recorded when the attempt ends."
      : "No usage sampled: the attempt ended before the first sample.";

  return (
    <Section
      title="Resources"
      testId="step-resources"
      actions={attempt && step.attempts.length > 1 ? <span className="text-[11px] text-slate-400">attempt {attempt.attempt}</span> : null}
    >
      <Executor executor={placement?.executor ?? step.executor} image={step.image} />

      <dl className="mt-3 space-y-3">
        {!requested ? (
          <p className="text-xs text-slate-500" data-testid="step-no-requests">
            <span className="font-medium text-slate-700">No requests</span>: any worker with a free slot runs it, with no limits.
          </p>
        ) : null}

        {memRequest !== null || memPeak !== null ? (
          <ResourceRow label="Memory" testId="resource-memory">
            <div className="flex flex-wrap items-baseline justify-between gap-x-3">
              <span>
                {memPeak !== null ? (
                  <>
                    <Value testId="resource-memory-peak" className={oom ? "text-red-700" : undefined}>
                      {formatMemory(memPeak)}
                    </Value>{" "}
                    <span className="text-xs text-slate-500">peak</span>
                  </>
                ) : (
                  <span className="text-xs text-slate-400">{usage ? "no peak recorded" : "—"}</span>
                )}
              </span>
              <span className="text-xs text-slate-500">
                {memRequest !== null ? (
                  <>
                    of <Value testId="resource-memory-request">{formatMemoryRequest(memRequest)}</Value> requested
                    {memShare !== null ? <span className="ml-1 text-slate-400 tabular-nums">· {Math.round(memShare * 100)}%</span> : null}
                  </>
                ) : (
                  "no request"
                )}
              </span>
            </div>
            {memShare !== null ? (
              <Meter
                className="mt-1.5"
                fraction={memShare}
                tone={oom ? "red" : usageTone(memShare, "indigo")}
                label={`Peak memory ${formatMemory(memPeak)} of ${formatMemoryRequest(memRequest)} requested`}
                testId="resource-memory-bar"
              />
            ) : null}
            {oom ? (
              <p className="mt-1 text-xs font-medium text-red-700" data-testid="resource-oom">
                Killed for memory: it reached its {formatMemoryRequest(memRequest)} limit.
              </p>
            ) : null}
          </ResourceRow>
        ) : null}

        {cpuRequest !== null || cpuPeak !== null || usage?.cpuSeconds != null ? (
          <ResourceRow label="CPU" testId="resource-cpu">
            <div className="flex flex-wrap items-baseline justify-between gap-x-3">
              <span>
                {cpuPeak !== null ? (
                  <>
                    <Value testId="resource-cpu-peak">{formatCores(cpuPeak)}</Value>{" "}
                    <span className="text-xs text-slate-500">{cpuPeak === 1 ? "core" : "cores"} peak</span>
                  </>
                ) : (
                  <span className="text-xs text-slate-400">{usage ? "no peak recorded" : "—"}</span>
                )}
                {usage?.cpuSeconds != null ? (
                  <span className="ml-1 text-xs text-slate-500" title="CPU time: user + system, summed over cores">
                    · <Value testId="resource-cpu-time">{formatDuration(usage.cpuSeconds * 1000)}</Value> CPU time
                  </span>
                ) : null}
              </span>
              <span className="text-xs text-slate-500">
                {cpuRequest !== null ? (
                  <>
                    of <Value testId="resource-cpu-request">{formatCoresLabel(cpuRequest)}</Value> requested
                  </>
                ) : (
                  "no request"
                )}
              </span>
            </div>
            {cpuShare !== null ? (
              <Meter
                className="mt-1.5"
                fraction={cpuShare}
                tone="emerald"
                label={`Peak CPU ${formatCoresLabel(cpuPeak)} of ${formatCoresLabel(cpuRequest)} requested`}
                testId="resource-cpu-bar"
              />
            ) : null}
          </ResourceRow>
        ) : null}

        {gpuRequest > 0 || gpuDevices.length > 0 ? (
          <ResourceRow label="GPU" testId="resource-gpu">
            <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
              <span className="text-xs text-slate-500">
                <Value>{gpuRequest}</Value> requested
              </span>
              {gpuDevices.length > 0 ? (
                <span className="flex flex-wrap items-center gap-1" data-testid="resource-gpu-devices">
                  {gpuDevices.map((d) => (
                    <span
                      key={d}
                      className="inline-flex items-center gap-1 rounded-md bg-indigo-50 px-1.5 py-0.5 font-mono text-[11px] font-medium text-indigo-700 ring-1 ring-indigo-200 ring-inset"
                      title={`GPU device ${d} (CUDA_VISIBLE_DEVICES)`}
                      data-testid="gpu-device"
                    >
                      <ChipIcon className="text-[11px]" />
                      {d}
                    </span>
                  ))}
                </span>
              ) : (
                <span className="text-xs text-slate-400">{attempt ? "no device assigned" : "assigned when it starts"}</span>
              )}
            </div>
          </ResourceRow>
        ) : null}

        {!usage ? (
          <p className="text-xs text-slate-500" data-testid="step-no-usage">
            {noUsageText}
          </p>
        ) : null}
      </dl>

      {suggestion && yaml ? (
        <div
          className="mt-3 flex items-center justify-between gap-2 rounded-lg border border-indigo-100 bg-indigo-50/60 py-1.5 pr-1.5 pl-3 text-xs text-indigo-950"
          data-testid="resource-suggestion"
        >
          <p className="min-w-0" title="20% headroom over the highest peaks of this step's recent successful executions in this pipeline">
            <span className="font-semibold">Suggested:</span> <span className="font-mono">{describeSuggestion(suggestion)}</span>{" "}
            <span className="text-indigo-900/60">— from {pluralize(suggestion.basedOn, "recent run")}</span>
          </p>
          <CopyButton text={yaml} label="Copy YAML" className="shrink-0 text-indigo-700 hover:bg-indigo-100 hover:text-indigo-900" />
        </div>
      ) : null}
    </Section>
  );
}

function EnvRow({ label, children, copy }: { label: string; children: ReactNode; copy?: string }) {
  return (
    <div className="grid grid-cols-[5.5rem_minmax(0,1fr)] items-start gap-x-3 py-1.5">
      <dt className="pt-0.5 text-xs font-medium text-slate-500">{label}</dt>
      <dd className="flex min-w-0 items-start gap-1 text-sm text-slate-800">
        <div className="min-w-0 flex-1 break-words">{children}</div>
        {copy ? <CopyButton text={copy} label={`Copy ${label.toLowerCase()}`} iconOnly className="-my-1 shrink-0" /> : null}
      </dd>
    </div>
  );
}

function PackagesTable({ packages }: { packages: Record<string, string> }) {
  const [filter, setFilter] = useState("");
  const all = useMemo(() => Object.entries(packages).sort(([a], [b]) => a.localeCompare(b, "en", { sensitivity: "base" })), [packages]);
  const needle = filter.trim().toLowerCase();
  const shown = needle ? all.filter(([name, version]) => name.toLowerCase().includes(needle) || version.toLowerCase().includes(needle)) : all;

  if (all.length === 0) return <p className="text-xs text-slate-500">No packages installed beyond the standard library.</p>;
  return (
    <div data-testid="env-packages">
      <div className="flex items-center justify-between gap-3">
        <label className="relative min-w-0 flex-1">
          <span className="sr-only">Filter packages</span>
          <SearchIcon className="pointer-events-none absolute top-1/2 left-2 -translate-y-1/2 text-xs text-slate-400" />
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="Filter packages"
            className="h-7 w-full rounded-md border border-slate-300 bg-white pr-2 pl-6 text-xs placeholder:text-slate-400 focus:border-indigo-400 focus:ring-2 focus:ring-indigo-100 focus:outline-none"
          />
        </label>
        <span className="shrink-0 text-xs text-slate-500 tabular-nums" data-testid="env-package-count">
          {needle ? `${shown.length} of ${pluralize(all.length, "package")}` : pluralize(all.length, "package")}
        </span>
      </div>
      <div className="mt-2 max-h-64 overflow-auto rounded-lg border border-slate-200">
        <table className="w-full text-left text-xs">
          <thead className="sticky top-0 bg-slate-50 text-[11px] text-slate-500">
            <tr>
              <th className="px-3 py-1.5 font-medium">Package</th>
              <th className="px-3 py-1.5 font-medium">Version</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 font-mono">
            {shown.map(([name, version]) => (
              <tr key={name}>
                <td className="px-3 py-1 break-all text-slate-800">{name}</td>
                <td className="px-3 py-1 break-all text-slate-600">{version}</td>
              </tr>
            ))}
            {shown.length === 0 ? (
              <tr>
                <td colSpan={2} className="px-3 py-3 text-center font-sans text-slate-400">
                  No package matches “{filter.trim()}”.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function PythonDetails({ python }: { python: PythonEnvironment | null }) {
  if (!python) {
    return (
      <p className="mt-2 text-xs text-slate-500" data-testid="env-python">
        No Python interpreter was found.
      </p>
    );
  }
  return (
    <>
      <EnvRow label="Python">
        <span data-testid="env-python">
          <span className="font-semibold">{python.version}</span> <span className="text-xs text-slate-500">{python.implementation}</span>
        </span>
      </EnvRow>
      <EnvRow label="Executable" copy={python.executable}>
        <code className="font-mono text-xs">{python.executable}</code>
      </EnvRow>
      <div className="mt-2">
        <PackagesTable packages={python.packages} />
      </div>
    </>
  );
}

function EnvironmentDetails({ environment }: { environment: EnvironmentInfo }) {
  return (
    <dl className="divide-y divide-slate-100" data-testid="env-details" data-executor={environment.executor}>
      {environment.executor === "container" ? (
        <>
          <EnvRow label="Image" copy={environment.image}>
            <code className="font-mono text-xs">{environment.image}</code>
          </EnvRow>
          <EnvRow label="Image id" copy={environment.imageId}>
            <code className="font-mono text-xs" title={environment.imageId} data-testid="env-image-id">
              sha256:{shortDigest(environment.imageId)}
            </code>
          </EnvRow>
          <EnvRow label="Repo digests">
            {environment.repoDigests.length === 0 ? (
              <span className="text-xs text-slate-400">none (a local image, never pushed or pulled)</span>
            ) : (
              <ul className="space-y-1">
                {environment.repoDigests.map((d) => (
                  <li key={d} className="flex items-start gap-1">
                    <code className="min-w-0 flex-1 font-mono text-xs break-all">{d}</code>
                    <CopyButton text={d} label="Copy repo digest" iconOnly className="-my-1 shrink-0" />
                  </li>
                ))}
              </ul>
            )}
          </EnvRow>
        </>
      ) : (
        <>
          <EnvRow label="Host">
            <span className="font-mono text-xs">{environment.hostname}</span>
          </EnvRow>
          <EnvRow label="OS">
            <span className="text-xs">
              {environment.os} <span className="text-slate-500">· {environment.arch}</span>
            </span>
          </EnvRow>
        </>
      )}
      <div className="pt-1">
        <PythonDetails python={environment.python} />
      </div>
    </dl>
  );
}

/**
 * What the shown attempt ran in: the container image, or the host and its Python. Collapsed by
 * default; fetched when opened, and only for an attempt that recorded one (no 404 on purpose).
 */
export function StepEnvironmentSection({
  project,
  runId,
  step,
  attempt,
}: {
  project: string;
  runId: string;
  step: Step;
  attempt: StepAttempt | null;
}) {
  const [open, setOpen] = useState(false);
  const digest = attempt?.environmentDigest ?? null;
  const env = useStepEnvironment(project, runId, step.name, attempt?.attempt ?? 0, digest, open && digest !== null);
  const notRecorded = env.error instanceof ApiError && env.error.isNotFound;

  return (
    <CollapsibleSection
      title="Environment"
      open={open}
      onToggle={() => setOpen((o) => !o)}
      testId="step-environment"
      summary={
        digest ? (
          <span className="font-mono text-[11px] text-slate-400" title={`Environment digest ${digest}`}>
            {shortDigest(digest)}
          </span>
        ) : null
      }
    >
      {!attempt ? (
        <p className="text-sm text-slate-500">Recorded when the step runs.</p>
      ) : digest === null ? (
        <p className="text-sm text-slate-500">
          {isActiveStepStatus(attempt.status) ? "Recorded when the attempt ends." : "Not recorded for this attempt."}
        </p>
      ) : env.isPending ? (
        <p className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-3.5 text-slate-400" /> Loading the environment…
        </p>
      ) : notRecorded ? (
        <p className="text-sm text-slate-500">Not recorded for this attempt.</p>
      ) : env.error ? (
        <ErrorMessage error={env.error} />
      ) : env.data ? (
        <EnvironmentDetails environment={env.data.environment} />
      ) : null}
    </CollapsibleSection>
  );
}

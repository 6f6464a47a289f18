"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type ComponentType, type SVGProps } from "react";
import type { ModelDetail, ModelVersion, StageTransitionResponse } from "@/lib/api-types";
import { ApiError, modelVersionDownloadUrl } from "@/lib/api";
import { cn } from "@/lib/cn";
import { pluralize } from "@/lib/format";
import { keyMetrics } from "@/lib/models";
import { useProjectRole } from "@/lib/project-role";
import { useModel } from "@/lib/queries";
import type { Capability } from "@/lib/auth";
import { projectPath } from "@/lib/route-params";
import { AliasesCard } from "./models/aliases-card";
import { AuditTrail } from "./models/audit-trail";
import { MetricComparisonView } from "./models/metric-comparison";
import { DangerZone, DescriptionEditor, PolicyEditor, PolicySummary } from "./models/model-settings";
import { PromoteDialog } from "./models/promote-dialog";
import { AliasChip, StageBadge } from "./models/stage-badge";
import { VersionDetail } from "./models/version-detail";
import { VersionsTable } from "./models/versions-table";
import { WebhooksSection } from "./models/webhooks";
import { PageContainer, PageHeader } from "./page-header";
import { RelativeTime } from "./time";
import { buttonClasses } from "./ui/button";
import { Card, CodeSnippet, EmptyState, ErrorState, Skeleton, Spinner } from "./ui/feedback";
import { ArrowDownIcon, CheckIcon, CompareIcon, HistoryIcon, ListIcon, ModelIcon, SettingsIcon, ShieldIcon, WebhookIcon, XIcon } from "./ui/icons";

type Tab = "versions" | "compare" | "audit" | "webhooks" | "settings";
/** The tabs, and what a tab needs of the role (webhooks are managed by admins, settings edited by editors). */
const TABS: [Tab, string, ComponentType<SVGProps<SVGSVGElement>>, Capability | null][] = [
  ["versions", "Versions", ListIcon, null],
  ["compare", "Compare", CompareIcon, null],
  ["audit", "Audit trail", HistoryIcon, null],
  ["webhooks", "Webhooks", WebhookIcon, "admin"],
  ["settings", "Policy & settings", SettingsIcon, "edit"],
];

interface Notice {
  result: StageTransitionResponse;
}

const intParam = (value: string | null): number | null => {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : null;
};

/** A registered model: its versions and stages, comparison, promotion, aliases, policy, audit trail and webhooks. */
export function ModelView({ project, name }: { project: string; name: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const model = useModel(project, name);
  const access = useProjectRole(project);
  const canEdit = access.can("edit");
  const tabs = TABS.filter(([, , , needs]) => needs === null || access.can(needs));
  const tabParam = searchParams.get("tab");
  // A tab the role may not see shows the versions (until the role is known, too).
  const tab: Tab = tabs.some(([t]) => t === tabParam) ? (tabParam as Tab) : "versions";
  const versionParam = intParam(searchParams.get("version"));
  const againstParam = intParam(searchParams.get("against"));
  const [promoting, setPromoting] = useState<ModelVersion | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  // Tab, selected version and compare baseline live in the URL, so a view can be shared.
  const setParams = (changes: Record<string, string | null>) => {
    const sp = new URLSearchParams(searchParams.toString());
    for (const [key, value] of Object.entries(changes)) {
      if (value) sp.set(key, value);
      else sp.delete(key);
    }
    const qs = sp.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  const breadcrumb = (
    <Link href={projectPath(project, "models")} className="hover:text-slate-800">
      Models
    </Link>
  );

  if (model.isPending) return <ModelSkeleton />;
  if (!model.data) {
    const notFound = model.error instanceof ApiError && model.error.isNotFound;
    return (
      <PageContainer>
        <PageHeader breadcrumb={breadcrumb} title={<span className="break-all">{name}</span>} />
        <Card>
          <ErrorState error={model.error} title={notFound ? "Model not found" : undefined} onRetry={() => void model.refetch()} />
          {notFound ? (
            <p className="-mt-6 pb-8 text-center">
              <Link href={projectPath(project, "models")} className="text-sm font-medium text-indigo-600 hover:underline">
                ← All models
              </Link>
            </p>
          ) : null}
        </Card>
      </PageContainer>
    );
  }

  const m = model.data;
  const production = m.versions.find((v) => v.stage === "Production") ?? null;
  const selected = m.versions.find((v) => v.version === versionParam) ?? production ?? m.versions[0] ?? null;
  const metricKeys = keyMetrics(m.versions, m.policy.gates, 3);

  return (
    <PageContainer>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          <>
            <ModelIcon className="text-indigo-500" />
            <span className="break-all" data-testid="model-name">
              {m.name}
            </span>
            {model.isFetching ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description={m.description || <span className="italic">No description</span>}
        meta={<StageSummary model={m} onSelect={(v) => setParams({ tab: null, version: String(v) })} />}
        actions={
          production?.artifact ? (
            <a href={modelVersionDownloadUrl(project, m.name, production.version)} download className={buttonClasses("secondary")}>
              <ArrowDownIcon /> Download v{production.version}
            </a>
          ) : null
        }
      />
      {model.error ? (
        <div className="mb-4 rounded-lg border border-amber-200 bg-amber-50 px-3 py-1.5 text-xs text-amber-800" role="status">
          Could not refresh: {model.error.message}
        </div>
      ) : null}
      {notice ? <PromotionNotice notice={notice} onDismiss={() => setNotice(null)} /> : null}

      <div className="mb-5 flex gap-1 overflow-x-auto border-b border-slate-200" role="tablist" aria-label="Model sections">
        {tabs.map(([key, label, Icon]) => (
          <button
            key={key}
            type="button"
            role="tab"
            aria-selected={tab === key}
            onClick={() => setParams({ tab: key === "versions" ? null : key, against: key === "compare" ? searchParams.get("against") : null })}
            className={cn(
              "-mb-px inline-flex items-center gap-1.5 border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap transition-colors",
              tab === key ? "border-indigo-500 text-indigo-700" : "border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-800",
            )}
          >
            <Icon className="text-[14px]" />
            {label}
            {key === "versions" ? <span className="rounded-full bg-slate-100 px-1.5 text-[11px] text-slate-500">{m.versionCount}</span> : null}
          </button>
        ))}
      </div>

      {tab === "versions" ? (
        <div className="grid grid-cols-1 gap-5 xl:grid-cols-[minmax(0,1fr)_26rem]">
          <Card className="self-start overflow-hidden">
            {m.versions.length === 0 ? (
              <NoVersions project={project} name={m.name} />
            ) : (
              <VersionsTable
                project={project}
                model={m}
                metricKeys={metricKeys}
                selected={selected?.version ?? null}
                onSelect={(v) => setParams({ version: String(v) })}
                onPromote={canEdit ? setPromoting : null}
              />
            )}
          </Card>
          <div className="space-y-5">
            {selected ? (
              <VersionDetail
                key={selected.version}
                project={project}
                model={m}
                version={selected}
                onPromote={canEdit ? () => setPromoting(selected) : null}
                onCompare={() => setParams({ tab: "compare", version: String(selected.version), against: null })}
                canDelete={access.can("admin")}
              />
            ) : null}
            <AliasesCard project={project} model={m} defaultVersion={selected?.version ?? null} editable={canEdit} />
            <PolicySummary model={m} onEdit={canEdit ? () => setParams({ tab: "settings" }) : null} />
          </div>
        </div>
      ) : tab === "compare" ? (
        <MetricComparisonView
          project={project}
          model={m}
          candidate={selected?.version ?? null}
          baseline={againstParam}
          onChange={(c, b) => setParams({ version: c === null ? null : String(c), against: b === null ? null : String(b) })}
          onPromote={canEdit ? setPromoting : null}
        />
      ) : tab === "audit" ? (
        <AuditTrail project={project} name={m.name} />
      ) : tab === "webhooks" ? (
        <WebhooksSection project={project} modelName={m.name} />
      ) : (
        <div className="grid max-w-4xl grid-cols-1 gap-5">
          <PolicyEditor project={project} model={m} />
          <DescriptionEditor project={project} model={m} />
          {access.can("admin") ? <DangerZone project={project} model={m} /> : null}
        </div>
      )}

      {promoting && canEdit ? (
        <PromoteDialog
          project={project}
          model={m}
          version={m.versions.find((v) => v.version === promoting.version) ?? promoting}
          open
          onClose={() => setPromoting(null)}
          onDone={(result) => {
            setPromoting(null);
            setNotice({ result });
          }}
        />
      ) : null}
    </PageContainer>
  );
}

/** Production, Staging, latest and aliases, at a glance under the title. */
function StageSummary({ model: m, onSelect }: { model: ModelDetail; onSelect: (version: number) => void }) {
  const production = m.versions.filter((v) => v.stage === "Production");
  const staging = m.versions.filter((v) => v.stage === "Staging");
  const chip = "inline-flex items-center gap-1.5 rounded-md px-1 py-0.5 hover:bg-slate-100";
  return (
    <div className="flex flex-wrap items-center gap-x-5 gap-y-2 text-xs text-slate-500" data-testid="stage-summary">
      <span className="flex items-center gap-1.5" data-testid="summary-production">
        <StageBadge stage="Production" size="sm" />
        {production.length ? (
          production.map((v) => (
            <button key={v.version} type="button" className={cn(chip, "font-mono text-[13px] font-semibold text-slate-800")} onClick={() => onSelect(v.version)}>
              v{v.version}
            </button>
          ))
        ) : (
          <span>none yet</span>
        )}
      </span>
      <span className="flex items-center gap-1.5">
        <StageBadge stage="Staging" size="sm" />
        {staging.length ? (
          staging.map((v) => (
            <button key={v.version} type="button" className={cn(chip, "font-mono text-[13px] font-medium text-slate-700")} onClick={() => onSelect(v.version)}>
              v{v.version}
            </button>
          ))
        ) : (
          <span>none</span>
        )}
      </span>
      <span>
        Latest <span className="font-mono font-medium text-slate-700">{m.latestVersion > 0 ? `v${m.latestVersion}` : "—"}</span> · {pluralize(m.versionCount, "version")}
      </span>
      {m.aliases.length > 0 ? (
        <span className="flex flex-wrap items-center gap-1.5">
          {m.aliases.map((a) => (
            <button key={a.alias} type="button" className={chip} onClick={() => onSelect(a.version)} title={`@${a.alias} → v${a.version}`}>
              <AliasChip alias={a.alias} />
              <span className="font-mono text-[11px]">v{a.version}</span>
            </button>
          ))}
        </span>
      ) : null}
      {m.policy.gates.length > 0 ? (
        <span className="flex items-center gap-1" title={m.policy.gates.join("\n")}>
          <ShieldIcon /> {pluralize(m.policy.gates.length, "gate")}
        </span>
      ) : null}
      <span>
        Updated <RelativeTime iso={m.updatedAt} />
      </span>
    </div>
  );
}

function PromotionNotice({ notice: { result }, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  const overridden = result.overridden;
  return (
    <div
      role="status"
      data-testid="promotion-notice"
      className={cn(
        "mb-4 flex items-start gap-3 rounded-lg border px-4 py-3 text-sm",
        overridden ? "border-amber-300 bg-amber-50 text-amber-900" : "border-emerald-200 bg-emerald-50 text-emerald-900",
      )}
    >
      {overridden ? <ShieldIcon className="mt-0.5 shrink-0 text-amber-600" /> : <CheckIcon className="mt-0.5 shrink-0 text-emerald-600" />}
      <div className="min-w-0 flex-1">
        <p className="font-medium">
          v{result.version.version} moved from {result.fromStage} to {result.toStage}.
          {result.archived.length > 0 ? ` ${result.archived.map((v) => `v${v}`).join(", ")} ${result.archived.length === 1 ? "was" : "were"} archived.` : ""}
        </p>
        {overridden ? (
          <p className="mt-0.5 text-xs">Failing gates were overridden; your reason is in the audit trail.</p>
        ) : result.gateResults.length > 0 ? (
          <p className="mt-0.5 text-xs">All {pluralize(result.gateResults.length, "gate")} passed.</p>
        ) : null}
      </div>
      <button type="button" onClick={onDismiss} aria-label="Dismiss" className="rounded p-1 opacity-60 hover:bg-black/5 hover:opacity-100">
        <XIcon />
      </button>
    </div>
  );
}

function NoVersions({ project, name }: { project: string; name: string }) {
  return (
    <EmptyState icon={<ModelIcon />} title="No versions yet">
      <p>
        Open a run&apos;s <span className="font-medium text-slate-700">Artifacts</span> tab and press <span className="font-medium text-slate-700">Register model</span> on a
        model output, add <code className="font-mono text-xs">register: {"{"} model: {name} {"}"}</code> to a step&apos;s model output, or call the API:
      </p>
      <div className="mt-4">
        <CodeSnippet
          code={`curl -X POST $TRELLIS_URL/api/v1/projects/${project}/models/${encodeURIComponent(name)}/versions -H "authorization: Bearer $TRELLIS_TOKEN" -H 'content-type: application/json' -d '{"runId": "RUN_ID", "stepName": "train", "outputName": "model"}'`}
        />
      </div>
    </EmptyState>
  );
}

function ModelSkeleton() {
  return (
    <PageContainer>
      <div className="space-y-3" aria-busy="true" aria-label="Loading model">
        <Skeleton className="h-4 w-24" />
        <Skeleton className="h-7 w-72" />
        <Skeleton className="h-4 w-96" />
        <div className="flex gap-4 pt-1">
          <Skeleton className="h-5 w-32 rounded-full" />
          <Skeleton className="h-5 w-28 rounded-full" />
          <Skeleton className="h-5 w-36" />
        </div>
        <Skeleton className="mt-6 h-9 w-full" />
        <div className="grid gap-5 pt-2 xl:grid-cols-[minmax(0,1fr)_26rem]">
          <Skeleton className="h-72 w-full" />
          <Skeleton className="h-72 w-full" />
        </div>
      </div>
    </PageContainer>
  );
}

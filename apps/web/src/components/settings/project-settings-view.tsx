"use client";

import Link from "next/link";
import { useProjectAudit } from "@/lib/access-api";
import { ApiError } from "@/lib/api";
import { useProject } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { PageContainer, PageHeader } from "../page-header";
import { Card, ErrorState, Skeleton, Spinner, TableSkeleton } from "../ui/feedback";
import { HistoryIcon, SettingsIcon } from "../ui/icons";
import { AuditLog } from "./audit-log";
import { MembersTab } from "./members-tab";
import { SecretsTab } from "./secrets-tab";
import { AccessErrorState, KeyIcon, LockIcon, NoAccess, RoleBadge, TabBar, useTab, UsersIcon, type TabDef } from "./shared";
import { TokensTab } from "./tokens-tab";

type Tab = "members" | "tokens" | "secrets" | "audit";
const TABS: TabDef<Tab>[] = [
  { key: "members", label: "Members", icon: UsersIcon },
  { key: "tokens", label: "API tokens", icon: KeyIcon },
  { key: "secrets", label: "Secrets", icon: LockIcon },
  { key: "audit", label: "Audit log", icon: HistoryIcon },
];

function AdminsOnly({ project, role }: { project: string; role?: string | null }) {
  return (
    <NoAccess title="Only project admins can see settings">
      <p>
        Members, API tokens, secrets and the audit log of <span className="font-medium text-slate-700">{project}</span> are managed by its admins
        {role ? (
          <>
            ; you are <span className="font-medium text-slate-700">{role}</span> here
          </>
        ) : null}
        . Ask one of them if you need a higher role.
      </p>
      <p className="mt-3 flex flex-wrap justify-center gap-x-4 gap-y-1">
        <Link href={projectPath(project, "runs")} className="font-medium text-indigo-600 hover:underline">
          Back to the project →
        </Link>
        <Link href="/account" className="font-medium text-indigo-600 hover:underline">
          Your tokens →
        </Link>
      </p>
    </NoAccess>
  );
}

/** A project's access settings: members, API tokens, secrets and the audit log (project admins only). */
export function ProjectSettingsView({ project }: { project: string }) {
  const [tab, setTab] = useTab(TABS);
  const detail = useProject(project);
  const role = detail.data?.role ?? null;
  // Reads start only once the caller is known to be an admin: anyone else would get 403s.
  const isAdmin = role === "admin";
  const audit = useProjectAudit(project, isAdmin && tab === "audit");
  const forbidden = <AdminsOnly project={project} role={role} />;

  const header = (
    <PageHeader
      title={
        <>
          <SettingsIcon className="text-indigo-500" /> Settings
          {role ? <RoleBadge role={role} /> : null}
          {detail.isFetching && !detail.isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
        </>
      }
      breadcrumb={
        <Link href={projectPath(project, "runs")} className="font-mono hover:text-slate-800">
          {project}
        </Link>
      }
      description="Who can do what in this project, the tokens that act in it, the secrets its steps get, and a record of every change."
    />
  );

  if (detail.isPending) {
    return (
      <PageContainer>
        {header}
        <div className="mb-5 flex gap-3 border-b border-slate-200 pb-2.5" aria-hidden="true">
          {TABS.map((t) => (
            <Skeleton key={t.key} className="h-5 w-24" />
          ))}
        </div>
        <Card className="overflow-hidden">
          <TableSkeleton rows={4} />
        </Card>
      </PageContainer>
    );
  }

  if (!detail.data) {
    const notFound = detail.error instanceof ApiError && detail.error.isNotFound;
    return (
      <PageContainer>
        {header}
        <Card>
          {notFound ? (
            <ErrorState error={detail.error} title="Project not found" />
          ) : (
            <AccessErrorState error={detail.error} forbidden={forbidden} next="" onRetry={() => void detail.refetch()} />
          )}
        </Card>
      </PageContainer>
    );
  }

  if (!isAdmin) {
    return (
      <PageContainer>
        {header}
        <Card>{forbidden}</Card>
      </PageContainer>
    );
  }

  return (
    <PageContainer>
      {header}
      <TabBar tabs={TABS} tab={tab} onChange={setTab} label="Settings sections" />
      {tab === "members" ? (
        <MembersTab project={project} forbidden={forbidden} />
      ) : tab === "tokens" ? (
        <TokensTab project={project} forbidden={forbidden} />
      ) : tab === "secrets" ? (
        <SecretsTab project={project} forbidden={forbidden} />
      ) : (
        <AuditLog
          query={audit}
          forbidden={forbidden}
          description="Changes to the project's members, tokens and secrets, and its members' sign-ins. Events cannot be changed or deleted."
          emptyText="Adding members, creating or revoking tokens and changing secrets is recorded here, with who did it and from where."
        />
      )}
    </PageContainer>
  );
}

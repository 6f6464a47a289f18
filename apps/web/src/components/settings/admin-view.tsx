"use client";

import Link from "next/link";
import { useInstanceAudit } from "@/lib/access-api";
import { useMe } from "@/lib/queries";
import { PageContainer, PageHeader } from "../page-header";
import { Card, Spinner, TableSkeleton } from "../ui/feedback";
import { HistoryIcon, ShieldIcon } from "../ui/icons";
import { AuditLog } from "./audit-log";
import { AccessErrorState, NoAccess, TabBar, useTab, UsersIcon, type TabDef } from "./shared";
import { UsersTab } from "./users-tab";

type Tab = "users" | "audit";
const TABS: TabDef<Tab>[] = [
  { key: "users", label: "Users", icon: UsersIcon },
  { key: "audit", label: "Audit log", icon: HistoryIcon },
];

const adminsOnly = (
  <NoAccess title="Only instance admins can see this page" icon={<ShieldIcon />}>
    <p>Users and the instance-wide audit log are managed by instance admins. Project settings are on each project&apos;s Settings page.</p>
    <Link href="/account" className="mt-3 inline-block font-medium text-indigo-600 hover:underline">
      Your account →
    </Link>
  </NoAccess>
);

/** Instance administration: accounts and the audit log of every project (instance admins only). */
export function AdminView() {
  const [tab, setTab] = useTab(TABS);
  const me = useMe();
  // The API decides (403 for anyone else); /auth/me only spares non-admins requests that would fail.
  const isAdmin = me.data?.user?.instanceAdmin === true;
  const audit = useInstanceAudit(isAdmin && tab === "audit");

  return (
    <PageContainer>
      <PageHeader
        title={
          <>
            <ShieldIcon className="text-indigo-500" /> Administration
            {me.isFetching && !me.isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description="Accounts of this Trellis instance and a record of every security event: sign-ins, members, tokens and secrets in every project."
      />
      {me.isPending ? (
        <Card className="overflow-hidden">
          <TableSkeleton rows={4} />
        </Card>
      ) : !me.data ? (
        <Card>
          <AccessErrorState error={me.error} forbidden={adminsOnly} next="/admin" onRetry={() => void me.refetch()} />
        </Card>
      ) : !isAdmin ? (
        <Card>{adminsOnly}</Card>
      ) : (
        <>
          <TabBar tabs={TABS} tab={tab} onChange={setTab} label="Administration sections" />
          {tab === "users" ? (
            <UsersTab forbidden={adminsOnly} />
          ) : (
            <AuditLog
              query={audit}
              showProject
              forbidden={adminsOnly}
              description="Every event of every project, plus sign-ins and account changes. Events cannot be changed or deleted."
              emptyText="Sign-ins, new accounts, and changes to members, tokens and secrets are recorded here."
            />
          )}
        </>
      )}
    </PageContainer>
  );
}

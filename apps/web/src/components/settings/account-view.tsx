"use client";

import Link from "next/link";
import { useState } from "react";
import { useCreatePersonalToken, usePersonalTokens, useRevokePersonalToken } from "@/lib/access-api";
import type { Me } from "@/lib/api-types";
import { useMe, useProjects } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { PageContainer, PageHeader } from "../page-header";
import { Button } from "../ui/button";
import { Card, CardHeader, EmptyState, ErrorState, Skeleton, Spinner, TableSkeleton } from "../ui/feedback";
import { PlusIcon, ShieldIcon, UserIcon } from "../ui/icons";
import { AccessErrorState, KeyIcon, NoAccess, RoleBadge } from "./shared";
import { NewTokenDialog } from "./token-dialog";
import { TokensTable } from "./tokens-table";

/** The signed-in user: who they are, their projects and roles, and their personal API tokens. */
export function AccountView() {
  const me = useMe();
  return (
    <PageContainer className="max-w-[1200px]">
      <PageHeader
        title={
          <>
            <UserIcon className="text-indigo-500" /> Account
            {me.isFetching && !me.isPending ? <Spinner className="size-3.5 text-slate-300" /> : null}
          </>
        }
        description="Your profile, your projects and the personal API tokens that act for you."
      />
      {me.isPending ? (
        <div className="space-y-4">
          <Card className="p-5">
            <div className="flex items-center gap-4">
              <Skeleton className="size-12 rounded-full" />
              <div className="flex-1 space-y-2">
                <Skeleton className="h-4 w-48" />
                <Skeleton className="h-3 w-64" />
              </div>
            </div>
          </Card>
          <Card className="overflow-hidden">
            <TableSkeleton rows={3} />
          </Card>
        </div>
      ) : !me.data ? (
        <Card>
          <AccessErrorState error={me.error} forbidden={<ErrorState error={me.error} />} next="/account" onRetry={() => void me.refetch()} />
        </Card>
      ) : !me.data.user ? (
        <Card>
          <NoAccess title="Signed in with a service token" icon={<KeyIcon />}>
            <p>
              A service token ({me.data.token?.name ?? "unnamed"}) belongs to a project, not to a person: it has no account and no personal tokens.
            </p>
          </NoAccess>
        </Card>
      ) : (
        <div className="space-y-5">
          <Profile me={me.data} />
          <PersonalTokens />
        </div>
      )}
    </PageContainer>
  );
}

/** "Ada Lovelace" → "AL", "ada@example.com" → "A". */
function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map((w) => w.charAt(0).toUpperCase())
    .join("");
}

function Profile({ me }: { me: Me }) {
  const user = me.user!;
  const initials = initialsOf(user.name || user.email);
  return (
    <div className="grid grid-cols-1 gap-5 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
      <Card className="p-5">
        <div className="flex items-start gap-4" data-testid="profile">
          <div className="flex size-12 shrink-0 items-center justify-center rounded-full bg-indigo-100 text-lg font-semibold text-indigo-700" aria-hidden="true">
            {initials}
          </div>
          <div className="min-w-0">
            <p className="flex flex-wrap items-center gap-2 text-base font-semibold text-slate-900">
              <span className="break-words">{user.name}</span>
              {user.instanceAdmin ? (
                <span className="inline-flex items-center gap-1 rounded-full bg-violet-50 px-2 py-0.5 text-[11px] font-medium text-violet-700 ring-1 ring-violet-200 ring-inset">
                  <ShieldIcon /> instance admin
                </span>
              ) : null}
            </p>
            <p className="text-sm break-all text-slate-600">{user.email}</p>
            <p className="mt-2 text-xs text-slate-500">
              {me.via === "token" && me.token ? (
                <>
                  Signed in with the personal token <span className="font-medium text-slate-700">{me.token.name}</span>.
                </>
              ) : (
                "Signed in with this browser's session."
              )}
            </p>
            {user.instanceAdmin ? (
              <Link href="/admin" className="mt-2 inline-block text-sm font-medium text-indigo-600 hover:underline">
                Administration: users and the instance audit log →
              </Link>
            ) : null}
          </div>
        </div>
      </Card>
      <Card className="overflow-hidden">
        <CardHeader title="Your projects" />
        {me.projects.length === 0 ? (
          <p className="px-4 py-5 text-sm text-slate-500">You are not a member of any project yet: a project admin can add you by your email.</p>
        ) : (
          <ul className="max-h-64 divide-y divide-slate-100 overflow-y-auto" data-testid="my-projects">
            {me.projects.map((p) => (
              <li key={p.name} className="flex items-center justify-between gap-3 px-4 py-2.5 text-sm">
                <Link href={projectPath(p.name, "runs")} className="min-w-0 truncate font-mono text-[13px] text-slate-800 hover:text-indigo-600">
                  {p.name}
                </Link>
                <span className="flex shrink-0 items-center gap-3">
                  <RoleBadge role={p.role} />
                  {p.role === "admin" ? (
                    <Link href={projectPath(p.name, "settings")} className="text-xs font-medium text-indigo-600 hover:underline">
                      Settings
                    </Link>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function PersonalTokens() {
  const tokens = usePersonalTokens();
  const projects = useProjects();
  const create = useCreatePersonalToken();
  const revoke = useRevokePersonalToken();
  const [creating, setCreating] = useState(false);
  const [revokeError, setRevokeError] = useState<{ id: string; error: unknown } | null>(null);
  const items = tokens.data?.items ?? [];
  const projectList = projects.data?.items ?? [];
  const canCreate = projectList.length > 0;

  const newButton = (
    <Button size="sm" variant="primary" onClick={() => setCreating(true)} disabled={!canCreate}>
      <PlusIcon /> New token
    </Button>
  );

  return (
    <Card className="overflow-hidden">
      <CardHeader
        title={
          <span className="flex items-center gap-1.5">
            <KeyIcon className="text-slate-400" /> Personal API tokens
            {tokens.isFetching && !tokens.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
          </span>
        }
        actions={newButton}
      />
      <p className="border-b border-slate-100 px-4 py-2 text-xs text-slate-500">
        For scripts, notebooks and the CLI on your behalf. Each works in one project with a role no higher than yours there — if your role is lowered,
        so is the token&apos;s. Project admins can see and revoke them too.
      </p>
      {tokens.isPending ? (
        <TableSkeleton rows={2} />
      ) : tokens.error && !tokens.data ? (
        <ErrorState error={tokens.error} onRetry={() => void tokens.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState icon={<KeyIcon />} title="No personal tokens">
          Create one to use Trellis from a script: send it as <code className="rounded bg-slate-100 px-1 font-mono text-xs">Authorization: Bearer …</code>,
          set it as <code className="rounded bg-slate-100 px-1 font-mono text-xs">MLFLOW_TRACKING_TOKEN</code> for MLflow clients, or as{" "}
          <code className="rounded bg-slate-100 px-1 font-mono text-xs">TRELLIS_TOKEN</code> for the CLI.
          {canCreate ? null : <span className="mt-2 block">You need to be a member of a project first.</span>}
        </EmptyState>
      ) : (
        <TokensTable
          testId="personal-tokens"
          tokens={items}
          columns={{ project: true }}
          revokingId={revoke.isPending ? (revoke.variables?.id ?? null) : null}
          revokeError={revokeError}
          onRevoke={(t) => {
            setRevokeError(null);
            revoke.mutate(t, { onError: (error) => setRevokeError({ id: t.id, error }) });
          }}
        />
      )}
      <NewTokenDialog
        open={creating}
        onClose={() => setCreating(false)}
        title="New personal token"
        description="It acts for you, in one project."
        projects={projectList}
        create={create}
      />
    </Card>
  );
}

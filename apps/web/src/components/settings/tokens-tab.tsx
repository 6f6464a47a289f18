"use client";

import { useState, type ReactNode } from "react";
import { useCreateServiceToken, useProjectTokens, useRevokeProjectToken } from "@/lib/access-api";
import { Button } from "../ui/button";
import { Card, CardHeader, EmptyState, Spinner, TableSkeleton } from "../ui/feedback";
import { PlusIcon } from "../ui/icons";
import { AccessErrorState, KeyIcon } from "./shared";
import { NewTokenDialog } from "./token-dialog";
import { TokensTable } from "./tokens-table";

/** Every API token of the project: service tokens and members' personal ones. */
export function TokensTab({ project, forbidden }: { project: string; forbidden: ReactNode }) {
  const tokens = useProjectTokens(project);
  const create = useCreateServiceToken(project);
  const revoke = useRevokeProjectToken(project);
  const [creating, setCreating] = useState(false);
  const [revokeError, setRevokeError] = useState<{ id: string; error: unknown } | null>(null);
  const items = tokens.data?.items ?? [];
  const active = items.filter((t) => !t.revokedAt).length;

  return (
    <Card className="overflow-hidden">
      <CardHeader
        title={
          <span className="flex items-center gap-1.5">
            <KeyIcon className="text-slate-400" /> API tokens
            {tokens.data ? (
              <span className="rounded-full bg-slate-100 px-1.5 text-[11px] font-normal text-slate-500" title="Not revoked">
                {active}
              </span>
            ) : null}
            {tokens.isFetching && !tokens.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
          </span>
        }
        actions={
          <Button size="sm" variant="primary" onClick={() => setCreating(true)} disabled={!tokens.data}>
            <PlusIcon /> New service token
          </Button>
        }
      />
      <p className="border-b border-slate-100 px-4 py-2 text-xs text-slate-500">
        <strong className="font-medium text-slate-600">Service tokens</strong> belong to the project (for CI and deployments);{" "}
        <strong className="font-medium text-slate-600">personal tokens</strong> act for a member and never above the member&apos;s role. Members
        create their own on their account page. Revoking stops a token at once.
      </p>
      {tokens.isPending ? (
        <TableSkeleton rows={3} />
      ) : tokens.error && !tokens.data ? (
        <AccessErrorState error={tokens.error} forbidden={forbidden} next="" onRetry={() => void tokens.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState icon={<KeyIcon />} title="No tokens yet">
          Create a service token for scripts and CI: they send it as <code className="rounded bg-slate-100 px-1 font-mono text-xs">Authorization: Bearer …</code>{" "}
          to the API, to MLflow clients or to the <code className="rounded bg-slate-100 px-1 font-mono text-xs">trellis</code> CLI.
          <div className="mt-4">
            <Button variant="primary" onClick={() => setCreating(true)}>
              <PlusIcon /> New service token
            </Button>
          </div>
        </EmptyState>
      ) : (
        <TokensTable
          testId="project-tokens"
          tokens={items}
          columns={{ kind: true, owner: true }}
          revokingId={revoke.isPending ? (revoke.variables ?? null) : null}
          revokeError={revokeError}
          onRevoke={(t) => {
            setRevokeError(null);
            revoke.mutate(t.id, { onError: (error) => setRevokeError({ id: t.id, error }) });
          }}
        />
      )}
      <NewTokenDialog
        open={creating}
        onClose={() => setCreating(false)}
        title="New service token"
        description={`A token of the project ${project}, not tied to a person.`}
        fixedProject={project}
        create={{
          mutate: ({ name, role, expiresInDays }, opts) => create.mutate({ name, role, ...(expiresInDays !== undefined ? { expiresInDays } : {}) }, opts),
          isPending: create.isPending,
          error: create.error,
          reset: create.reset,
        }}
      />
    </Card>
  );
}

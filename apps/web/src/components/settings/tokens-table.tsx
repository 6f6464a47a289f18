"use client";

import { Fragment } from "react";
import type { ApiToken } from "@/lib/access-api";
import { sortTokens, tokenStatus, type TokenStatus } from "@/lib/access-format";
import { cn } from "@/lib/cn";
import { formatDateTime } from "@/lib/format";
import { useNow } from "@/lib/use-now";
import { RelativeTime } from "../time";
import { ErrorMessage } from "../ui/feedback";
import { ConfirmButton, RoleBadge, RowError } from "./shared";

const STATUS_STYLE: Record<TokenStatus, string> = {
  active: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  revoked: "bg-slate-100 text-slate-600 ring-slate-200",
  expired: "bg-amber-50 text-amber-800 ring-amber-200",
};

function StatusBadge({ status }: { status: TokenStatus }) {
  return (
    <span className={cn("inline-flex items-center rounded-full px-2 py-0.5 text-[11px] font-medium capitalize ring-1 ring-inset", STATUS_STYLE[status])} data-status={status}>
      {status}
    </span>
  );
}

function KindBadge({ kind }: { kind: ApiToken["kind"] }) {
  return (
    <span
      className={cn(
        "inline-flex items-center rounded px-1.5 py-px text-[11px] font-medium",
        kind === "service" ? "bg-indigo-50 text-indigo-700" : "bg-slate-100 text-slate-600",
      )}
      title={kind === "service" ? "Belongs to the project, not to a person" : "Acts for its owner, never above the owner's role"}
    >
      {kind}
    </span>
  );
}

const dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });

/** A near (or past) expiry as "in 5 days"; a far one as its date, which reads better than "in 11 mo". */
function Expiry({ iso, now }: { iso: string; now: number }) {
  const at = Date.parse(iso);
  if (Number.isNaN(at) || Math.abs(at - now) < 31 * 86_400_000) return <RelativeTime iso={iso} />;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {dateFmt.format(at)}
    </time>
  );
}

/**
 * API tokens: usable ones first, each group newest first. Revoked and expired tokens stay
 * listed (greyed) so that the token names in the audit log can still be found here.
 */
export function TokensTable({
  tokens,
  columns,
  onRevoke,
  revokingId,
  revokeError,
  testId,
}: {
  tokens: ApiToken[];
  /** project: the personal-token list spans projects; owner: the project list mixes people and services. */
  columns: { project?: boolean; owner?: boolean; kind?: boolean };
  onRevoke: (token: ApiToken) => void;
  revokingId: string | null;
  revokeError: { id: string; error: unknown } | null;
  testId: string;
}) {
  const now = useNow(60_000);
  const span = 8 + (columns.project ? 1 : 0) + (columns.owner ? 1 : 0) + (columns.kind ? 1 : 0);
  const sorted = sortTokens(tokens, now);
  return (
    <>
      <TokensList tokens={sorted} columns={columns} now={now} onRevoke={onRevoke} revokingId={revokingId} revokeError={revokeError} />
      <div className="relative hidden overflow-x-auto sm:block">
        <table className="w-full min-w-[960px] text-left text-sm" data-testid={testId}>
          <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">Name</th>
              {columns.kind ? <th className="px-4 py-2.5 font-medium">Kind</th> : null}
              {columns.project ? <th className="px-4 py-2.5 font-medium">Project</th> : null}
              <th className="px-4 py-2.5 font-medium">Role</th>
              {columns.owner ? <th className="px-4 py-2.5 font-medium">Owner</th> : null}
              <th className="px-4 py-2.5 font-medium">Token</th>
              <th className="px-4 py-2.5 font-medium">Created</th>
              <th className="px-4 py-2.5 font-medium">Last used</th>
              <th className="px-4 py-2.5 font-medium">Expires</th>
              <th className="px-4 py-2.5 font-medium">Status</th>
              <th className="px-4 py-2.5">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {sorted.map((t) => {
              const status = tokenStatus(t, now);
              const dim = status !== "active";
              const failed = revokeError?.id === t.id ? revokeError.error : null;
              return (
                <Fragment key={t.id}>
                  <tr data-testid="token-row" data-token={t.name} data-status={status} className={cn(dim && "bg-slate-50/60 text-slate-400")}>
                    <td className="max-w-[14rem] px-4 py-3">
                      <span className={cn("block font-medium break-words", dim ? "text-slate-500 line-through decoration-slate-300" : "text-slate-900")}>{t.name}</span>
                    </td>
                    {columns.kind ? (
                      <td className={cn("px-4 py-3", dim && "opacity-60")}>
                        <KindBadge kind={t.kind} />
                      </td>
                    ) : null}
                    {columns.project ? <td className="px-4 py-3 font-mono text-[13px] text-slate-700">{t.project ?? "every project"}</td> : null}
                    <td className={cn("px-4 py-3", dim && "opacity-60")}>
                      <RoleBadge role={t.role} />
                    </td>
                    {columns.owner ? (
                      <td className="max-w-[14rem] px-4 py-3">
                        {t.owner ? (
                          <span className="block truncate" title={`${t.owner.name} <${t.owner.email}>`}>
                            <span className={dim ? "" : "text-slate-800"}>{t.owner.name}</span>
                            <span className="block truncate text-xs text-slate-400">{t.owner.email}</span>
                          </span>
                        ) : (
                          <span className="text-xs text-slate-400" title={`Created by ${t.createdBy}`}>
                            service · by {t.createdBy}
                          </span>
                        )}
                      </td>
                    ) : null}
                    <td className="px-4 py-3">
                      <code className={cn("rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[12px] whitespace-nowrap", dim ? "text-slate-400" : "text-slate-700")}>{t.prefix}…</code>
                    </td>
                    <td className="px-4 py-3 whitespace-nowrap">
                      <RelativeTime iso={t.createdAt} />
                    </td>
                    <td className="px-4 py-3 whitespace-nowrap">
                      {t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} /> : <span className="text-slate-400">never</span>}
                    </td>
                    <td className="px-4 py-3 whitespace-nowrap">
                      {t.expiresAt ? (
                        <Expiry iso={t.expiresAt} now={now} />
                      ) : (
                        <span className="text-slate-400">never</span>
                      )}
                    </td>
                    <td className="px-4 py-3 whitespace-nowrap">
                      <StatusBadge status={status} />
                      {t.revokedAt ? <RelativeTime iso={t.revokedAt} className="ml-1.5 text-xs" /> : null}
                    </td>
                    <td className="px-4 py-3 text-right">
                      {t.revokedAt ? null : (
                        <ConfirmButton
                          label="Revoke"
                          confirmLabel="Revoke"
                          question="Stop it working?"
                          ariaLabel={`Revoke token ${t.name}`}
                          pending={revokingId === t.id}
                          onConfirm={() => onRevoke(t)}
                        />
                      )}
                    </td>
                  </tr>
                  {failed ? <RowError error={failed} colSpan={span} /> : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Phones: one token per item, the revoke button in reach without scrolling sideways. */
function TokensList({
  tokens,
  columns,
  now,
  onRevoke,
  revokingId,
  revokeError,
}: {
  tokens: ApiToken[];
  columns: { project?: boolean; owner?: boolean; kind?: boolean };
  now: number;
  onRevoke: (token: ApiToken) => void;
  revokingId: string | null;
  revokeError: { id: string; error: unknown } | null;
}) {
  return (
    <ul className="divide-y divide-slate-100 sm:hidden">
      {tokens.map((t) => {
        const status = tokenStatus(t, now);
        const dim = status !== "active";
        return (
          <li key={t.id} className={cn("px-4 py-3 text-sm", dim && "bg-slate-50/60")} data-testid="token-item" data-token={t.name} data-status={status}>
            <div className="flex items-start justify-between gap-3">
              <div className="min-w-0">
                <p className={cn("font-medium break-words", dim ? "text-slate-500 line-through decoration-slate-300" : "text-slate-900")}>{t.name}</p>
                <p className={cn("mt-1 flex flex-wrap items-center gap-1.5", dim && "opacity-60")}>
                  <RoleBadge role={t.role} />
                  {columns.kind ? <KindBadge kind={t.kind} /> : null}
                  {columns.project && t.project ? <span className="font-mono text-xs text-slate-600">{t.project}</span> : null}
                  <code className="rounded bg-slate-100 px-1.5 py-px font-mono text-[11px] text-slate-600">{t.prefix}…</code>
                </p>
              </div>
              <div className="shrink-0 text-right">
                {t.revokedAt ? (
                  <StatusBadge status={status} />
                ) : (
                  <ConfirmButton label="Revoke" confirmLabel="Revoke" ariaLabel={`Revoke token ${t.name}`} pending={revokingId === t.id} onConfirm={() => onRevoke(t)} />
                )}
              </div>
            </div>
            <p className="mt-1.5 text-xs text-slate-500">
              {columns.owner ? <>{t.owner ? t.owner.email : "service"} · </> : null}
              used {t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} /> : "never"} · {status === "expired" ? "expired " : "expires "}
              {t.expiresAt ? <Expiry iso={t.expiresAt} now={now} /> : "never"}
            </p>
            {revokeError?.id === t.id ? <ErrorMessage error={revokeError.error} className="mt-2" /> : null}
          </li>
        );
      })}
    </ul>
  );
}

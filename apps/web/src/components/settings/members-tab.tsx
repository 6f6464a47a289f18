"use client";

import { Fragment, useId, useState, type FormEvent, type ReactNode } from "react";
import { useAddMember, useChangeMemberRole, useMembers, useRemoveMember, type Member } from "@/lib/access-api";
import { useMe } from "@/lib/queries";
import { ROLE_HELP } from "@/lib/access-format";
import type { Role } from "@/lib/auth";
import { cn } from "@/lib/cn";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { Card, CardHeader, EmptyState, Spinner, TableSkeleton } from "../ui/feedback";
import { fieldBaseClass, invalidFieldClass } from "../ui/field";
import { PlusIcon, TrashIcon } from "../ui/icons";
import { AccessErrorState, ConfirmButton, FormError, issueFor, RoleSelect, RowError, UsersIcon } from "./shared";

/** Who may do what in the project: add people by email, change their role, remove them. */
export function MembersTab({ project, forbidden }: { project: string; forbidden: ReactNode }) {
  const members = useMembers(project);
  const me = useMe();
  const myId = me.data?.user?.id ?? null;
  const items = members.data?.items ?? [];
  const admins = items.filter((m) => m.role === "admin").length;

  return (
    <div className="space-y-4">
      <AddMemberForm project={project} />
      <Card className="overflow-hidden">
        <CardHeader
          title={
            <span className="flex items-center gap-1.5">
              <UsersIcon className="text-slate-400" /> Members
              {members.data ? <span className="rounded-full bg-slate-100 px-1.5 text-[11px] font-normal text-slate-500">{items.length}</span> : null}
              {members.isFetching && !members.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
            </span>
          }
        />
        {members.isPending ? (
          <TableSkeleton rows={3} />
        ) : members.error && !members.data ? (
          <AccessErrorState error={members.error} forbidden={forbidden} next="" onRetry={() => void members.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState icon={<UsersIcon />} title="No members yet">
            Add people by the email they sign in with. Each member gets one role: viewers read, editors also run and change pipelines, admins also
            manage members, tokens and secrets.
          </EmptyState>
        ) : (
          <MembersTable project={project} items={items} myId={myId} soleAdmin={admins === 1} />
        )}
      </Card>
      <ul className="grid gap-2 text-xs text-slate-500 sm:grid-cols-3">
        {(Object.entries(ROLE_HELP) as [Role, string][]).map(([role, help]) => (
          <li key={role} className="rounded-lg border border-slate-200 bg-white px-3 py-2">
            <span className="font-semibold text-slate-700 capitalize">{role}</span> — {help}.
          </li>
        ))}
      </ul>
    </div>
  );
}

function MembersTable({ project, items, myId, soleAdmin }: { project: string; items: Member[]; myId: string | null; soleAdmin: boolean }) {
  const change = useChangeMemberRole(project);
  const remove = useRemoveMember(project);
  // The error of the row it belongs to (a 409 "would leave the project without an admin" reads best next to it).
  const [failed, setFailed] = useState<{ userId: string; error: unknown } | null>(null);

  return (
    <div className="relative overflow-x-auto">
      {/* On phones the email goes under the name and "added" is left out, so role and remove stay in view. */}
      <table className="w-full text-left text-sm sm:min-w-[720px]" data-testid="members-table">
        <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
          <tr>
            <th className="px-3 py-2.5 font-medium sm:px-4">Name</th>
            <th className="hidden px-3 py-2.5 font-medium sm:px-4 sm:table-cell">Email</th>
            <th className="px-3 py-2.5 font-medium sm:px-4">Role</th>
            <th className="hidden px-3 py-2.5 font-medium sm:px-4 md:table-cell">Added</th>
            <th className="px-3 py-2.5 sm:px-4">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((m) => {
            const changing = change.isPending && change.variables?.userId === m.userId;
            const removing = remove.isPending && remove.variables === m.userId;
            return (
              <Fragment key={m.userId}>
                <tr data-testid="member-row" data-email={m.email}>
                  <td className="px-3 py-3 sm:px-4 font-medium text-slate-900">
                    {m.name}
                    {m.userId === myId ? <span className="ml-1.5 rounded bg-slate-100 px-1.5 py-px text-[11px] font-medium text-slate-500">you</span> : null}
                    <span className="block text-xs font-normal [overflow-wrap:anywhere] text-slate-500 sm:hidden">{m.email}</span>
                  </td>
                  <td className="hidden px-3 py-3 sm:px-4 break-all text-slate-600 sm:table-cell">{m.email}</td>
                  <td className="px-3 py-3 sm:px-4">
                    <span className="flex items-center gap-2">
                      <RoleSelect
                        label={`Role of ${m.email}`}
                        value={m.role}
                        disabled={changing || removing}
                        onChange={(role) => {
                          setFailed(null);
                          change.mutate({ userId: m.userId, role }, { onError: (error) => setFailed({ userId: m.userId, error }) });
                        }}
                      />
                      {changing ? <Spinner className="size-3.5 text-slate-400" /> : null}
                    </span>
                  </td>
                  <td className="hidden px-3 py-3 sm:px-4 whitespace-nowrap text-slate-500 md:table-cell">
                    <RelativeTime iso={m.createdAt} />
                  </td>
                  <td className="px-3 py-3 sm:px-4 text-right">
                    <ConfirmButton
                      label={
                        <>
                          <TrashIcon className="sm:hidden" />
                          <span className="hidden sm:inline">Remove</span>
                        </>
                      }
                      confirmLabel="Remove"
                      question={m.userId === myId ? "Remove yourself?" : `Remove ${m.name}?`}
                      ariaLabel={`Remove ${m.email}`}
                      pending={removing}
                      disabled={changing}
                      onConfirm={() => {
                        setFailed(null);
                        remove.mutate(m.userId, { onError: (error) => setFailed({ userId: m.userId, error }) });
                      }}
                    />
                  </td>
                </tr>
                {failed?.userId === m.userId ? <RowError error={failed.error} colSpan={5} /> : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {soleAdmin ? (
        <p className="border-t border-slate-100 px-4 py-2 text-xs text-slate-500">
          A project keeps at least one admin: the last one can be neither removed nor given a lower role.
        </p>
      ) : null}
    </div>
  );
}

function AddMemberForm({ project }: { project: string }) {
  const id = useId();
  const add = useAddMember(project);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [added, setAdded] = useState<string | null>(null);
  const emailError = issueFor(add.error, /^email$/);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    add.mutate(
      { email: email.trim(), role },
      {
        onSuccess: (m) => {
          setAdded(`Added ${m.name || m.email} as ${m.role}.`);
          setEmail("");
        },
      },
    );
  };

  return (
    <Card className="px-4 py-3.5">
      <form onSubmit={submit} className="flex max-w-3xl flex-wrap items-end gap-2" aria-label="Add member">
        <div className="min-w-0 flex-[1_1_16rem]">
          <label htmlFor={`${id}-email`} className="mb-1.5 block text-sm font-medium text-slate-800">
            Add a member
          </label>
          <input
            id={`${id}-email`}
            type="email"
            required
            value={email}
            onChange={(e) => {
              setEmail(e.target.value);
              setAdded(null);
            }}
            placeholder="name@example.com"
            autoComplete="off"
            className={cn(fieldBaseClass, "block h-9 w-full px-3", emailError && invalidFieldClass)}
          />
        </div>
        <RoleSelect label="Role of the new member" value={role} onChange={setRole} size="md" />
        <Button type="submit" variant="primary" disabled={!email.trim() || add.isPending}>
          {add.isPending ? <Spinner className="size-3.5" /> : <PlusIcon />} Add
        </Button>
      </form>
      <p className="mt-1.5 text-xs text-slate-500">The person must already have a Trellis account (an instance admin creates accounts).</p>
      {emailError ? <p className="mt-1.5 text-xs font-medium text-red-600">{emailError}</p> : null}
      <FormError error={add.error} shown={/^email$/} className="mt-2" />
      {added ? (
        <p className="mt-2 text-sm text-emerald-700" role="status">
          {added}
        </p>
      ) : null}
    </Card>
  );
}

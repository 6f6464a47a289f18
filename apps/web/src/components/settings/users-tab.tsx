"use client";

import { Fragment, useId, useState, type FormEvent, type ReactNode } from "react";
import { useCreateUser, useUpdateUser, useUsers, type AccessUser, type UpdateUserRequest } from "@/lib/access-api";
import { cn } from "@/lib/cn";
import { useMe } from "@/lib/queries";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Card, CardHeader, EmptyState, Spinner, TableSkeleton } from "../ui/feedback";
import { Checkbox, Field, FormFooter, fieldClass, invalidFieldClass } from "../ui/field";
import { PlusIcon, ShieldIcon } from "../ui/icons";
import { AccessErrorState, ConfirmButton, FormError, issueFor, RowError, UsersIcon } from "./shared";

/** The API refuses shorter passwords (its message says so too). */
const MIN_PASSWORD = 10;

/** Every account of the instance: create, disable or enable, make instance admin, reset a password. */
export function UsersTab({ forbidden }: { forbidden: ReactNode }) {
  const users = useUsers();
  const me = useMe();
  const update = useUpdateUser();
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<AccessUser | null>(null);
  const [failed, setFailed] = useState<{ id: string; error: unknown } | null>(null);
  const items = users.data?.items ?? [];
  const myId = me.data?.user?.id ?? null;

  const apply = (u: AccessUser, body: UpdateUserRequest) => {
    setFailed(null);
    update.mutate({ id: u.id, body }, { onError: (error) => setFailed({ id: u.id, error }) });
  };
  const pendingFor = (u: AccessUser, key: keyof UpdateUserRequest) => update.isPending && update.variables?.id === u.id && key in update.variables.body;
  const actionProps = (u: AccessUser) => ({
    user: u,
    self: u.id === myId,
    busy: update.isPending && update.variables?.id === u.id,
    pendingAdmin: pendingFor(u, "instanceAdmin"),
    pendingDisabled: pendingFor(u, "disabled"),
    apply: (body: UpdateUserRequest) => apply(u, body),
    onResetPassword: () => setResetting(u),
  });

  return (
    <Card className="overflow-hidden">
      <CardHeader
        title={
          <span className="flex items-center gap-1.5">
            <UsersIcon className="text-slate-400" /> Users
            {users.data ? <span className="rounded-full bg-slate-100 px-1.5 text-[11px] font-normal text-slate-500">{items.length}</span> : null}
            {users.isFetching && !users.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
          </span>
        }
        actions={
          <Button size="sm" variant="primary" onClick={() => setCreating(true)} disabled={!users.data}>
            <PlusIcon /> New user
          </Button>
        }
      />
      {users.isPending ? (
        <TableSkeleton rows={4} />
      ) : users.error && !users.data ? (
        <AccessErrorState error={users.error} forbidden={forbidden} next="/admin" onRetry={() => void users.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState icon={<UsersIcon />} title="No users">
          Create an account for each person; project admins then add them to projects by email.
        </EmptyState>
      ) : (
        <div className="relative overflow-x-auto">
          {/* On phones the email goes under the name, the actions under the user, and the dates are left out. */}
          <table className="w-full text-left text-sm sm:min-w-[640px] lg:min-w-[980px]" data-testid="users-table">
            <thead className="border-b border-slate-200 bg-slate-50/80 text-xs text-slate-500">
              <tr>
                <th className="px-4 py-2.5 font-medium">Name</th>
                <th className="hidden px-4 py-2.5 font-medium sm:table-cell">Email</th>
                <th className="px-4 py-2.5 font-medium">Status</th>
                <th className="hidden px-4 py-2.5 font-medium lg:table-cell">Created</th>
                <th className="hidden px-4 py-2.5 font-medium md:table-cell">Last sign-in</th>
                <th className="hidden px-4 py-2.5 text-right font-medium sm:table-cell">Actions</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((u) => {
                const self = u.id === myId;
                return (
                  <Fragment key={u.id}>
                    <tr data-testid="user-row" data-email={u.email} className={cn("max-sm:border-b-0", u.disabled && "bg-slate-50/60")}>
                      <td className="px-4 py-3">
                        <span className={cn("font-medium", u.disabled ? "text-slate-400" : "text-slate-900")}>{u.name}</span>
                        {self ? <span className="ml-1.5 rounded bg-slate-100 px-1.5 py-px text-[11px] font-medium text-slate-500">you</span> : null}
                        <span className="block text-xs [overflow-wrap:anywhere] text-slate-500 sm:hidden">{u.email}</span>
                      </td>
                      <td className={cn("hidden px-4 py-3 break-all sm:table-cell", u.disabled ? "text-slate-400" : "text-slate-600")}>{u.email}</td>
                      <td className="px-4 py-3">
                        <span className="flex flex-wrap items-center gap-1">
                          {u.disabled ? (
                            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-[11px] font-medium text-slate-600 ring-1 ring-slate-200 ring-inset">disabled</span>
                          ) : (
                            <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-[11px] font-medium text-emerald-700 ring-1 ring-emerald-200 ring-inset">active</span>
                          )}
                          {u.instanceAdmin ? (
                            <span className="inline-flex items-center gap-1 rounded-full bg-violet-50 px-2 py-0.5 text-[11px] font-medium whitespace-nowrap text-violet-700 ring-1 ring-violet-200 ring-inset">
                              <ShieldIcon /> instance admin
                            </span>
                          ) : null}
                        </span>
                      </td>
                      <td className="hidden px-4 py-3 whitespace-nowrap text-slate-500 lg:table-cell">
                        <RelativeTime iso={u.createdAt} />
                      </td>
                      <td className="hidden px-4 py-3 whitespace-nowrap text-slate-500 md:table-cell">
                        {u.lastSignInAt ? <RelativeTime iso={u.lastSignInAt} /> : <span className="text-slate-400">never</span>}
                      </td>
                      <td className="hidden px-4 py-3 sm:table-cell">
                        <span className="flex flex-wrap items-center justify-end gap-1">
                          <UserActions {...actionProps(u)} />
                        </span>
                      </td>
                    </tr>
                    {/* Phones: the actions in a row of their own, under the user. */}
                    <tr className={cn("sm:hidden", u.disabled && "bg-slate-50/60")}>
                      <td colSpan={2} className="px-4 pb-3">
                        <span className="-ml-2.5 flex flex-wrap items-center gap-1">
                          <UserActions {...actionProps(u)} />
                        </span>
                      </td>
                    </tr>
                    {failed?.id === u.id ? <RowError error={failed.error} colSpan={6} /> : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p className="border-t border-slate-100 px-4 py-2 text-xs text-slate-500">
        A disabled user cannot sign in: their sessions end and their personal tokens stop working. A new password also ends their sessions. There is
        always at least one instance admin.
      </p>
      <NewUserDialog open={creating} onClose={() => setCreating(false)} />
      <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} />
    </Card>
  );
}

function UserActions({
  user: u,
  self,
  busy,
  pendingAdmin,
  pendingDisabled,
  apply,
  onResetPassword,
}: {
  user: AccessUser;
  self: boolean;
  busy: boolean;
  pendingAdmin: boolean;
  pendingDisabled: boolean;
  apply: (body: UpdateUserRequest) => void;
  onResetPassword: () => void;
}) {
  return (
    <>
      <Button size="sm" variant="ghost" disabled={busy} onClick={onResetPassword} aria-label={`Reset the password of ${u.email}`}>
        Reset password
      </Button>
      {u.instanceAdmin ? (
        <ConfirmButton
          label="Remove admin"
          confirmLabel="Remove admin"
          question={self ? "Remove your own admin rights?" : undefined}
          variant="ghost"
          ariaLabel={`Remove instance admin from ${u.email}`}
          pending={pendingAdmin}
          disabled={busy}
          onConfirm={() => apply({ instanceAdmin: false })}
        />
      ) : (
        <Button size="sm" variant="ghost" disabled={busy} onClick={() => apply({ instanceAdmin: true })} aria-label={`Make ${u.email} an instance admin`}>
          {pendingAdmin ? <Spinner className="size-3" /> : null} Make admin
        </Button>
      )}
      {u.disabled ? (
        <Button size="sm" variant="secondary" disabled={busy} onClick={() => apply({ disabled: false })} aria-label={`Enable ${u.email}`}>
          {pendingDisabled ? <Spinner className="size-3" /> : null} Enable
        </Button>
      ) : (
        <ConfirmButton
          label="Disable"
          confirmLabel="Disable"
          question={self ? "Lock yourself out?" : "Sign out and lock out?"}
          ariaLabel={`Disable ${u.email}`}
          pending={pendingDisabled}
          disabled={busy}
          onConfirm={() => apply({ disabled: true })}
        />
      )}
    </>
  );
}

function NewUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const create = useCreateUser();
  const close = () => {
    create.reset();
    onClose();
  };
  return (
    <Dialog open={open} onClose={close} title="New user" description="They sign in with this email and password, and can then be added to projects.">
      <NewUserForm create={create} onDone={close} />
    </Dialog>
  );
}

function NewUserForm({ create, onDone }: { create: ReturnType<typeof useCreateUser>; onDone: () => void }) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(false);
  const emailError = issueFor(create.error, /^email$/);
  const nameError = issueFor(create.error, /^name$/);
  const passwordError = (password && password.length < MIN_PASSWORD ? `At least ${MIN_PASSWORD} characters.` : undefined) ?? issueFor(create.error, /^password$/);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ email: email.trim(), name: name.trim(), password, instanceAdmin: admin }, { onSuccess: onDone });
  };

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="New user">
      <Field label="Email" htmlFor={`${id}-email`} error={emailError}>
        <input id={`${id}-email`} type="email" required autoFocus autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} className={cn(fieldClass, emailError && invalidFieldClass)} />
      </Field>
      <Field label="Name" htmlFor={`${id}-name`} error={nameError}>
        <input id={`${id}-name`} required autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} className={cn(fieldClass, nameError && invalidFieldClass)} />
      </Field>
      <Field label="Initial password" htmlFor={`${id}-password`} error={passwordError} hint={`At least ${MIN_PASSWORD} characters. Tell it to them over a safe channel.`}>
        <input
          id={`${id}-password`}
          type="password"
          required
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className={cn(fieldClass, passwordError && invalidFieldClass)}
        />
      </Field>
      <Checkbox checked={admin} onChange={setAdmin} label="Instance admin" description="Manages users and sees every project as an admin." />
      <FormError error={create.error} shown={/^(email|name|password)$/} />
      <FormFooter>
        <Button onClick={onDone} disabled={create.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={!email.trim() || !name.trim() || password.length < MIN_PASSWORD || create.isPending}>
          {create.isPending ? <Spinner className="size-3.5" /> : null} Create user
        </Button>
      </FormFooter>
    </form>
  );
}

function ResetPasswordDialog({ user, onClose }: { user: AccessUser | null; onClose: () => void }) {
  const update = useUpdateUser();
  const close = () => {
    update.reset();
    onClose();
  };
  return (
    <Dialog open={user !== null} onClose={close} title="Reset password" description={user ? `A new password for ${user.email}.` : undefined}>
      {user ? <ResetPasswordForm user={user} update={update} onDone={close} /> : null}
    </Dialog>
  );
}

function ResetPasswordForm({ user, update, onDone }: { user: AccessUser; update: ReturnType<typeof useUpdateUser>; onDone: () => void }) {
  const id = useId();
  const [password, setPassword] = useState("");
  const passwordError = (password && password.length < MIN_PASSWORD ? `At least ${MIN_PASSWORD} characters.` : undefined) ?? issueFor(update.error, /^password$/);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({ id: user.id, body: { password } }, { onSuccess: onDone });
  };
  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Reset password">
      <Field label="New password" htmlFor={`${id}-password`} error={passwordError} hint={`At least ${MIN_PASSWORD} characters.`}>
        <input
          id={`${id}-password`}
          type="password"
          required
          autoFocus
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className={cn(fieldClass, passwordError && invalidFieldClass)}
        />
      </Field>
      <FormError error={update.error} shown={/^password$/} />
      <FormFooter>
        <Button onClick={onDone} disabled={update.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={password.length < MIN_PASSWORD || update.isPending}>
          {update.isPending ? <Spinner className="size-3.5" /> : null} Set password
        </Button>
      </FormFooter>
    </form>
  );
}

"use client";

import { Fragment, useId, useState, type FormEvent } from "react";
import type { CreatedWebhook, Webhook, WebhookDelivery, WebhookDeliveryStatus } from "@/lib/api-types";
import { WEBHOOK_EVENTS } from "@/lib/api-types";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { formatDateTime, formatDuration, pluralize } from "@/lib/format";
import { useCreateWebhook, useDeleteWebhook, useRedeliverWebhook, useWebhookDeliveries, useWebhooks } from "@/lib/queries";
import { RelativeTime } from "../time";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Card, CardHeader, CopyButton, EmptyState, ErrorMessage, ErrorState, SecretValue, ShownOnceWarning, Spinner, TableSkeleton } from "../ui/feedback";
import { Checkbox, Field, FormFooter, fieldClass, invalidFieldClass } from "../ui/field";
import { ChevronRightIcon, PlusIcon, RefreshIcon, TrashIcon, WebhookIcon } from "../ui/icons";

const EVENT_HELP: Record<string, string> = {
  version_created: "a version is registered",
  stage_changed: "a version changes stage (promotions, archiving)",
  alias_set: "an alias is set or moved",
};

const DELIVERY_STYLE: Record<WebhookDeliveryStatus, string> = {
  pending: "bg-blue-50 text-blue-700 ring-blue-200",
  succeeded: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  failed: "bg-red-50 text-red-700 ring-red-200",
};

function DeliveryBadge({ status }: { status: WebhookDeliveryStatus }) {
  return (
    <span className={cn("inline-flex items-center rounded-full px-2 py-0.5 text-[11px] font-medium capitalize ring-1 ring-inset", DELIVERY_STYLE[status] ?? DELIVERY_STYLE.pending)} data-status={status}>
      {status}
    </span>
  );
}

/**
 * Webhooks of the project that fire for this model (its own and the project-wide ones):
 * HMAC-signed POSTs, retried with backoff, each with its delivery log.
 */
export function WebhooksSection({ project, modelName }: { project: string; modelName: string }) {
  const hooks = useWebhooks(project);
  const [creating, setCreating] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const items = (hooks.data?.items ?? []).filter((w) => w.modelName === null || w.modelName === modelName);
  const elsewhere = (hooks.data?.items.length ?? 0) - items.length;

  return (
    <Card className="overflow-hidden">
      <CardHeader
        title={
          <span className="flex items-center gap-1.5">
            <WebhookIcon className="text-slate-400" /> Webhooks
            {hooks.isFetching && !hooks.isPending ? <Spinner className="size-3 text-slate-300" /> : null}
          </span>
        }
        actions={
          <Button size="sm" variant="primary" onClick={() => setCreating(true)}>
            <PlusIcon /> Add webhook
          </Button>
        }
      />
      {hooks.isPending ? (
        <TableSkeleton rows={2} />
      ) : hooks.error ? (
        <ErrorState error={hooks.error} onRetry={() => void hooks.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState icon={<WebhookIcon />} title="No webhooks">
          Tell a deployment system or a chat channel when a version is registered, promoted or aliased: Trellis POSTs a JSON event, signed with
          HMAC-SHA256, and retries with backoff until it is accepted.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" data-testid="webhooks">
          {items.map((w) => (
            <WebhookItem key={w.id} project={project} hook={w} modelName={modelName} open={open === w.id} onToggle={() => setOpen(open === w.id ? null : w.id)} />
          ))}
        </ul>
      )}
      {elsewhere > 0 ? (
        <p className="border-t border-slate-100 px-4 py-2 text-xs text-slate-500">
          {pluralize(elsewhere, "webhook")} of other models of the project {elsewhere === 1 ? "is" : "are"} listed on their pages.
        </p>
      ) : null}
      <CreateWebhookDialog project={project} modelName={modelName} open={creating} onClose={() => setCreating(false)} />
    </Card>
  );
}

function WebhookItem({ project, hook: w, modelName, open, onToggle }: { project: string; hook: Webhook; modelName: string; open: boolean; onToggle: () => void }) {
  const remove = useDeleteWebhook(project);
  const [confirming, setConfirming] = useState(false);
  return (
    <li data-testid="webhook" data-webhook-id={w.id}>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
        <button type="button" onClick={onToggle} aria-expanded={open} data-testid="webhook-toggle" className="group flex min-w-0 flex-1 items-start gap-2 text-left">
          <ChevronRightIcon className={cn("mt-1 shrink-0 text-xs text-slate-400 transition-transform", open && "rotate-90")} />
          <span className="min-w-0">
            <span className="block truncate font-mono text-[13px] font-medium text-slate-900 group-hover:text-indigo-700" title={w.url}>
              {w.url}
            </span>
            <span className="mt-1 flex flex-wrap items-center gap-1">
              {w.events.map((e) => (
                <span key={e} className="rounded bg-slate-100 px-1.5 py-px font-mono text-[11px] text-slate-600">
                  {e}
                </span>
              ))}
              <span className="ml-1 text-xs text-slate-500">· {w.modelName === null ? "every model" : w.modelName === modelName ? "this model" : w.modelName}</span>
              {!w.active ? <span className="ml-1 rounded bg-slate-200 px-1.5 py-px text-[10px] font-semibold text-slate-600 uppercase">inactive</span> : null}
            </span>
          </span>
        </button>
        <div className="flex items-center gap-3 text-xs text-slate-500">
          {w.lastDelivery ? (
            <span className="flex items-center gap-1.5" data-testid="webhook-last-delivery">
              <DeliveryBadge status={w.lastDelivery.status} />
              <RelativeTime iso={w.lastDelivery.at} />
            </span>
          ) : (
            <span>No deliveries yet</span>
          )}
          {confirming ? (
            <span className="flex items-center gap-1">
              <Button size="sm" variant="danger" onClick={() => remove.mutate(w.id)} disabled={remove.isPending}>
                {remove.isPending ? <Spinner className="size-3" /> : null} Delete
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setConfirming(false)} disabled={remove.isPending}>
                Cancel
              </Button>
            </span>
          ) : (
            <button
              type="button"
              onClick={() => setConfirming(true)}
              aria-label={`Delete webhook ${w.url}`}
              className="rounded p-1.5 text-slate-400 hover:bg-red-50 hover:text-red-600"
            >
              <TrashIcon />
            </button>
          )}
        </div>
        {remove.error ? <ErrorMessage error={remove.error} className="w-full" /> : null}
      </div>
      {open ? <DeliveryLog project={project} hookId={w.id} /> : null}
    </li>
  );
}

function DeliveryLog({ project, hookId }: { project: string; hookId: string }) {
  const deliveries = useWebhookDeliveries(project, hookId, true);
  const redeliver = useRedeliverWebhook(project);
  const [expanded, setExpanded] = useState<string | null>(null);
  return (
    <div className="border-t border-slate-100 bg-slate-50/60 px-4 py-3" data-testid="delivery-log">
      <h4 className="mb-2 flex items-center gap-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">
        Delivery log {deliveries.isFetching ? <Spinner className="size-3 text-slate-300" /> : null}
      </h4>
      {deliveries.isPending ? (
        <p className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-3.5" /> Loading deliveries…
        </p>
      ) : deliveries.error ? (
        <ErrorMessage error={deliveries.error} />
      ) : deliveries.data.items.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing sent yet: a delivery is made for each matching event.</p>
      ) : (
        <div className="relative overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
          <table className="w-full min-w-[640px] text-left text-sm">
            <thead className="border-b border-slate-200 text-xs text-slate-500">
              <tr>
                <th className="px-3 py-2 font-medium">Event</th>
                <th className="px-3 py-2 font-medium">Status</th>
                <th className="px-3 py-2 text-right font-medium">Attempts</th>
                <th className="px-3 py-2 font-medium">Created</th>
                <th className="px-3 py-2 font-medium">Delivered / next try</th>
                <th className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {deliveries.data.items.map((d) => (
                <Fragment key={d.id}>
                  <tr data-testid="delivery" data-status={d.status} className={cn(expanded === d.id && "bg-indigo-50/40")}>
                    <td className="px-3 py-2">
                      <button
                        type="button"
                        onClick={() => setExpanded(expanded === d.id ? null : d.id)}
                        aria-expanded={expanded === d.id}
                        className="flex items-center gap-1.5 font-mono text-[12.5px] text-slate-800 hover:text-indigo-700"
                      >
                        <ChevronRightIcon className={cn("text-[10px] text-slate-400 transition-transform", expanded === d.id && "rotate-90")} />
                        {d.event}
                      </button>
                    </td>
                    <td className="px-3 py-2">
                      <DeliveryBadge status={d.status} />
                    </td>
                    <td className="px-3 py-2 text-right text-slate-700 tabular-nums">{d.attemptCount}</td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-500">
                      <RelativeTime iso={d.createdAt} />
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap text-slate-500">
                      {d.deliveredAt ? (
                        <RelativeTime iso={d.deliveredAt} />
                      ) : d.status === "pending" && d.nextAttemptAt ? (
                        <span title={formatDateTime(d.nextAttemptAt)}>
                          next <RelativeTime iso={d.nextAttemptAt} />
                        </span>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="px-3 py-2 text-right">
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => redeliver.mutate(d.id)}
                        disabled={redeliver.isPending && redeliver.variables === d.id}
                        title="Send this event again now"
                      >
                        {redeliver.isPending && redeliver.variables === d.id ? <Spinner className="size-3" /> : <RefreshIcon />} Redeliver
                      </Button>
                    </td>
                  </tr>
                  {expanded === d.id ? (
                    <tr>
                      <td colSpan={6} className="bg-slate-50/80 px-4 py-3">
                        <DeliveryDetail delivery={d} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {redeliver.error ? <ErrorMessage error={redeliver.error} className="mt-2" /> : null}
    </div>
  );
}

function DeliveryDetail({ delivery: d }: { delivery: WebhookDelivery }) {
  const payload = JSON.stringify(d.payload, null, 2);
  return (
    <div className="grid gap-4 lg:grid-cols-2" data-testid="delivery-detail">
      <div>
        <h5 className="mb-1.5 text-xs font-semibold text-slate-600">Attempts</h5>
        {d.attempts.length === 0 ? (
          <p className="text-sm text-slate-500">Not attempted yet.</p>
        ) : (
          <ol className="space-y-1.5">
            {d.attempts.map((a, i) => {
              const ok = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;
              return (
                <li key={i} className="rounded-md bg-white px-2.5 py-1.5 text-xs ring-1 ring-slate-200" data-testid="delivery-attempt">
                  <div className="flex flex-wrap items-center gap-x-3 gap-y-0.5">
                    <span className="font-medium text-slate-700">#{i + 1}</span>
                    <span className={cn("rounded px-1.5 py-px font-mono font-semibold", ok ? "bg-emerald-50 text-emerald-700" : "bg-red-50 text-red-700")}>
                      {a.statusCode ?? "no answer"}
                    </span>
                    <span className="text-slate-500 tabular-nums">{formatDuration(a.durationMs)}</span>
                    <span className="ml-auto text-slate-400">{formatDateTime(a.at)}</span>
                  </div>
                  {a.error ? <p className="mt-1 font-mono text-[11px] break-words text-red-700">{a.error}</p> : null}
                </li>
              );
            })}
          </ol>
        )}
      </div>
      <div className="min-w-0">
        <div className="mb-1.5 flex items-center justify-between">
          <h5 className="text-xs font-semibold text-slate-600">Payload</h5>
          <CopyButton text={payload} label="Copy payload" />
        </div>
        <pre className="max-h-72 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-[11.5px] leading-relaxed text-slate-100" data-testid="delivery-payload" tabIndex={0}>
          {payload}
        </pre>
      </div>
    </div>
  );
}

function CreateWebhookDialog({ project, modelName, open, onClose }: { project: string; modelName: string; open: boolean; onClose: () => void }) {
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const close = () => {
    setCreated(null);
    onClose();
  };
  return (
    <Dialog open={open} onClose={close} title={created ? "Webhook created" : "Add webhook"} description={created ? undefined : "Trellis POSTs each event as JSON, signed with a shared secret."} className="max-w-lg">
      {created ? <SecretOnce created={created} onDone={close} /> : <CreateWebhookForm project={project} modelName={modelName} onCreated={setCreated} onCancel={close} />}
    </Dialog>
  );
}

function CreateWebhookForm({ project, modelName, onCreated, onCancel }: { project: string; modelName: string; onCreated: (w: CreatedWebhook) => void; onCancel: () => void }) {
  const id = useId();
  const create = useCreateWebhook(project);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([...WEBHOOK_EVENTS]);
  const [scope, setScope] = useState<"model" | "all">("model");
  const [secret, setSecret] = useState("");
  const issues = create.error instanceof ApiError ? create.error.issues : [];
  const issue = (path: RegExp) => issues.filter((i) => path.test(i.path ?? "")).map((i) => i.message).join(" ") || undefined;
  const urlError = issue(/^url$/);
  const eventsError = issue(/^events/);
  const secretError = issue(/^secret$/);
  const other = issues.filter((i) => !/^(url|events|secret)/.test(i.path ?? ""));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { url: url.trim(), events, modelName: scope === "model" ? modelName : null, ...(secret ? { secret } : {}) },
      { onSuccess: onCreated },
    );
  };

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Add webhook">
      <Field label="Payload URL" htmlFor={`${id}-url`} error={urlError}>
        <input
          id={`${id}-url`}
          type="url"
          required
          autoFocus
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://deploy.example.com/hooks/trellis"
          className={cn(fieldClass, "font-mono text-[13px]", urlError && invalidFieldClass)}
        />
      </Field>
      <fieldset>
        <legend className="mb-1.5 text-sm font-medium text-slate-800">Events</legend>
        <div className="space-y-2">
          {WEBHOOK_EVENTS.map((ev) => (
            <Checkbox
              key={ev}
              checked={events.includes(ev)}
              onChange={(on) => setEvents(on ? [...events, ev] : events.filter((x) => x !== ev))}
              label={<code className="font-mono text-[13px]">{ev}</code>}
              description={`When ${EVENT_HELP[ev] ?? ev}.`}
            />
          ))}
        </div>
        {eventsError ? <p className="mt-1.5 text-xs font-medium text-red-600">{eventsError}</p> : null}
      </fieldset>
      <fieldset>
        <legend className="mb-1.5 text-sm font-medium text-slate-800">Models</legend>
        <div className="flex flex-wrap gap-4 text-sm text-slate-700">
          <label className="flex items-center gap-2">
            <input type="radio" name={`${id}-scope`} checked={scope === "model"} onChange={() => setScope("model")} className="accent-indigo-600" />
            Only <span className="font-mono">{modelName}</span>
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name={`${id}-scope`} checked={scope === "all"} onChange={() => setScope("all")} className="accent-indigo-600" />
            Every model of the project
          </label>
        </div>
      </fieldset>
      <Field label="Secret" htmlFor={`${id}-secret`} optional error={secretError} hint="At least 16 characters. Leave empty and Trellis generates one.">
        <input
          id={`${id}-secret`}
          type="password"
          autoComplete="new-password"
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
          className={cn(fieldClass, "font-mono text-[13px]", secretError && invalidFieldClass)}
        />
      </Field>
      {create.error && (other.length > 0 || (!urlError && !eventsError && !secretError)) ? (
        <ErrorMessage error={create.error instanceof ApiError ? new ApiError(create.error.status, create.error.code, create.error.message, other) : create.error} />
      ) : null}
      <FormFooter>
        <Button onClick={onCancel} disabled={create.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={!url.trim() || events.length === 0 || create.isPending}>
          {create.isPending ? <Spinner className="size-3.5" /> : null} Add webhook
        </Button>
      </FormFooter>
    </form>
  );
}

/** The signing secret, shown once. */
function SecretOnce({ created, onDone }: { created: CreatedWebhook; onDone: () => void }) {
  return (
    <div className="space-y-4" data-testid="webhook-secret">
      <ShownOnceWarning>
        Copy the signing secret now: <strong>it is shown only this once</strong>. The receiver checks each request&apos;s HMAC-SHA256 signature with it.
        If it is lost, delete the webhook and add it again.
      </ShownOnceWarning>
      <div>
        <p className="mb-1.5 text-sm font-medium text-slate-800">Signing secret</p>
        <SecretValue value={created.secret} label="Copy secret" testId="webhook-secret-value" />
      </div>
      <FormFooter>
        <Button variant="primary" onClick={onDone}>
          I&apos;ve copied it
        </Button>
      </FormFooter>
    </div>
  );
}

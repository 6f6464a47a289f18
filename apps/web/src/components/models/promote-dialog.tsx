"use client";

import { useId, useState, type FormEvent } from "react";
import type { ModelDetail, ModelStage, ModelVersion, StageTransitionResponse } from "@/lib/api-types";
import { MODEL_STAGES } from "@/lib/api-types";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { blockedGateMessages, failedGates, promotionTargets } from "@/lib/models";
import { useProjectRole } from "@/lib/project-role";
import { useModelGates, useTransitionModelVersion } from "@/lib/queries";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { ErrorMessage, Spinner } from "../ui/feedback";
import { Checkbox, Field, FormFooter, fieldClass, invalidFieldClass } from "../ui/field";
import { AlertIcon, ShieldIcon } from "../ui/icons";
import { GateResults } from "./gate-results";
import { StageBadge } from "./stage-badge";

const submitLabel = (stage: ModelStage) =>
  stage === "Production" ? "Promote to Production" : stage === "Staging" ? "Move to Staging" : stage === "Archived" ? "Archive" : "Move to None";

/**
 * Moves a version to another stage. For Production it shows, before anything is submitted,
 * the gate dry run (which gates pass or fail and by how much), which version would be
 * archived, and — only when a gate fails — the admin override with its required reason.
 */
export function PromoteDialog({
  project,
  model,
  version,
  open,
  onClose,
  onDone,
}: {
  project: string;
  model: ModelDetail;
  version: ModelVersion;
  open: boolean;
  onClose: () => void;
  onDone: (result: StageTransitionResponse) => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Change the stage of v${version.version}`}
      description={
        <span className="flex items-center gap-1.5">
          {model.name} · now <StageBadge stage={version.stage} size="sm" />
        </span>
      }
      className="max-w-xl"
    >
      <PromoteForm project={project} model={model} version={version} onClose={onClose} onDone={onDone} />
    </Dialog>
  );
}

function PromoteForm({
  project,
  model,
  version,
  onClose,
  onDone,
}: {
  project: string;
  model: ModelDetail;
  version: ModelVersion;
  onClose: () => void;
  onDone: (result: StageTransitionResponse) => void;
}) {
  const id = useId();
  const targets = promotionTargets(version.stage);
  const [target, setTarget] = useState<ModelStage>(targets[0]!);
  const [comment, setComment] = useState("");
  const [archive, setArchive] = useState(true);
  const [override, setOverride] = useState(false);
  const [reason, setReason] = useState("");
  const [reasonTouched, setReasonTouched] = useState(false);
  const transition = useTransitionModelVersion(project, model.name, version.version);
  // Overriding failed gates is for project admins (the API refuses it to anyone else).
  const isAdmin = useProjectRole(project).can("admin");

  const toProduction = target === "Production";
  const gates = useModelGates(project, model.name, version.version, toProduction);
  const results = gates.data?.gateResults ?? [];
  const failing = failedGates(results);
  const currentProduction = model.versions.filter((v) => v.stage === "Production" && v.version !== version.version);

  const error = transition.error;
  const blockedMessages = error instanceof ApiError && error.status === 409 ? blockedGateMessages(error.issues) : [];
  const blocked = blockedMessages.length > 0;
  const canOverride = isAdmin && toProduction && (failing.length > 0 || blocked);
  const overriding = canOverride && override;
  const reasonMissing = overriding && !reason.trim();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (transition.isPending) return;
    if (reasonMissing) {
      setReasonTouched(true);
      return;
    }
    transition.mutate(
      {
        stage: target,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
        ...(toProduction ? { archiveExisting: archive } : {}),
        ...(overriding ? { overrideReason: reason.trim() } : {}),
        expectedStage: version.stage,
      },
      { onSuccess: onDone },
    );
  };

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Change stage">
      <Field label="Target stage" htmlFor={`${id}-stage`}>
        <select
          id={`${id}-stage`}
          value={target}
          onChange={(e) => {
            setTarget(e.target.value as ModelStage);
            transition.reset();
          }}
          className={fieldClass}
        >
          {MODEL_STAGES.filter((s) => targets.includes(s)).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </Field>

      {toProduction ? (
        <>
          <section aria-labelledby={`${id}-gates-title`} data-testid="promote-gates">
            <h3 id={`${id}-gates-title`} className="mb-1.5 flex items-center gap-1.5 text-sm font-medium text-slate-800">
              <ShieldIcon className="text-slate-400" /> Promotion gates
              {gates.isFetching ? <Spinner className="size-3 text-slate-300" /> : null}
              {gates.data && results.length > 0 ? (
                <span
                  className={cn(
                    "ml-auto rounded-full px-2 py-px text-[11px] font-medium ring-1 ring-inset",
                    failing.length ? "bg-red-50 text-red-700 ring-red-200" : "bg-emerald-50 text-emerald-700 ring-emerald-200",
                  )}
                  data-testid="gates-summary"
                >
                  {failing.length ? `${failing.length} of ${results.length} failing` : `all ${results.length} passing`}
                </span>
              ) : null}
            </h3>
            {gates.isPending ? (
              <p className="flex items-center gap-2 rounded-lg bg-slate-50 px-3 py-2.5 text-sm text-slate-500 ring-1 ring-slate-200">
                <Spinner className="size-3.5" /> Checking the gates against this version&apos;s metrics…
              </p>
            ) : gates.error ? (
              <ErrorMessage error={gates.error} />
            ) : results.length === 0 ? (
              <p className="rounded-lg bg-slate-50 px-3 py-2.5 text-sm text-slate-500 ring-1 ring-slate-200">
                This model&apos;s policy has no gates: any version can be promoted.
              </p>
            ) : (
              <>
                <GateResults results={results} testId="gate-dry-run" />
                <p className="mt-1 text-[11px] text-slate-400">A dry run against the latest metrics of this version&apos;s run and of the current Production version.</p>
              </>
            )}
          </section>

          {currentProduction.length > 0 ? (
            <Checkbox
              checked={archive}
              onChange={setArchive}
              label={`Archive ${currentProduction.map((v) => `v${v.version}`).join(", ")} (now in Production)`}
              description="Unticked, both versions stay in Production."
            />
          ) : (
            <p className="text-xs text-slate-500">No version is in Production yet: this one becomes the first.</p>
          )}
        </>
      ) : null}

      <Field label="Comment" htmlFor={`${id}-comment`} optional hint="Recorded in the audit trail with your name.">
        <textarea
          id={`${id}-comment`}
          rows={2}
          value={comment}
          maxLength={2000}
          onChange={(e) => setComment(e.target.value)}
          placeholder={toProduction ? "Why this version should serve: what was validated, the ticket…" : "Why?"}
          className={fieldClass}
        />
      </Field>

      {blocked ? (
        <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3.5 py-3 text-sm text-red-800" data-testid="promotion-blocked">
          <p className="flex items-center gap-2 font-semibold">
            <AlertIcon className="shrink-0 text-red-500" /> Promotion blocked: {blockedMessages.length === 1 ? "a gate failed" : `${blockedMessages.length} gates failed`}
          </p>
          <ul className="mt-1.5 list-disc space-y-0.5 pl-6 text-red-700">
            {blockedMessages.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
          <p className="mt-2 text-xs text-red-700">
            {isAdmin ? "Nothing was changed. Fix the version, or override the gates below with a reason." : "Nothing was changed. Fix the version, or ask a project admin to override the gates."}
          </p>
        </div>
      ) : error ? (
        <ErrorMessage error={error} />
      ) : null}

      {canOverride ? (
        <div className={cn("rounded-lg border px-3.5 py-3", override ? "border-amber-300 bg-amber-50" : "border-slate-200 bg-slate-50/60")} data-testid="override">
          <Checkbox
            checked={override}
            onChange={(v) => {
              setOverride(v);
              setReasonTouched(false);
            }}
            label={
              <span className="flex items-center gap-2">
                Override the failing gates
                <span className="rounded bg-amber-200/70 px-1.5 py-px text-[10px] font-semibold tracking-wide text-amber-900 uppercase">Admin action</span>
              </span>
            }
            description="The promotion and your reason are recorded in the audit trail under your name."
          />
          {override ? (
            <Field
              label="Reason for overriding"
              htmlFor={`${id}-reason`}
              className="mt-3"
              error={reasonTouched && reasonMissing ? "Write why the gates are overridden." : undefined}
            >
              <textarea
                id={`${id}-reason`}
                rows={2}
                value={reason}
                maxLength={2000}
                required
                onChange={(e) => setReason(e.target.value)}
                onBlur={() => setReasonTouched(true)}
                placeholder="e.g. the holdout set changed; accuracy on the new set is comparable (see ticket ML-123)"
                className={cn(fieldClass, reasonTouched && reasonMissing && invalidFieldClass)}
              />
            </Field>
          ) : null}
        </div>
      ) : null}

      <FormFooter>
        <Button onClick={onClose} disabled={transition.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant={overriding ? "danger" : "primary"} disabled={transition.isPending || (overriding && reasonMissing && reasonTouched)}>
          {transition.isPending ? <Spinner className="size-3.5" /> : null}
          {overriding ? "Override and promote" : submitLabel(target)}
        </Button>
      </FormFooter>
    </form>
  );
}

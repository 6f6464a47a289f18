"use client";

import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import type { ModelVersion } from "@/lib/api-types";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { runLabel } from "@/lib/format";
import { useProjectRole } from "@/lib/project-role";
import { useModels, useRegisterModelVersion } from "@/lib/queries";
import { modelPath } from "@/lib/route-params";
import { Button, buttonClasses } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { ErrorMessage, Spinner } from "../ui/feedback";
import { Field, FormFooter, fieldBaseClass, fieldClass, invalidFieldClass } from "../ui/field";
import { CheckIcon, ModelIcon } from "../ui/icons";

/** A run's artifact output that can become a model version. */
export interface RegisterSource {
  runId: string;
  runName: string | null;
  stepName: string;
  outputName: string;
}

/**
 * "Register model" for an artifact of type model: pick a model (an existing one, or a new
 * name, which creates it) and the artifact becomes its next version. Editors and admins only.
 */
export function RegisterModelButton({
  project,
  sources,
  size = "sm",
  variant = "secondary",
  className,
}: {
  project: string;
  /** The outputs that produced the artifact (the first is the default). */
  sources: RegisterSource[];
  size?: "sm" | "md";
  variant?: "primary" | "secondary";
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const canEdit = useProjectRole(project).can("edit");
  if (sources.length === 0 || !canEdit) return null;
  return (
    <>
      <Button size={size} variant={variant} onClick={() => setOpen(true)} className={className} data-testid="register-model">
        <ModelIcon /> Register model
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Register model" description="The artifact becomes a new version of a registered model." className="max-w-lg">
        <RegisterForm project={project} sources={sources} onClose={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function RegisterForm({ project, sources, onClose }: { project: string; sources: RegisterSource[]; onClose: () => void }) {
  const id = useId();
  const models = useModels(project, "");
  const register = useRegisterModelVersion(project);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [sourceIndex, setSourceIndex] = useState(0);
  const [done, setDone] = useState<{ name: string; version: ModelVersion; existed: boolean } | null>(null);
  const source = sources[sourceIndex] ?? sources[0]!;
  const existing = (models.data?.items ?? []).find((m) => m.name === name.trim()) ?? null;

  if (done) {
    return (
      <div className="space-y-4" data-testid="register-done">
        <div className="flex gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-3.5 py-3 text-sm text-emerald-900" role="status">
          <CheckIcon className="mt-0.5 shrink-0 text-emerald-600" />
          <p>
            {done.existed ? "This artifact was already registered as " : "Registered as "}
            <span className="font-semibold">
              {done.name} v{done.version.version}
            </span>
            {done.existed ? "." : done.version.stage === "None" ? ". Promote it from the model's page." : ` (in ${done.version.stage}).`}
          </p>
        </div>
        <FormFooter>
          <Button onClick={onClose}>Close</Button>
          <Link href={modelPath(project, done.name, { version: done.version.version })} className={buttonClasses("primary")} onClick={onClose}>
            Open v{done.version.version}
          </Link>
        </FormFooter>
      </div>
    );
  }

  const apiError = register.error instanceof ApiError ? register.error : null;
  const nameError = apiError?.issues.filter((i) => i.path === "name" || i.path === "modelName").map((i) => i.message).join(" ") || undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const model = name.trim();
    const before = existing?.latestVersion ?? 0;
    register.mutate(
      {
        name: model,
        body: {
          runId: source.runId,
          stepName: source.stepName,
          outputName: source.outputName,
          ...(description.trim() ? { description: description.trim() } : {}),
          createModel: true,
        },
      },
      { onSuccess: (version) => setDone({ name: model, version, existed: version.version <= before }) },
    );
  };

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Register model">
      <div className="rounded-lg bg-slate-50 px-3 py-2 text-sm ring-1 ring-slate-200">
        <p className="text-[11px] font-medium tracking-wide text-slate-400 uppercase">Artifact</p>
        {sources.length > 1 ? (
          <select aria-label="Producing run" value={sourceIndex} onChange={(e) => setSourceIndex(Number(e.target.value))} className={cn(fieldBaseClass, "mt-1 block h-8 w-full px-2.5 text-[13px]")}>
            {sources.map((s, i) => (
              <option key={`${s.runId}:${s.stepName}:${s.outputName}`} value={i}>
                {s.stepName}.{s.outputName} of run {runLabel({ id: s.runId, name: s.runName })}
              </option>
            ))}
          </select>
        ) : (
          <p className="mt-0.5 text-slate-700">
            <span className="font-mono text-[13px] font-medium">
              {source.stepName}.{source.outputName}
            </span>{" "}
            of run <span className="font-medium">{runLabel({ id: source.runId, name: source.runName })}</span>
          </p>
        )}
      </div>
      <Field
        label="Model"
        htmlFor={`${id}-name`}
        error={nameError}
        hint={
          !name.trim()
            ? "Pick an existing model or type a new name."
            : existing
              ? `Adds version ${existing.latestVersion + 1} to ${existing.name}.`
              : `New model: ${name.trim()} is created with this artifact as v1.`
        }
      >
        <input
          id={`${id}-name`}
          list={`${id}-models`}
          autoFocus
          required
          maxLength={128}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder={models.data?.items[0]?.name ?? "churn-classifier"}
          autoComplete="off"
          className={cn(fieldClass, "font-mono", nameError && invalidFieldClass)}
        />
        <datalist id={`${id}-models`}>
          {(models.data?.items ?? []).map((m) => (
            <option key={m.name} value={m.name}>
              {m.description || `${m.versionCount} versions`}
            </option>
          ))}
        </datalist>
      </Field>
      {(models.data?.items.length ?? 0) > 0 ? (
        <div className="-mt-2 flex flex-wrap gap-1.5" aria-label="Existing models">
          {models.data!.items.slice(0, 8).map((m) => (
            <button
              key={m.name}
              type="button"
              onClick={() => setName(m.name)}
              className={cn(
                "rounded-md px-2 py-0.5 font-mono text-xs ring-1 ring-inset",
                m.name === name.trim() ? "bg-indigo-50 text-indigo-700 ring-indigo-300" : "bg-white text-slate-600 ring-slate-200 hover:bg-slate-50",
              )}
            >
              {m.name}
            </button>
          ))}
        </div>
      ) : null}
      <Field label="Description" htmlFor={`${id}-description`} optional>
        <textarea id={`${id}-description`} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What changed in this version" className={fieldClass} />
      </Field>
      {register.error && !nameError ? <ErrorMessage error={register.error} /> : null}
      <FormFooter>
        <Button onClick={onClose} disabled={register.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={!name.trim() || register.isPending}>
          {register.isPending ? <Spinner className="size-3.5" /> : null} Register
        </Button>
      </FormFooter>
    </form>
  );
}

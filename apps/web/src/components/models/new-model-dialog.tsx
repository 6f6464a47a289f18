"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { gateIssuesByLine, gateLines } from "@/lib/models";
import { useCreateModel } from "@/lib/queries";
import { modelPath } from "@/lib/route-params";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { ErrorMessage, Spinner } from "../ui/feedback";
import { Field, FormFooter, fieldClass, invalidFieldClass } from "../ui/field";
import { GatesEditor, GatesHelp } from "./gates-editor";

/** "New model": name, description and promotion gates; opens the model's page once created. */
export function NewModelDialog({ project, open, onClose }: { project: string; open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="New model" description="Register versions of it from runs' model artifacts." className="max-w-lg">
      <NewModelForm project={project} onClose={onClose} />
    </Dialog>
  );
}

function NewModelForm({ project, onClose }: { project: string; onClose: () => void }) {
  const id = useId();
  const router = useRouter();
  const create = useCreateModel(project);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [gatesDraft, setGatesDraft] = useState("");
  // Errors belong to what was submitted; editing the field clears its own.
  const [shownFor, setShownFor] = useState<{ name: string; gates: string } | null>(null);

  const { gates, lines } = gateLines(gatesDraft);
  const apiError = create.error instanceof ApiError ? create.error : null;
  const issues = apiError?.issues ?? [];
  const isGateIssue = (path: string) => /gates\[\d+\]$/.test(path);
  const nameIssues = issues.filter((i) => i.path === "name");
  const gateIssues = issues.filter((i) => isGateIssue(i.path ?? ""));
  const other = issues.filter((i) => i.path !== "name" && !isGateIssue(i.path ?? ""));
  // A conflict ("already exists") carries no issue: it is about the name.
  const conflict = apiError?.status === 409;
  const nameError = shownFor?.name === name ? nameIssues.map((i) => i.message).join(" ") || (conflict ? apiError!.message : "") : "";
  const byLine = shownFor?.gates === gatesDraft ? gateIssuesByLine(gateIssues, lines).byLine : new Map<number, string[]>();
  const generalError = !create.error
    ? null
    : !apiError
      ? create.error
      : other.length > 0
        ? new ApiError(apiError.status, apiError.code, apiError.message, other)
        : nameIssues.length || gateIssues.length || conflict
          ? null
          : apiError;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setShownFor({ name, gates: gatesDraft });
    create.mutate(
      { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), ...(gates.length ? { gates } : {}) },
      {
        onSuccess: (model) => {
          onClose();
          router.push(modelPath(project, model.name));
        },
      },
    );
  };

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="New model">
      <Field label="Name" htmlFor={`${id}-name`} error={nameError || undefined} hint="Letters, digits, spaces, “.”, “_” and “-”. It cannot be changed later.">
        <input
          id={`${id}-name`}
          autoFocus
          required
          maxLength={128}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="churn-classifier"
          className={cn(fieldClass, "font-mono", nameError && invalidFieldClass)}
          aria-invalid={nameError ? true : undefined}
        />
      </Field>
      <Field label="Description" htmlFor={`${id}-description`} optional>
        <textarea
          id={`${id}-description`}
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          placeholder="What it predicts, and for whom"
          className={fieldClass}
        />
      </Field>
      <div>
        <label htmlFor={`${id}-gates`} className="mb-1.5 flex items-baseline gap-1.5 text-sm font-medium text-slate-800">
          Promotion gates <span className="text-xs font-normal text-slate-400">optional</span>
        </label>
        <GatesEditor id={`${id}-gates`} value={gatesDraft} onChange={setGatesDraft} errors={byLine} describedBy={`${id}-gates-help`} />
        <GatesHelp id={`${id}-gates-help`} />
      </div>
      {generalError ? <ErrorMessage error={generalError} /> : null}
      <FormFooter>
        <Button onClick={onClose} disabled={create.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={!name.trim() || create.isPending}>
          {create.isPending ? <Spinner className="size-3.5" /> : null} Create model
        </Button>
      </FormFooter>
    </form>
  );
}

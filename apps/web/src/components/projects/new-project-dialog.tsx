"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { ApiError } from "@/lib/api";
import { cn } from "@/lib/cn";
import { useCreateProject } from "@/lib/queries";
import { projectPath } from "@/lib/route-params";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { ErrorMessage, Spinner } from "../ui/feedback";
import { Field, FormFooter, fieldClass, invalidFieldClass } from "../ui/field";

/** The API's rule for project names. */
const NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** "New project": anyone signed in may create one, and becomes its admin. */
export function NewProjectDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="New project" description="You become its admin and can add members from its settings." className="max-w-lg">
      <NewProjectForm onClose={onClose} />
    </Dialog>
  );
}

function NewProjectForm({ onClose }: { onClose: () => void }) {
  const id = useId();
  const router = useRouter();
  const create = useCreateProject();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [submittedName, setSubmittedName] = useState<string | null>(null);

  const trimmed = name.trim();
  const localProblem = trimmed && !NAME_RE.test(trimmed) ? "Use lowercase letters, digits and dashes, starting with a letter or digit (at most 63)." : null;
  const apiError = create.error instanceof ApiError ? create.error : null;
  // An answer about the name belongs to the name that was sent; editing it clears the error.
  const nameApiError =
    submittedName === name && apiError && (apiError.status === 409 || apiError.issues.some((i) => i.path === "name"))
      ? apiError.issues.find((i) => i.path === "name")?.message ?? apiError.message
      : null;
  const nameError = localProblem ?? nameApiError;
  const generalError = create.error && !nameApiError ? create.error : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed || localProblem) return;
    setSubmittedName(name);
    create.mutate(
      { name: trimmed, ...(description.trim() ? { description: description.trim() } : {}) },
      {
        onSuccess: (project) => {
          onClose();
          router.push(projectPath(project.name, "pipelines"));
        },
      },
    );
  };

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="New project">
      <Field label="Name" htmlFor={`${id}-name`} error={nameError ?? undefined} hint="Lowercase letters, digits and dashes. It cannot be changed later.">
        <input
          id={`${id}-name`}
          autoFocus
          required
          maxLength={63}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="fraud-detection"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={nameError ? true : undefined}
          className={cn(fieldClass, nameError && invalidFieldClass)}
        />
      </Field>
      <Field label="Description" htmlFor={`${id}-description`} optional>
        <textarea
          id={`${id}-description`}
          rows={2}
          maxLength={2000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          className={fieldClass}
        />
      </Field>
      {generalError ? <ErrorMessage error={generalError} /> : null}
      <FormFooter>
        <Button variant="ghost" onClick={onClose} disabled={create.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={create.isPending || !trimmed || !!localProblem}>
          {create.isPending ? <Spinner className="size-3.5" /> : null}
          Create project
        </Button>
      </FormFooter>
    </form>
  );
}

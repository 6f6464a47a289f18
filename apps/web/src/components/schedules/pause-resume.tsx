"use client";

import type { Schedule } from "@/lib/api-types";
import { useProjectRole } from "@/lib/project-role";
import { useSetSchedulePaused } from "@/lib/queries";
import { Button } from "../ui/button";
import { Spinner } from "../ui/feedback";
import { PauseIcon, PlayIcon } from "../ui/icons";

/** Pause / Resume of one schedule (editors and admins); a failure is shown as an alert line. */
export function PauseResumeButton({ project, schedule, size = "md" }: { project: string; schedule: Pick<Schedule, "id" | "name" | "paused" | "catchup">; size?: "sm" | "md" }) {
  const toggle = useSetSchedulePaused(project);
  const pending = toggle.isPending && toggle.variables?.id === schedule.id;
  const resume = schedule.paused;
  const canEdit = useProjectRole(project).can("edit");
  if (!canEdit) return null;
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <Button
        size={size}
        variant="secondary"
        disabled={pending}
        data-testid={resume ? "resume-schedule" : "pause-schedule"}
        aria-label={`${resume ? "Resume" : "Pause"} ${schedule.name}`}
        title={
          resume
            ? schedule.catchup
              ? "Resume: fire times missed while paused run too (catchup is on)."
              : "Resume: runs start again from the next fire time (catchup is off)."
            : "Pause: no new runs start until resumed. Running runs continue."
        }
        onClick={() => toggle.mutate({ id: schedule.id, paused: !resume })}
      >
        {pending ? <Spinner className="size-3.5" /> : resume ? <PlayIcon /> : <PauseIcon />}
        {resume ? "Resume" : "Pause"}
      </Button>
      {toggle.error && toggle.variables?.id === schedule.id ? (
        <span role="alert" className="max-w-[14rem] text-right text-[11px] text-red-600">
          {toggle.error.message}
        </span>
      ) : null}
    </span>
  );
}

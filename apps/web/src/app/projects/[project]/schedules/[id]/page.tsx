import type { Metadata } from "next";
import { ScheduleView } from "@/components/schedule-view";
import { decodeParam } from "@/lib/route-params";

type Params = Promise<{ project: string; id: string }>;

export const metadata: Metadata = { title: "Schedule" };

export default async function SchedulePage({ params }: { params: Params }) {
  const { project, id } = await params;
  return <ScheduleView project={decodeParam(project)} id={decodeParam(id)} />;
}

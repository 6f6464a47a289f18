import type { Metadata } from "next";
import { SchedulesView } from "@/components/schedules-view";
import { decodeParam } from "@/lib/route-params";

export const metadata: Metadata = { title: "Schedules" };

export default async function SchedulesPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <SchedulesView project={decodeParam(project)} />;
}

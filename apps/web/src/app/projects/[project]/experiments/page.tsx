import type { Metadata } from "next";
import { ExperimentsView } from "@/components/experiments-view";
import { decodeParam } from "@/lib/route-params";

export const metadata: Metadata = { title: "Experiments" };

export default async function ExperimentsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <ExperimentsView project={decodeParam(project)} />;
}

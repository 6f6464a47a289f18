import type { Metadata } from "next";
import { PipelinesView } from "@/components/pipelines-view";
import { decodeParam } from "@/lib/route-params";

export const metadata: Metadata = { title: "Pipelines" };

export default async function PipelinesPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <PipelinesView project={decodeParam(project)} />;
}

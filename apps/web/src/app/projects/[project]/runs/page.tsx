import type { Metadata } from "next";
import { Suspense } from "react";
import { RunsView } from "@/components/runs-view";
import { decodeParam } from "@/lib/route-params";

export const metadata: Metadata = { title: "Runs" };

export default async function RunsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  // RunsView keeps its filters in the query string (useSearchParams) → needs a Suspense boundary.
  return (
    <Suspense>
      <RunsView project={decodeParam(project)} />
    </Suspense>
  );
}

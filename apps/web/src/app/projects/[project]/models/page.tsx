import type { Metadata } from "next";
import { Suspense } from "react";
import { ModelsView } from "@/components/models-view";
import { decodeParam } from "@/lib/route-params";

export const metadata: Metadata = { title: "Models" };

export default async function ModelsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  // The search is kept in the query string (useSearchParams).
  return (
    <Suspense>
      <ModelsView project={decodeParam(project)} />
    </Suspense>
  );
}

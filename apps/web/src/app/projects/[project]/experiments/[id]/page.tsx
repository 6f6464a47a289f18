import type { Metadata } from "next";
import { Suspense } from "react";
import { ExperimentView } from "@/components/experiment-view";
import { decodeParam } from "@/lib/route-params";

type Params = Promise<{ project: string; id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Experiment ${decodeParam(id)}` };
}

export default async function ExperimentPage({ params }: { params: Params }) {
  const { project, id } = await params;
  // ExperimentView keeps its filter and sort in the query string (useSearchParams) → Suspense boundary.
  return (
    <Suspense>
      <ExperimentView project={decodeParam(project)} idParam={decodeParam(id)} />
    </Suspense>
  );
}

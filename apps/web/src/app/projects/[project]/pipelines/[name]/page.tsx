import type { Metadata } from "next";
import { Suspense } from "react";
import { PipelineView } from "@/components/pipeline-view";
import { decodeParam } from "@/lib/route-params";

type Params = Promise<{ project: string; name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { name } = await params;
  return { title: decodeParam(name) };
}

export default async function PipelinePage({ params }: { params: Params }) {
  const { project, name } = await params;
  // PipelineView reads ?version= (useSearchParams), which requires a Suspense boundary.
  return (
    <Suspense>
      <PipelineView project={decodeParam(project)} name={decodeParam(name)} />
    </Suspense>
  );
}

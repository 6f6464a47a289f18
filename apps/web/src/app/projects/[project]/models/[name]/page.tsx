import type { Metadata } from "next";
import { Suspense } from "react";
import { ModelView } from "@/components/model-view";
import { decodeParam } from "@/lib/route-params";

type Params = Promise<{ project: string; name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { name } = await params;
  return { title: `Model ${decodeParam(name)}` };
}

export default async function ModelPage({ params }: { params: Params }) {
  const { project, name } = await params;
  // The tab and the selected version live in the query string (useSearchParams).
  return (
    <Suspense>
      <ModelView project={decodeParam(project)} name={decodeParam(name)} />
    </Suspense>
  );
}

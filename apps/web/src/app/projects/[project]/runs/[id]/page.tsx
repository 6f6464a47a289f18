import type { Metadata } from "next";
import { Suspense } from "react";
import { RunView } from "@/components/run-view";
import { shortId } from "@/lib/format";
import { decodeParam } from "@/lib/route-params";

type Params = Promise<{ project: string; id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Run ${shortId(decodeParam(id))}` };
}

export default async function RunPage({ params }: { params: Params }) {
  const { project, id } = await params;
  // RunView reads ?step= (useSearchParams), which requires a Suspense boundary.
  return (
    <Suspense>
      <RunView project={decodeParam(project)} id={decodeParam(id)} />
    </Suspense>
  );
}

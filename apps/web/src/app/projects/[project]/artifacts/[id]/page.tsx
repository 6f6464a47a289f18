import type { Metadata } from "next";
import { Suspense } from "react";
import { ArtifactView } from "@/components/artifact-view";
import { shortId } from "@/lib/format";
import { decodeParam } from "@/lib/route-params";

type Params = Promise<{ project: string; id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Artifact ${shortId(decodeParam(id))}` };
}

export default async function ArtifactPage({ params }: { params: Params }) {
  const { project, id } = await params;
  // ArtifactView keeps the previewed file and the lineage direction in the query string (useSearchParams).
  return (
    <Suspense>
      <ArtifactView project={decodeParam(project)} id={decodeParam(id)} />
    </Suspense>
  );
}

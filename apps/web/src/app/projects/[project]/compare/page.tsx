import type { Metadata } from "next";
import { Suspense } from "react";
import { CompareView } from "@/components/compare/compare-view";
import { decodeParam } from "@/lib/route-params";

export const metadata: Metadata = { title: "Compare runs" };

export default async function ComparePage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  // The selection lives in ?runs=a,b,c (useSearchParams) so a comparison can be shared as a link.
  return (
    <Suspense>
      <CompareView project={decodeParam(project)} />
    </Suspense>
  );
}

import type { Metadata } from "next";
import { Suspense } from "react";
import { ProjectSettingsView } from "@/components/settings/project-settings-view";
import { decodeParam } from "@/lib/route-params";

export const metadata: Metadata = { title: "Settings" };

export default async function ProjectSettingsPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  // The tab lives in the query string (useSearchParams).
  return (
    <Suspense>
      <ProjectSettingsView project={decodeParam(project)} />
    </Suspense>
  );
}

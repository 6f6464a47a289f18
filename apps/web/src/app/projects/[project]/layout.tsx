import type { ReactNode } from "react";
import { ProjectGate } from "@/components/project-gate";
import { decodeParam } from "@/lib/route-params";

export default async function ProjectLayout({ children, params }: { children: ReactNode; params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <ProjectGate project={decodeParam(project)}>{children}</ProjectGate>;
}

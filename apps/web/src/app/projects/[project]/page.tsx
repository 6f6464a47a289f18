import { redirect } from "next/navigation";
import { decodeParam, projectPath } from "@/lib/route-params";

export default async function ProjectHome({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  redirect(projectPath(decodeParam(project), "runs"));
}

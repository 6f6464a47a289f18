"use client";

import "@xyflow/react/dist/style.css";

import { Background, Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import Link from "next/link";
import { memo, useMemo } from "react";
import type { LineageGraph, LineageNode } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatBytes, shortDigest, shortId } from "@/lib/format";
import { LINEAGE_NODE_SIZE, layoutLineage, lineageSignature } from "@/lib/lineage-layout";
import { artifactPath, projectPath, stepPath } from "@/lib/route-params";
import { statusStyle } from "@/lib/status";
import { StatusDot } from "./status-badge";

type Data = { node: LineageNode; href: string; root: boolean; current: boolean };
type FlowNode = Node<Data, LineageNode["kind"]>;

const TYPE_COLORS: Record<string, string> = {
  dataset: "bg-sky-100 text-sky-800",
  model: "bg-violet-100 text-violet-800",
  metrics: "bg-emerald-100 text-emerald-800",
  file: "bg-slate-100 text-slate-700",
  directory: "bg-amber-100 text-amber-800",
};

export function ArtifactTypeBadge({ type, className }: { type: string | null; className?: string }) {
  return (
    <span className={cn("rounded px-1.5 py-px text-[10px] font-semibold tracking-wide uppercase", TYPE_COLORS[type ?? ""] ?? TYPE_COLORS.file, className)}>
      {type ?? "artifact"}
    </span>
  );
}

const handles = (
  <>
    <Handle type="target" position={Position.Left} isConnectable={false} className="opacity-0!" />
    <Handle type="source" position={Position.Right} isConnectable={false} className="opacity-0!" />
  </>
);

const box = "nodrag nopan flex h-full w-full flex-col justify-center rounded-lg border-[1.5px] px-3 text-left shadow-xs transition-shadow hover:shadow-md";

function ArtifactNodeView({ data }: NodeProps<FlowNode>) {
  const n = data.node as Extract<LineageNode, { kind: "artifact" }>;
  return (
    <>
      {handles}
      <Link
        href={data.href}
        className={cn(box, "border-slate-300 bg-white", n.raw && "border-sky-400 bg-sky-50/60", data.root && "ring-2 ring-indigo-500 ring-offset-2")}
        data-testid="lineage-node-artifact"
        data-artifact-id={n.artifactId}
        data-name={n.name ?? undefined}
        data-raw={n.raw ? "true" : undefined}
        title={`${n.type ?? "artifact"} ${n.name ?? ""} · ${n.storage} · sha256 ${n.digest}`}
      >
        <div className="flex min-w-0 items-center gap-1.5">
          <ArtifactTypeBadge type={n.type} />
          <span className="truncate text-[13px] font-semibold text-slate-800">{n.name ?? shortDigest(n.digest)}</span>
          {n.raw ? <span className="ml-auto shrink-0 text-[10px] font-medium text-sky-700">raw</span> : null}
        </div>
        <div className="mt-1 truncate font-mono text-[11px] text-slate-500">
          {formatBytes(n.size)} · {n.storage === "directory" ? "dir · " : ""}
          {shortDigest(n.digest)}
        </div>
      </Link>
    </>
  );
}

function StepNodeView({ data }: NodeProps<FlowNode>) {
  const n = data.node as Extract<LineageNode, { kind: "step" }>;
  const style = statusStyle(n.status);
  return (
    <>
      {handles}
      <Link
        href={data.href}
        className={cn(box, style.node, "animate-none", data.root && "ring-2 ring-indigo-500 ring-offset-2")}
        data-testid="lineage-node-step"
        data-step={n.stepName}
        data-run-id={n.runId}
        data-cached={n.cached ? "true" : undefined}
        title={`Step ${n.stepName} of run ${n.runId}${n.cachedFrom ? ` (cached from run ${n.cachedFrom.runId})` : ""}`}
      >
        <div className="flex min-w-0 items-center gap-2">
          <StatusDot status={n.status} />
          <span className="truncate font-mono text-[13px] font-semibold text-slate-800">{n.stepName}</span>
          {n.cached ? <span className="ml-auto shrink-0 rounded bg-indigo-100 px-1.5 py-px text-[10px] font-semibold text-indigo-700">Cached</span> : null}
        </div>
        <div className="mt-1 truncate pl-4 text-[11px] text-slate-500">
          {data.current
            ? `this run${n.cachedFrom ? ` · from ${shortId(n.cachedFrom.runId)}` : ""}`
            : `run ${n.runName?.trim() ? n.runName : shortId(n.runId)}${n.pipeline ? ` · ${n.pipeline}${n.version !== null ? ` v${n.version}` : ""}` : ""}`}
        </div>
      </Link>
    </>
  );
}

function CodeNodeView({ data }: NodeProps<FlowNode>) {
  const n = data.node as Extract<LineageNode, { kind: "code" }>;
  return (
    <>
      {handles}
      <Link
        href={data.href}
        className={cn(box, "border-dashed border-slate-400 bg-slate-50")}
        data-testid="lineage-node-code"
        title={n.codeDigest ? `Code snapshot sha256 ${n.codeDigest}` : "This version has no code snapshot (spec only)"}
      >
        <div className="truncate text-[12px] font-semibold text-slate-700">
          {"</>"} {n.pipeline} <span className="font-mono">v{n.version}</span>
        </div>
        <div className="mt-0.5 truncate font-mono text-[11px] text-slate-500">{n.codeDigest ? `code ${shortDigest(n.codeDigest)}` : "no code snapshot"}</div>
      </Link>
    </>
  );
}

// Module level: React Flow re-mounts every node if nodeTypes changes identity.
const nodeTypes = { artifact: memo(ArtifactNodeView), step: memo(StepNodeView), code: memo(CodeNodeView) };

function hrefOf(project: string, n: LineageNode): string {
  switch (n.kind) {
    case "artifact":
      return artifactPath(project, n.artifactId);
    case "step":
      return stepPath(project, n.runId, n.stepName);
    case "code":
      return `${projectPath(project, "pipelines", n.pipeline)}?version=${n.version}`;
  }
}

const EDGE_STYLE: Record<string, { stroke: string; dash?: string }> = {
  produced: { stroke: "#64748b" },
  consumed: { stroke: "#6366f1" },
  code: { stroke: "#cbd5e1", dash: "4 3" },
};

/**
 * A lineage graph: artifacts, steps and code versions, laid out left to right (data flows
 * rightwards). Every node is a link: artifacts to their page, steps to their run, code to its
 * pipeline version. `currentRunId` labels the steps of the run being looked at as "this run".
 */
export function LineageGraphView({
  project,
  graph,
  currentRunId,
  className,
}: {
  project: string;
  graph: LineageGraph;
  currentRunId?: string;
  className?: string;
}) {
  // The layout depends on the structure only (statuses change while a run goes on).
  const signature = lineageSignature(graph.nodes, graph.edges);
  // Keyed on the signature on purpose: a poll that returns the same structure keeps the layout.
  const layout = useMemo(() => layoutLineage(graph.nodes, graph.edges), [signature]);

  const nodes = useMemo<FlowNode[]>(
    () =>
      graph.nodes.map((node) => ({
        id: node.id,
        type: node.kind,
        position: layout.positions.get(node.id) ?? { x: 0, y: 0 },
        data: { node, href: hrefOf(project, node), root: node.id === graph.root, current: node.kind === "step" && node.runId === currentRunId },
        ...LINEAGE_NODE_SIZE[node.kind],
        draggable: false,
        connectable: false,
        selectable: false,
        // Not draggable nor selectable: React Flow would give the node pointer-events: none.
        style: { pointerEvents: "all" as const },
      })),
    [graph, layout, project, currentRunId],
  );
  const edges = useMemo<Edge[]>(
    () =>
      layout.edges.map((e) => {
        const s = EDGE_STYLE[e.kind] ?? EDGE_STYLE.produced!;
        return {
          id: e.id,
          source: e.source,
          target: e.target,
          selectable: false,
          focusable: false,
          style: { stroke: s.stroke, strokeWidth: 1.5, ...(s.dash ? { strokeDasharray: s.dash } : {}) },
          markerEnd: { type: MarkerType.ArrowClosed, color: s.stroke, width: 14, height: 14 },
        };
      }),
    [layout],
  );

  return (
    <div className={cn("relative h-full w-full", className)} data-testid="lineage-graph">
      <ReactFlow
        // A new structure is a new graph: fit it again.
        key={signature}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.12, maxZoom: 1, minZoom: 0.4 }}
        minZoom={0.05}
        maxZoom={2}
        nodesDraggable={false}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        elementsSelectable={false}
        zoomOnDoubleClick={false}
        onlyRenderVisibleElements={graph.nodes.length > 150}
      >
        <Background gap={18} size={1} color="#cbd5e1" />
        <Controls showInteractive={false} position="bottom-left" />
        {graph.nodes.length > 12 ? (
          <MiniMap<FlowNode>
            pannable
            zoomable
            position="bottom-right"
            nodeBorderRadius={6}
            nodeColor={(n) => (n.data.node.kind === "step" ? statusStyle(n.data.node.status).color : n.data.node.kind === "artifact" ? "#a5b4fc" : "#e2e8f0")}
            maskColor="rgb(241 245 249 / 0.7)"
            style={{ width: 180, height: 120 }}
          />
        ) : null}
      </ReactFlow>
      <div className="pointer-events-none absolute top-2 left-2 flex flex-wrap gap-3 rounded-md bg-white/85 px-2.5 py-1 text-[11px] text-slate-500 shadow-xs ring-1 ring-slate-200">
        <span>
          <span className="mr-1 inline-block h-0.5 w-4 bg-slate-500 align-middle" /> produced
        </span>
        <span>
          <span className="mr-1 inline-block h-0.5 w-4 bg-indigo-500 align-middle" /> consumed
        </span>
        <span>
          <span className="mr-1 inline-block w-4 border-t border-dashed border-slate-400 align-middle" /> code
        </span>
      </div>
      {graph.truncated ? (
        <p className="absolute top-2 right-2 rounded-md bg-amber-50 px-2.5 py-1 text-[11px] text-amber-800 ring-1 ring-amber-200" role="status">
          Not the whole graph: the depth or size limit cut it short.
        </p>
      ) : null}
    </div>
  );
}

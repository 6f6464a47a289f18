import dagre from "@dagrejs/dagre";
import type { LineageEdge, LineageNode } from "./api-types";

/** Box sizes of lineage nodes by kind (the graph component renders them at exactly these sizes). */
export const LINEAGE_NODE_SIZE: Record<LineageNode["kind"], { width: number; height: number }> = {
  artifact: { width: 184, height: 54 },
  step: { width: 184, height: 56 },
  code: { width: 156, height: 46 },
};

export interface LineageLayout {
  positions: Map<string, { x: number; y: number }>;
  /** Edges whose two ends are nodes of the graph. */
  edges: LineageEdge[];
  width: number;
  height: number;
}

/**
 * Left-to-right layered layout of a lineage graph: data flows from raw datasets and code on the
 * left to the latest outputs on the right. Pure and deterministic for a given graph, so callers
 * memoise it on the graph's structure. Edges to unknown nodes are dropped.
 */
export function layoutLineage(nodes: Pick<LineageNode, "id" | "kind">[], edges: LineageEdge[]): LineageLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 40, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) g.setNode(n.id, { ...LINEAGE_NODE_SIZE[n.kind] });
  const kept = edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target);
  for (const e of kept) g.setEdge(e.source, e.target, {}, e.id);
  dagre.layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.id) as { x: number; y: number } | undefined;
    const size = LINEAGE_NODE_SIZE[n.kind];
    positions.set(n.id, { x: (p?.x ?? 0) - size.width / 2, y: (p?.y ?? 0) - size.height / 2 });
  }
  const graph = g.graph() as { width?: number; height?: number };
  return { positions, edges: kept, width: graph.width ?? 0, height: graph.height ?? 0 };
}

/** A lineage graph's structure as a string: the layout is recomputed only when it changes. */
export function lineageSignature(nodes: Pick<LineageNode, "id" | "kind">[], edges: LineageEdge[]): string {
  return JSON.stringify([nodes.map((n) => [n.id, n.kind]), edges.map((e) => [e.id, e.source, e.target])]);
}

import dagre from "@dagrejs/dagre";

export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 68;

export interface DagStructureNode {
  name: string;
  needs: string[];
}

export interface DagLayout {
  positions: Map<string, { x: number; y: number }>;
  edges: { id: string; source: string; target: string }[];
  width: number;
  height: number;
}

/**
 * Left-to-right layered layout. Pure and deterministic for a given structure, so callers
 * memoise it on the structure alone (never on statuses, which change every poll).
 * Dependencies on unknown steps are ignored rather than crashing the view.
 */
export function layoutDag(nodes: DagStructureNode[]): DagLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({
    rankdir: "LR",
    nodesep: 18,
    ranksep: 64,
    marginx: 16,
    marginy: 16,
  });
  g.setDefaultEdgeLabel(() => ({}));

  const names = new Set(nodes.map((n) => n.name));
  for (const n of nodes) g.setNode(n.name, { width: NODE_WIDTH, height: NODE_HEIGHT });

  const edges: DagLayout["edges"] = [];
  for (const n of nodes) {
    for (const dep of n.needs) {
      if (!names.has(dep)) continue;
      g.setEdge(dep, n.name);
      edges.push({ id: `${dep}->${n.name}`, source: dep, target: n.name });
    }
  }

  dagre.layout(g);

  const positions = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.name) as { x: number; y: number } | undefined;
    // dagre gives centre coordinates; React Flow positions are top-left.
    positions.set(n.name, { x: (p?.x ?? 0) - NODE_WIDTH / 2, y: (p?.y ?? 0) - NODE_HEIGHT / 2 });
  }
  const graph = g.graph() as { width?: number; height?: number };
  return { positions, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}

import { describe, expect, it } from "vitest";
import type { LineageEdge, LineageNode } from "./api-types";
import { LINEAGE_NODE_SIZE, layoutLineage, lineageSignature } from "./lineage-layout";

const node = (id: string, kind: LineageNode["kind"]) => ({ id, kind });
const edge = (source: string, target: string, kind: LineageEdge["kind"] = "produced"): LineageEdge => ({
  id: `${source}->${target}`,
  source,
  target,
  kind,
  label: null,
});

describe("layoutLineage", () => {
  it("lays the flow out left to right: code and raw data before the steps, outputs after", () => {
    const nodes = [node("code", "code"), node("prepare", "step"), node("data", "artifact"), node("train", "step"), node("model", "artifact")];
    const edges = [edge("code", "prepare", "code"), edge("code", "train", "code"), edge("prepare", "data"), edge("data", "train", "consumed"), edge("train", "model")];
    const { positions, edges: kept, width } = layoutLineage(nodes, edges);
    const x = (id: string) => positions.get(id)!.x;
    expect(x("prepare")).toBeGreaterThanOrEqual(x("code") + LINEAGE_NODE_SIZE.code.width);
    expect(x("data")).toBeGreaterThan(x("prepare"));
    expect(x("train")).toBeGreaterThan(x("data"));
    expect(x("model")).toBeGreaterThan(x("train"));
    expect(kept).toHaveLength(5);
    expect(width).toBeGreaterThan(4 * LINEAGE_NODE_SIZE.step.width);
  });

  it("drops edges to unknown nodes and self loops", () => {
    const { edges, positions } = layoutLineage([node("a", "artifact"), node("s", "step")], [edge("s", "a"), edge("ghost", "s"), edge("a", "a")]);
    expect(edges.map((e) => e.id)).toEqual(["s->a"]);
    expect(positions.size).toBe(2);
  });

  it("lays out the largest graph the API sends (300 nodes) quickly", () => {
    const nodes = [node("root", "artifact")];
    const edges: LineageEdge[] = [];
    for (let i = 0; i < 150; i++) {
      nodes.push(node(`s${i}`, "step"), node(`o${i}`, "artifact"));
      edges.push(edge("root", `s${i}`, "consumed"), edge(`s${i}`, `o${i}`));
    }
    const t = performance.now();
    expect(layoutLineage(nodes, edges).positions.size).toBe(301);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it("has a signature that ignores everything but the structure", () => {
    const a = lineageSignature([node("a", "artifact")], [edge("a", "b")]);
    expect(lineageSignature([{ ...node("a", "artifact") }], [{ ...edge("a", "b"), label: "x" }])).toBe(a);
    expect(lineageSignature([node("a", "step")], [edge("a", "b")])).not.toBe(a);
  });
});

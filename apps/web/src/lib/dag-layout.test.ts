import { describe, expect, it } from "vitest";
import { layoutDag, NODE_WIDTH } from "./dag-layout";

describe("layoutDag", () => {
  it("lays dependencies out left to right and ignores unknown needs", () => {
    const { positions, edges } = layoutDag([
      { name: "a", needs: [] },
      { name: "b", needs: ["a", "ghost"] },
      { name: "c", needs: ["b"] },
    ]);
    expect(edges.map((e) => e.id)).toEqual(["a->b", "b->c"]);
    expect(positions.get("b")!.x).toBeGreaterThanOrEqual(positions.get("a")!.x + NODE_WIDTH);
    expect(positions.get("c")!.x).toBeGreaterThan(positions.get("b")!.x);
  });

  it("handles a 150-step fan-out quickly", () => {
    const nodes = [{ name: "root", needs: [] as string[] }];
    for (let i = 0; i < 150; i++) nodes.push({ name: `s${i}`, needs: ["root"] });
    const t = performance.now();
    const { positions } = layoutDag(nodes);
    expect(positions.size).toBe(151);
    expect(performance.now() - t).toBeLessThan(1000);
  });
});

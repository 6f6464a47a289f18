import type { PrismaClient } from "@trellis/db";
import { notFound, type StepStatusName } from "@trellis/engine";
import { artifactRefsOf, artifactRowSelect, findArtifact, inDagOrder, keyedInputsOf, runStepSelect, type ArtifactRow } from "./artifacts.js";
import { iso } from "./iso.js";

/**
 * Lineage graphs. Nodes are artifacts, steps (of any run of the project) and code versions
 * (pipeline versions with their code digest); edges say a step produced an artifact, an
 * artifact was consumed by a step, or a code version ran a step. ArtifactLink rows are the
 * source: a worker records them for every step that ran. Steps that did not run (cache hits,
 * steps reused by "retry failed steps") have no links; in a run's own graph their outputs come
 * from their ArtifactRefs and their inputs from the references their cache key covers, and
 * downstream of an artifact a cache hit joins as a consumer next to the execution it reused.
 */

export const LINEAGE_MAX_NODES = 300;

export type LineageNode =
  | { id: string; kind: "artifact"; artifactId: string; digest: string; type: string | null; name: string | null; storage: "file" | "directory"; size: number; raw: boolean }
  | {
      id: string;
      kind: "step";
      runId: string;
      runName: string | null;
      pipeline: string | null;
      version: number | null;
      stepName: string;
      status: StepStatusName;
      cached: boolean;
      cachedFrom: { runId: string; stepName: string } | null;
      createdAt: string;
    }
  | { id: string; kind: "code"; pipeline: string; version: number; codeDigest: string | null; contentDigest: string };

export interface LineageEdge {
  id: string;
  source: string;
  target: string;
  kind: "produced" | "consumed" | "code";
  label: string | null;
}

export interface LineageGraph {
  root: string | null;
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
}

export const artifactNodeId = (id: string) => `artifact:${id}`;
export const stepNodeId = (id: string) => `step:${id}`;
export const codeNodeId = (versionId: string) => `code:${versionId}`;

interface StepInfo {
  id: string;
  name: string;
  template?: string;
  cacheKey?: string | null;
  status: StepStatusName;
  cachedFromRunId: string | null;
  cachedFromStep: string | null;
  run: {
    id: string;
    name: string | null;
    createdAt: Date;
    pipeline: { name: string } | null;
    pipelineVersion: { id: string; version: number; codeDigest: string | null; contentDigest: string } | null;
  };
}

/** What a step node shows of its run, and the code version node it comes with. */
const stepRunSelect = {
  id: true,
  name: true,
  createdAt: true,
  pipeline: { select: { name: true } },
  pipelineVersion: { select: { id: true, version: true, codeDigest: true, contentDigest: true } },
} as const;

const stepInfoSelect = {
  id: true,
  name: true,
  template: true,
  cacheKey: true,
  status: true,
  cachedFromRunId: true,
  cachedFromStep: true,
  run: { select: stepRunSelect },
} as const;

/** Accumulates nodes and edges (each once) up to a node limit. */
class GraphBuilder {
  readonly nodes = new Map<string, LineageNode>();
  readonly edges = new Map<string, LineageEdge>();
  truncated = false;

  constructor(readonly maxNodes = LINEAGE_MAX_NODES) {}

  get full(): boolean {
    return this.nodes.size >= this.maxNodes;
  }

  /** false (and truncated) when the limit is reached. */
  private add(node: LineageNode): boolean {
    if (this.nodes.has(node.id)) return true;
    if (this.full) {
      this.truncated = true;
      return false;
    }
    this.nodes.set(node.id, node);
    return true;
  }

  artifact(a: ArtifactRow, desc: { type: string | null; name: string | null }): string | null {
    const id = artifactNodeId(a.id);
    const existing = this.nodes.get(id);
    if (existing?.kind === "artifact") {
      existing.type ??= desc.type;
      existing.name ??= desc.name;
      return id;
    }
    const ok = this.add({
      id,
      kind: "artifact",
      artifactId: a.id,
      digest: a.digest,
      type: desc.type,
      name: desc.name,
      storage: a.kind === "directory" ? "directory" : "file",
      size: Number(a.size),
      raw: false,
    });
    return ok ? id : null;
  }

  /** The step, and its code version with the edge from it. */
  step(s: StepInfo): string | null {
    const id = stepNodeId(s.id);
    if (this.nodes.has(id)) return id;
    const ok = this.add({
      id,
      kind: "step",
      runId: s.run.id,
      runName: s.run.name,
      pipeline: s.run.pipeline?.name ?? null,
      version: s.run.pipelineVersion?.version ?? null,
      stepName: s.name,
      status: s.status,
      cached: s.cachedFromRunId !== null,
      cachedFrom: s.cachedFromRunId ? { runId: s.cachedFromRunId, stepName: s.cachedFromStep ?? s.name } : null,
      createdAt: iso(s.run.createdAt),
    });
    if (!ok) return null;
    const v = s.run.pipelineVersion;
    if (v && s.run.pipeline) {
      const code = codeNodeId(v.id);
      if (this.add({ id: code, kind: "code", pipeline: s.run.pipeline.name, version: v.version, codeDigest: v.codeDigest, contentDigest: v.contentDigest })) {
        this.edge(code, id, "code", null);
      }
    }
    return id;
  }

  edge(source: string | null, target: string | null, kind: LineageEdge["kind"], label: string | null): void {
    if (!source || !target) return;
    const id = `${kind}:${source}->${target}:${label ?? ""}`;
    if (!this.edges.has(id)) this.edges.set(id, { id, source, target, kind, label });
  }

  result(root: string | null): LineageGraph {
    return { root, nodes: [...this.nodes.values()], edges: [...this.edges.values()], truncated: this.truncated };
  }
}

const linkSelect = { artifactId: true, name: true, type: true, step: { select: stepInfoSelect }, artifact: { select: artifactRowSelect } } as const;

/** Output or input links of the project's runs, for some artifacts or some steps, newest first. */
function linksWhere(db: PrismaClient, projectId: string, direction: "output" | "input", by: { artifactIds?: string[]; stepIds?: string[] }, take: number) {
  return db.artifactLink.findMany({
    where: {
      direction,
      step: { run: { projectId } },
      ...(by.artifactIds ? { artifactId: { in: by.artifactIds } } : {}),
      ...(by.stepIds ? { stepId: { in: by.stepIds } } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take,
    select: linkSelect,
  });
}

/** Marks raw datasets: artifacts whose producers (in the project) consumed no artifacts. */
async function markRaw(db: PrismaClient, projectId: string, graph: GraphBuilder): Promise<void> {
  const artifactIds = [...graph.nodes.values()].flatMap((n) => (n.kind === "artifact" ? [n.artifactId] : []));
  if (artifactIds.length === 0) return;
  const rows = await db.$queryRaw<{ artifactId: string; withInputs: boolean }[]>`
    SELECT o."artifactId", bool_or(EXISTS (SELECT 1 FROM "ArtifactLink" i WHERE i."stepId" = o."stepId" AND i.direction = 'input')) AS "withInputs"
    FROM "ArtifactLink" o JOIN "Run" r ON r.id = o."runId"
    WHERE o."artifactId" = ANY(${artifactIds}::uuid[]) AND o.direction = 'output' AND r."projectId" = ${projectId}::uuid
    GROUP BY o."artifactId"`;
  const produced = new Map(rows.map((r) => [r.artifactId, r.withInputs]));
  for (const node of graph.nodes.values()) {
    if (node.kind === "artifact") node.raw = produced.has(node.artifactId) && produced.get(node.artifactId) === false;
  }
}

/**
 * From an artifact: upstream to the steps that produced it, their inputs and so on back to raw
 * datasets, each step with its code version; downstream to the steps that consumed it, their
 * outputs, and so on. `depth` counts steps along a path. Bounded by LINEAGE_MAX_NODES.
 */
export async function artifactLineage(
  db: PrismaClient,
  projectId: string,
  artifactId: string,
  options: { direction: "upstream" | "downstream" | "both"; depth: number; maxNodes?: number },
): Promise<LineageGraph> {
  const root = await findArtifact(db, projectId, artifactId);
  const graph = new GraphBuilder(options.maxNodes);
  const rootLink = await db.artifactLink.findFirst({
    where: { artifactId: root.id, direction: "output", step: { run: { projectId } } },
    orderBy: { createdAt: "desc" },
    select: { name: true, type: true },
  });
  const rootId = graph.artifact(root, { type: rootLink?.type ?? null, name: rootLink?.name ?? null });

  const walk = async (direction: "upstream" | "downstream") => {
    let frontier = [root.id];
    const seenArtifacts = new Set(frontier);
    const seenSteps = new Set<string>();
    for (let level = 0; level < options.depth && frontier.length > 0; level++) {
      if (graph.full) {
        graph.truncated = true;
        return;
      }
      const budget = graph.maxNodes - graph.nodes.size + 1;
      // Producers (upstream) or consumers (downstream) of the frontier.
      const near = await linksWhere(db, projectId, direction === "upstream" ? "output" : "input", { artifactIds: frontier }, budget);
      if (near.length === budget) graph.truncated = true;
      const steps: string[] = [];
      for (const l of near) {
        const stepId = graph.step(l.step);
        const artifact = artifactNodeId(l.artifactId);
        if (direction === "upstream") graph.edge(stepId, artifact, "produced", l.name);
        else graph.edge(artifact, stepId, "consumed", l.name);
        if (stepId && !seenSteps.has(l.step.id)) {
          seenSteps.add(l.step.id);
          steps.push(l.step.id);
        }
      }
      if (steps.length === 0) return;
      if (direction === "downstream") await addCacheHits(db, projectId, graph, near);
      // Their inputs (upstream) or outputs (downstream): the next frontier.
      const far = await linksWhere(db, projectId, direction === "upstream" ? "input" : "output", { stepIds: steps }, graph.maxNodes - graph.nodes.size + 1);
      const next: string[] = [];
      for (const l of far) {
        const node = graph.artifact(l.artifact, { type: l.type, name: direction === "downstream" ? l.name : null });
        const stepId = stepNodeId(l.step.id);
        if (direction === "upstream") graph.edge(node, stepId, "consumed", l.name);
        else graph.edge(stepId, node, "produced", l.name);
        if (node && !seenArtifacts.has(l.artifactId)) {
          seenArtifacts.add(l.artifactId);
          next.push(l.artifactId);
        }
      }
      frontier = next;
    }
    // Stopped by depth: say so if the graph would have gone on.
    if (frontier.length > 0 && !graph.truncated) {
      const more = await db.artifactLink.count({
        where: { artifactId: { in: frontier }, direction: direction === "upstream" ? "output" : "input", step: { run: { projectId } } },
        take: 1,
      });
      if (more > 0) graph.truncated = true;
    }
  };

  if (options.direction !== "downstream") await walk("upstream");
  if (options.direction !== "upstream") await walk("downstream");
  await nameArtifacts(db, projectId, graph);
  await markRaw(db, projectId, graph);
  return graph.result(rootId);
}

/**
 * Steps that reused the result of a consumer (cache hits) consumed the same inputs, though no
 * worker recorded it: their key (the same template and cache key) covers the inputs' digests.
 * They join the graph as consumers; the walk goes on from the step that ran, whose outputs they share.
 */
async function addCacheHits(db: PrismaClient, projectId: string, graph: GraphBuilder, consumed: { artifactId: string; name: string; step: StepInfo }[]) {
  const byKey = new Map<string, { artifactId: string; name: string }[]>();
  for (const l of consumed) {
    if (!l.step.cacheKey || !l.step.template) continue;
    const key = `${l.step.template}\0${l.step.cacheKey}`;
    byKey.set(key, [...(byKey.get(key) ?? []), { artifactId: l.artifactId, name: l.name }]);
  }
  if (byKey.size === 0 || graph.full) return;
  const hits = await db.step.findMany({
    where: {
      OR: [...byKey.keys()].map((k) => {
        const [template, cacheKey] = k.split("\0") as [string, string];
        return { template, cacheKey };
      }),
      cachedFromRunId: { not: null },
      run: { projectId },
    },
    orderBy: { id: "asc" },
    take: graph.maxNodes - graph.nodes.size + 1,
    select: stepInfoSelect,
  });
  for (const hit of hits) {
    const id = graph.step(hit);
    for (const input of byKey.get(`${hit.template}\0${hit.cacheKey}`) ?? []) graph.edge(artifactNodeId(input.artifactId), id, "consumed", input.name);
  }
}

/** Artifact nodes reached only as inputs get the output name and type their latest producer gave them. */
async function nameArtifacts(db: PrismaClient, projectId: string, graph: GraphBuilder): Promise<void> {
  const unnamed = [...graph.nodes.values()].flatMap((n) => (n.kind === "artifact" && n.name === null ? [n.artifactId] : []));
  if (unnamed.length === 0) return;
  const links = await db.artifactLink.findMany({
    where: { artifactId: { in: unnamed }, direction: "output", step: { run: { projectId } } },
    orderBy: { createdAt: "desc" },
    distinct: ["artifactId"],
    select: { artifactId: true, name: true, type: true },
  });
  for (const l of links) {
    const node = graph.nodes.get(artifactNodeId(l.artifactId));
    if (node?.kind === "artifact") {
      node.name = l.name;
      node.type ??= l.type;
    }
  }
}

/** A run's own graph: its steps, the code version they ran, and every artifact they produced or consumed. */
export async function runLineage(db: PrismaClient, projectId: string, runId: string): Promise<LineageGraph> {
  const run = await db.run.findFirst({
    where: { id: runId, projectId },
    select: { ...stepRunSelect, steps: { select: { ...runStepSelect, status: true } } },
  });
  if (!run) throw notFound(`run "${runId}"`);
  // A run's graph is as big as its pipeline: no node limit beyond a generous one.
  const graph = new GraphBuilder(Math.max(LINEAGE_MAX_NODES, run.steps.length * 12 + 10));
  const steps = inDagOrder(run.steps);
  const links = await db.artifactLink.findMany({
    where: { runId: run.id },
    orderBy: { name: "asc" },
    select: { stepId: true, stepName: true, direction: true, name: true, type: true, artifactId: true },
  });
  const refsByStep = new Map(steps.map((s) => [s.name, new Map(artifactRefsOf(s.outputs))]));
  const ids = new Set(links.map((l) => l.artifactId));
  for (const refs of refsByStep.values()) for (const r of refs.values()) ids.add(r.artifactId);
  const artifacts = new Map((await db.artifact.findMany({ where: { id: { in: [...ids] } }, select: artifactRowSelect })).map((a) => [a.id, a]));

  const stepIds = new Map<string, string | null>();
  for (const s of steps) {
    stepIds.set(s.name, graph.step({ id: s.id, name: s.name, status: s.status, cachedFromRunId: s.cachedFromRunId, cachedFromStep: s.cachedFromStep, run }));
  }
  for (const s of steps) {
    for (const [name, ref] of refsByStep.get(s.name)!) {
      const row = artifacts.get(ref.artifactId);
      if (row) graph.edge(stepIds.get(s.name)!, graph.artifact(row, { type: ref.type, name }), "produced", name);
    }
  }
  const linkedInputs = new Set<string>();
  for (const l of links) {
    if (l.direction !== "input") continue;
    const row = artifacts.get(l.artifactId);
    if (!row) continue;
    linkedInputs.add(l.stepName);
    graph.edge(graph.artifact(row, { type: l.type, name: null }), stepIds.get(l.stepName) ?? stepNodeId(l.stepId), "consumed", l.name);
  }
  for (const s of steps) {
    if (linkedInputs.has(s.name)) continue;
    for (const reference of keyedInputsOf(s.cacheKeyParts)) {
      const [upstream = "", output = ""] = reference.split(".");
      const ref = refsByStep.get(upstream)?.get(output);
      const row = ref ? artifacts.get(ref.artifactId) : undefined;
      if (row) graph.edge(graph.artifact(row, { type: ref!.type, name: output }), stepIds.get(s.name)!, "consumed", reference);
    }
  }
  await nameArtifacts(db, projectId, graph);
  await markRaw(db, projectId, graph);
  return graph.result(null);
}

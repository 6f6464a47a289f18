"use client";

import "@xyflow/react/dist/style.css";

import {
  Background,
  Controls,
  Handle,
  MarkerType,
  MiniMap,
  Position,
  ReactFlow,
  useReactFlow,
  useStore,
  type Edge,
  type FitViewOptions,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import Link from "next/link";
import type { RefObject } from "react";
import { createContext, memo, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { StepStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { layoutDag, NODE_HEIGHT, NODE_WIDTH } from "@/lib/dag-layout";
import { statusStyle } from "@/lib/status";
import { StatusDot } from "./status-badge";
import { LiveDuration } from "./time";
import { ChipIcon, ClockIcon, ContainerIcon } from "./ui/icons";

/** What the DAG needs to know about a step; `status` is absent for a pipeline definition preview. */
export interface DagStep {
  name: string;
  needs: string[];
  status?: StepStatus;
  attempt?: number;
  maxAttempts?: number;
  startedAt?: string | null;
  finishedAt?: string | null;
  /** Secondary line for definition previews (e.g. the command). */
  subtitle?: string;
  /** The step was not run again: its outputs come from this run (retry of failed steps). */
  reusedFrom?: string | null;
  /** A cache hit: the step did not run; its result came from this run's step (href: its page). */
  cachedFrom?: { runId: string; stepName: string; href: string } | null;
  /** Runs in a container (a small marker; the image in its tooltip). */
  container?: { image: string | null } | null;
  /** GPUs it requests (a small marker when > 0). */
  gpu?: number;
  /** A queued step: why no worker runs it yet. */
  waiting?: string | null;
}

/** The part of a waiting reason before its colon: "no worker can run it: the only worker has 1 GPU, …" → "no worker can run it". */
function waitingGist(reason: string): string {
  const colon = reason.indexOf(":");
  return colon > 0 ? reason.slice(0, colon) : reason;
}

type StepNodeData = { step: DagStep; selected: boolean };
type StepNode = Node<StepNodeData, "step">;

/** Selection callback reaches nodes through context so node data stays plain (and memo-friendly). */
const SelectContext = createContext<((name: string) => void) | null>(null);

function StepNodeView({ data }: NodeProps<StepNode>) {
  const { step, selected } = data;
  const onSelect = useContext(SelectContext);
  const style = step.status ? statusStyle(step.status) : null;
  const showAttempt = (step.attempt ?? 0) > 1;
  const waiting = step.status === "queued" && step.waiting ? step.waiting : null;
  const markers =
    step.container || (step.gpu ?? 0) > 0 ? (
      <span className="ml-auto flex shrink-0 items-center gap-1 text-slate-400">
        {(step.gpu ?? 0) > 0 ? (
          <span
            className="inline-flex items-center gap-0.5 text-[10px] font-medium tabular-nums"
            title={`Requests ${step.gpu} GPU${step.gpu === 1 ? "" : "s"}`}
            data-testid={`dag-gpu-${step.name}`}
          >
            <ChipIcon className="text-[12px]" />
            {step.gpu}
          </span>
        ) : null}
        {step.container ? (
          <span title={`Runs in a container${step.container.image ? `: ${step.container.image}` : ""}`} data-testid={`dag-container-${step.name}`}>
            <ContainerIcon className="text-[12px]" />
          </span>
        ) : null}
      </span>
    ) : null;

  const content = (
    <>
      <div className="flex min-w-0 items-center gap-2">
        {step.status ? <StatusDot status={step.status} /> : <span className="size-2 shrink-0 rounded-full bg-indigo-400" />}
        <span className="truncate text-[13px] font-semibold text-slate-800" title={step.name}>
          {step.name}
        </span>
        {markers}
      </div>
      <div className="mt-1 flex min-w-0 items-center gap-1.5 pl-4 text-[11px] text-slate-500">
        {style ? (
          <>
            <span className="font-medium" style={{ color: step.status === "skipped" ? undefined : style.color }}>
              {style.label}
            </span>
            {step.cachedFrom ? (
              <>
                <span aria-hidden="true">·</span>
                <span className="truncate text-indigo-600" title={`Not run: the cached result of step ${step.cachedFrom.stepName} of run ${step.cachedFrom.runId} was reused`}>
                  from {step.cachedFrom.runId.slice(0, 8)}
                </span>
              </>
            ) : step.reusedFrom ? (
              <>
                <span aria-hidden="true">·</span>
                <span className="truncate text-indigo-600" title={`Not run again: outputs reused from run ${step.reusedFrom}`}>
                  reused from {step.reusedFrom.slice(0, 8)}
                </span>
              </>
            ) : step.startedAt ? (
              <>
                <span aria-hidden="true">·</span>
                <LiveDuration start={step.startedAt} end={step.finishedAt ?? null} className="tabular-nums" />
              </>
            ) : null}
            {showAttempt ? (
              <>
                <span aria-hidden="true">·</span>
                {/* Out-of-memory retries don't count against retries.limit: the attempt can pass maxAttempts. */}
                <span
                  className="tabular-nums"
                  title={
                    step.attempt! > (step.maxAttempts ?? 0)
                      ? `Attempt ${step.attempt} (out-of-memory retries come on top of ${step.maxAttempts} attempt${step.maxAttempts === 1 ? "" : "s"})`
                      : `Attempt ${step.attempt} of ${step.maxAttempts}`
                  }
                >
                  {step.attempt! > (step.maxAttempts ?? 0) ? `#${step.attempt}` : `${step.attempt}/${step.maxAttempts}`}
                </span>
              </>
            ) : null}
          </>
        ) : (
          <span className="truncate font-mono" title={step.subtitle}>
            {step.subtitle ?? ""}
          </span>
        )}
      </div>
      {waiting ? (
        <div className="mt-0.5 flex min-w-0 items-center gap-1 pl-4 text-[11px] text-amber-700" data-testid={`dag-waiting-${step.name}`} title={waiting}>
          <ClockIcon className="shrink-0 text-[11px]" />
          {/* The gist fits the node ("no worker can run it", "waiting for 1 GPU"); the whole reason is its tooltip and in the step panel. */}
          <span className="truncate">{waitingGist(waiting)}</span>
        </div>
      ) : null}
    </>
  );

  const box = cn(
    "flex h-full w-full flex-col justify-center rounded-lg border-[1.5px] px-3 text-left shadow-xs transition-shadow",
    // A queued step that cannot start yet: amber, so the eye finds it (no conflicting classes: see cn).
    style ? (waiting ? "border-amber-400 bg-amber-50/70" : style.node) : "border-slate-300 bg-white",
    selected && "ring-2 ring-indigo-500 ring-offset-2",
    onSelect && "cursor-pointer hover:shadow-md",
  );

  // A sibling of the node's button (a link may not sit inside a button), over its top-right corner.
  const cachedBadge = step.cachedFrom ? (
    <Link
      href={step.cachedFrom.href}
      className="nodrag nopan absolute -top-2 right-2 z-10 rounded-full bg-indigo-600 px-2 py-px text-[10px] font-semibold text-white shadow-sm ring-2 ring-white hover:bg-indigo-500"
      title={`Cached: reused the result of step ${step.cachedFrom.stepName} of run ${step.cachedFrom.runId}`}
      data-testid={`dag-cached-${step.name}`}
    >
      Cached
    </Link>
  ) : null;

  return (
    <>
      <Handle type="target" position={Position.Left} isConnectable={false} className="opacity-0!" />
      {cachedBadge}
      {onSelect ? (
        <button
          type="button"
          className={box}
          onClick={() => onSelect(step.name)}
          aria-pressed={selected}
          aria-label={`${step.name}${step.status ? `, ${step.status}` : ""}`}
          data-testid={`dag-node-${step.name}`}
          data-status={step.status}
          data-reused-from={step.reusedFrom ?? undefined}
          data-cached-from={step.cachedFrom?.runId ?? undefined}
          data-waiting={waiting ?? undefined}
        >
          {content}
        </button>
      ) : (
        <div className={box} data-testid={`dag-node-${step.name}`} data-status={step.status}>
          {content}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} className="opacity-0!" />
    </>
  );
}

// Module level: React Flow warns (and re-mounts every node) if nodeTypes changes identity.
const nodeTypes = { step: memo(StepNodeView) };

/**
 * `fitView` only fits once, on mount. When the graph's box changes size afterwards (the step
 * panel opens beside it, the window is resized) fit again, so no step ends up off-screen, but
 * only until the user pans or zooms: then the view is theirs.
 */
function FitOnResize({ options, userMoved }: { options: FitViewOptions; userMoved: RefObject<boolean> }) {
  const { fitView } = useReactFlow();
  const domNode = useStore((s) => s.domNode);
  useEffect(() => {
    if (!domNode) return;
    let size = `${domNode.clientWidth}x${domNode.clientHeight}`;
    const observer = new ResizeObserver(() => {
      const next = `${domNode.clientWidth}x${domNode.clientHeight}`;
      if (next === size) return;
      size = next;
      if (!userMoved.current) void fitView({ ...options, duration: 150 });
    });
    observer.observe(domNode);
    return () => observer.disconnect();
  }, [domNode, fitView, options, userMoved]);
  return null;
}

export function RunDag({
  steps,
  selected = null,
  onSelect,
  embedded = false,
  className,
}: {
  steps: DagStep[];
  selected?: string | null;
  onSelect?: (name: string) => void;
  /** Embedded in a scrolling page: don't hijack the wheel for zooming. */
  embedded?: boolean;
  className?: string;
}) {
  // Layout depends only on the graph structure, never on statuses (which change every poll),
  // so dagre runs once per structure rather than once per second.
  const signature = JSON.stringify(steps.map((s) => [s.name, s.needs]));
  const layout = useMemo(
    () =>
      layoutDag((JSON.parse(signature) as [string, string[]][]).map(([name, needs]) => ({ name, needs }))),
    [signature],
  );

  // A step pre-selected by a shared link (?step=) is what the reader came for: in a big graph,
  // open zoomed on it rather than on the whole graph. Captured once; later clicks don't move the view.
  const [initialFocus] = useState(selected);
  const large = steps.length > 30;
  const fitViewOptions = useMemo(
    () =>
      initialFocus && large
        ? { nodes: [{ id: initialFocus }], maxZoom: 1, minZoom: 0.45, padding: 0.6 }
        : // Never fit below a zoom where names are still legible: big graphs open centred and
          // readable, and the minimap shows where you are.
          { padding: 0.12, maxZoom: 1, minZoom: 0.45 },
    [initialFocus, large],
  );

  // Set by a pan/zoom the user makes (React Flow passes no event for programmatic moves).
  const userMoved = useRef(false);

  const clickable = !!onSelect;
  const nodes = useMemo<StepNode[]>(
    () =>
      steps.map((step) => ({
        id: step.name,
        type: "step",
        position: layout.positions.get(step.name) ?? { x: 0, y: 0 },
        data: { step, selected: step.name === selected },
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        draggable: false,
        connectable: false,
        selectable: false,
        // React Flow gives a node that is neither draggable nor selectable (and has no node
        // handlers) `pointer-events: none`, so clicks would fall through to the pane. Our node
        // is a button of its own: let it receive the pointer.
        ...(clickable ? { style: { pointerEvents: "all" as const } } : {}),
      })),
    [steps, layout, selected, clickable],
  );

  const edges = useMemo<Edge[]>(() => {
    const statusOf = new Map(steps.map((s) => [s.name, s.status]));
    return layout.edges.map((e) => {
      const src = statusOf.get(e.source);
      const dst = statusOf.get(e.target);
      const highlight = e.source === selected || e.target === selected;
      const stroke = highlight ? "#6366f1" : src === "succeeded" ? "#94a3b8" : "#cbd5e1";
      return {
        ...e,
        animated: dst === "running",
        selectable: false,
        focusable: false,
        style: { stroke, strokeWidth: highlight ? 2 : 1.5 },
        markerEnd: { type: MarkerType.ArrowClosed, color: stroke, width: 16, height: 16 },
      };
    });
  }, [steps, layout, selected]);

  return (
    <SelectContext.Provider value={onSelect ?? null}>
      <div className={cn("h-full w-full", className)} data-testid="run-dag">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={fitViewOptions}
          minZoom={0.05}
          maxZoom={2}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          zoomOnScroll={!embedded}
          panOnScroll={false}
          preventScrolling={!embedded}
          zoomOnDoubleClick={false}
          // onMove, not onMoveStart: a plain click on a node already "starts" a pan gesture.
          onMove={(event) => {
            if (event) userMoved.current = true;
          }}
          // Large graphs: skip rendering off-screen nodes to keep panning smooth.
          onlyRenderVisibleElements={steps.length > 150}
        >
          <Background gap={18} size={1} color="#cbd5e1" />
          <Controls
            showInteractive={false}
            position="bottom-left"
            onZoomIn={() => (userMoved.current = true)}
            onZoomOut={() => (userMoved.current = true)}
            // "Fit view" hands the view back: keep fitting it on resize again.
            onFitView={() => (userMoved.current = false)}
          />
          <FitOnResize options={fitViewOptions} userMoved={userMoved} />
          {steps.length > 8 ? (
            <MiniMap<StepNode>
              pannable
              zoomable
              position="bottom-right"
              nodeBorderRadius={6}
              nodeColor={(n) => (n.data.step.status ? statusStyle(n.data.step.status).color : "#a5b4fc")}
              maskColor="rgb(241 245 249 / 0.7)"
              style={{ width: 180, height: 120 }}
            />
          ) : null}
        </ReactFlow>
      </div>
    </SelectContext.Provider>
  );
}

"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { api, stepLogStreamUrl } from "@/lib/api";
import type { LogLine, LogStream } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatLogTime, stripAnsi } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { Button } from "./ui/button";
import { ErrorMessage, Spinner } from "./ui/feedback";
import { ArrowDownIcon, RefreshIcon } from "./ui/icons";

/** Live tails keep at most this many lines in memory/DOM; older ones are dropped (and said so). */
const MAX_LIVE_LINES = 5000;
const STORED_PAGE_SIZE = 1000;
/** Give up reconnecting the live stream after this many consecutive failures. */
const MAX_STREAM_FAILURES = 5;

type StreamFilter = "all" | LogStream;

export interface LogViewProps {
  project: string;
  runId: string;
  step: string;
  attempt: number;
  /** The attempt is still running: tail it over SSE instead of reading the stored log. */
  live: boolean;
}

/**
 * A step attempt's log. Live attempts are tailed over Server-Sent Events (stored lines first,
 * then new ones, then an `end` event); finished attempts are read page by page from the REST
 * endpoint. Once live, a view stays on the stream until it ends: switching to the stored log
 * mid-way would only refetch what we already have.
 */
export function LogView(props: LogViewProps) {
  const [mode, setMode] = useState<"live" | "stored">(props.live ? "live" : "stored");
  // Derived-state update during render (allowed by React): a stored view becomes live if the attempt starts.
  if (props.live && mode === "stored") setMode("live");
  return mode === "live" ? <LiveLog {...props} /> : <StoredLog {...props} />;
}

function LiveLog({ project, runId, step, attempt }: LogViewProps) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [dropped, setDropped] = useState(0);
  const [state, setState] = useState<"connecting" | "open" | "reconnecting" | "ended" | "failed">("connecting");
  const [endStatus, setEndStatus] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  // Survive reconnects (including a manual one, which re-runs the effect): resume after lastSeq.
  const lastSeqRef = useRef(-Infinity);
  const linesRef = useRef<LogLine[]>([]);

  useEffect(() => {
    let es: EventSource | null = null;
    let closed = false;
    let failures = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let buffer: LogLine[] = [];
    let frame = 0;

    // Lines can arrive by the thousand; batch them into one state update per animation frame.
    const flush = () => {
      frame = 0;
      if (buffer.length === 0) return;
      let merged = linesRef.current.concat(buffer);
      buffer = [];
      if (merged.length > MAX_LIVE_LINES) {
        const excess = merged.length - MAX_LIVE_LINES;
        merged = merged.slice(excess);
        setDropped((d) => d + excess);
      }
      linesRef.current = merged;
      setLines(merged);
    };

    const connect = () => {
      // Resume after the last line we have, so a reconnect never duplicates or loses lines.
      const after = Number.isFinite(lastSeqRef.current) ? lastSeqRef.current : undefined;
      es = new EventSource(stepLogStreamUrl(project, runId, step, { attempt, after }));
      es.onopen = () => {
        failures = 0;
        setState("open");
      };
      es.addEventListener("line", (ev) => {
        let line: LogLine;
        try {
          line = JSON.parse((ev as MessageEvent<string>).data) as LogLine;
        } catch {
          return;
        }
        if (line.seq <= lastSeqRef.current) return; // duplicate after a reconnect
        lastSeqRef.current = line.seq;
        buffer.push(line);
        if (!frame) frame = requestAnimationFrame(flush);
      });
      es.addEventListener("end", (ev) => {
        closed = true;
        es?.close();
        cancelAnimationFrame(frame);
        flush();
        try {
          const data = JSON.parse((ev as MessageEvent<string>).data) as { status?: string };
          setEndStatus(data.status ?? null);
        } catch {
          setEndStatus(null);
        }
        setState("ended");
      });
      es.onerror = () => {
        if (closed) return;
        // Take over reconnection from EventSource so we control `after` and the back-off.
        es?.close();
        failures += 1;
        if (failures >= MAX_STREAM_FAILURES) {
          setState("failed");
          return;
        }
        setState("reconnecting");
        retryTimer = setTimeout(connect, Math.min(1000 * 2 ** (failures - 1), 8000));
      };
    };

    connect();
    return () => {
      closed = true;
      es?.close();
      clearTimeout(retryTimer);
      cancelAnimationFrame(frame);
    };
  }, [project, runId, step, attempt, generation]);

  const statusNode =
    state === "ended" ? (
      <span className="text-slate-400">Finished{endStatus ? ` · ${endStatus}` : ""}</span>
    ) : state === "open" ? (
      <span className="inline-flex items-center gap-1.5 text-blue-300">
        <span className="size-1.5 animate-pulse rounded-full bg-blue-400" /> Live
      </span>
    ) : state === "failed" ? (
      <button
        type="button"
        className="inline-flex items-center gap-1 text-red-300 hover:text-red-200"
        onClick={() => {
          setState("connecting");
          setGeneration((g) => g + 1);
        }}
      >
        <RefreshIcon /> Stream lost — reconnect
      </button>
    ) : (
      <span className="inline-flex items-center gap-1.5 text-slate-400">
        <Spinner className="size-3" /> {state === "reconnecting" ? "Reconnecting…" : "Connecting…"}
      </span>
    );

  return (
    <LogLines
      lines={lines}
      status={statusNode}
      notice={dropped > 0 ? `${dropped.toLocaleString()} earlier lines not shown (live view keeps the last ${MAX_LIVE_LINES.toLocaleString()}).` : null}
      emptyText={state === "ended" ? "This attempt produced no output." : "Waiting for output…"}
      live={state !== "ended"}
    />
  );
}

function StoredLog({ project, runId, step, attempt }: LogViewProps) {
  const q = useInfiniteQuery({
    queryKey: queryKeys.stepLogs(project, runId, step, attempt),
    queryFn: ({ pageParam, signal }) =>
      api.getStepLogs(project, runId, step, { attempt, after: pageParam ?? undefined, limit: STORED_PAGE_SIZE }, signal),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => (last.complete || last.lines.length === 0 ? undefined : last.nextAfter),
    // A finished attempt's log never changes.
    staleTime: Infinity,
  });

  const lines = useMemo(() => q.data?.pages.flatMap((p) => p.lines) ?? [], [q.data]);

  if (q.isPending) {
    return (
      <LogFrame>
        <div className="flex items-center gap-2 p-4 text-xs text-slate-400">
          <Spinner className="size-3" /> Loading log…
        </div>
      </LogFrame>
    );
  }
  if (q.error) {
    return <ErrorMessage error={q.error} />;
  }
  return (
    <LogLines
      lines={lines}
      status={<span className="text-slate-400">Stored log</span>}
      emptyText="This attempt produced no output."
      footer={
        q.hasNextPage ? (
          <div className="border-t border-slate-800 p-2 text-center">
            <Button size="sm" variant="ghost" className="text-slate-300 hover:bg-slate-800 hover:text-white" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
              {q.isFetchingNextPage ? <Spinner className="size-3" /> : null}
              Load more lines
            </Button>
          </div>
        ) : null
      }
    />
  );
}

function LogFrame({ children, toolbar }: { children: ReactNode; toolbar?: ReactNode }) {
  return (
    <div className="overflow-hidden rounded-lg border border-slate-800 bg-slate-950 text-slate-200" data-testid="log-view">
      {toolbar}
      {children}
    </div>
  );
}

function LogLines({
  lines,
  status,
  notice,
  emptyText,
  footer,
  live = false,
}: {
  lines: LogLine[];
  status: ReactNode;
  notice?: string | null;
  emptyText: string;
  footer?: ReactNode;
  live?: boolean;
}) {
  const [follow, setFollow] = useState(true);
  const [filter, setFilter] = useState<StreamFilter>("all");
  const scrollRef = useRef<HTMLDivElement>(null);

  const visible = useMemo(() => (filter === "all" ? lines : lines.filter((l) => l.stream === filter)), [lines, filter]);
  const stderrCount = useMemo(() => lines.reduce((n, l) => n + (l.stream === "stderr" ? 1 : 0), 0), [lines]);

  // Follow = stick to the bottom as lines arrive. Runs before paint, so there is no visible jump.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [visible, follow]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    // Scrolling up to read pauses following; scrolling back to the bottom resumes it.
    if (atBottom !== follow) setFollow(atBottom);
  };

  const toolbar = (
    <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-800 bg-slate-900/80 px-3 py-1.5 text-xs">
      <div className="flex items-center gap-3">
        {status}
        <span className="text-slate-500 tabular-nums">{lines.length.toLocaleString()} lines</span>
      </div>
      <div className="flex items-center gap-1">
        <div className="flex overflow-hidden rounded-md ring-1 ring-slate-700" role="group" aria-label="Stream filter">
          {(["all", "stdout", "stderr"] as const).map((f) => (
            <button
              key={f}
              type="button"
              aria-pressed={filter === f}
              onClick={() => setFilter(f)}
              className={cn(
                "px-2 py-0.5 transition-colors",
                filter === f ? "bg-slate-700 text-white" : "text-slate-400 hover:text-slate-200",
              )}
            >
              {f === "stderr" && stderrCount > 0 ? `stderr (${stderrCount})` : f}
            </button>
          ))}
        </div>
        <button
          type="button"
          aria-pressed={follow}
          onClick={() => setFollow((f) => !f)}
          className={cn(
            "ml-1 inline-flex items-center gap-1 rounded-md px-2 py-0.5 ring-1 transition-colors",
            follow ? "bg-indigo-500/20 text-indigo-200 ring-indigo-400/40" : "text-slate-400 ring-slate-700 hover:text-slate-200",
          )}
          title="Keep the newest line in view"
        >
          <ArrowDownIcon /> Follow
        </button>
      </div>
    </div>
  );

  return (
    <LogFrame toolbar={toolbar}>
      <div
        ref={scrollRef}
        onScroll={onScroll}
        className="max-h-[28rem] min-h-24 overflow-auto py-1.5 font-mono text-[12px] leading-[1.55]"
        role="log"
        aria-live={live ? "polite" : "off"}
        aria-label="Step log"
        tabIndex={0}
      >
        {notice ? <div className="px-3 pb-1 text-[11px] text-amber-300/80 italic">{notice}</div> : null}
        {visible.length === 0 ? (
          <div className="px-3 py-2 text-slate-500 italic">{lines.length > 0 ? `No ${filter} lines.` : emptyText}</div>
        ) : (
          visible.map((l) => (
            <div
              key={l.seq}
              data-stream={l.stream}
              className={cn(
                "flex gap-3 border-l-2 px-3 hover:bg-white/[0.03]",
                l.stream === "stderr" ? "border-red-500/70 bg-red-500/[0.06] text-red-200" : "border-transparent",
              )}
            >
              <span className="shrink-0 text-slate-500 select-none tabular-nums">{formatLogTime(l.ts)}</span>
              <span className="min-w-0 break-all whitespace-pre-wrap">{stripAnsi(l.text) || " "}</span>
            </div>
          ))
        )}
      </div>
      {footer}
    </LogFrame>
  );
}

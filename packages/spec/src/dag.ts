/**
 * Dependency-graph helpers. A graph is a map from step name to `{ needs }`; an edge `a -> b`
 * means "a needs b" (b must finish before a starts). All results are deterministic: whenever
 * there is a choice, names are taken in alphabetical (UTF-16 code unit) order.
 */

export type StepGraph = Record<string, { needs: readonly string[] }>;

/** Upper bound on the cycles findCycles reports by default; see findCycles. */
export const DEFAULT_CYCLE_LIMIT = 100;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** node -> sorted, deduplicated needs that name nodes of the graph (unknown names dropped). */
function adjacency(steps: StepGraph): Map<string, string[]> {
  const adj = new Map<string, string[]>();
  for (const name of Object.keys(steps).sort(compare)) {
    const needs = steps[name]?.needs ?? [];
    adj.set(name, [...new Set(needs)].filter((n) => Object.hasOwn(steps, n)).sort(compare));
  }
  return adj;
}

/** Inserts into an already sorted array, keeping it sorted. */
function insertSorted(list: string[], item: string): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(list[mid] ?? "", item) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}

/** `["a", "b"]` → `a -> b -> a`. */
export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0] ?? ""].join(" -> ");
}

/**
 * Kahn's algorithm; among the steps whose needs are all satisfied the alphabetically smallest
 * comes first, so the same graph always yields the same order.
 * Throws on a need that names no step, and on a cycle (naming one of them).
 */
export function topologicalOrder(steps: StepGraph): string[] {
  const names = Object.keys(steps).sort(compare);
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const name of names) {
    const needs = new Set(steps[name]?.needs ?? []);
    for (const dep of needs) {
      if (!Object.hasOwn(steps, dep)) throw new Error(`step "${name}" needs unknown step "${dep}"`);
      dependents.get(dep)?.push(name);
    }
    remaining.set(name, needs.size);
  }
  const ready = names.filter((n) => remaining.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const next = ready.shift() as string;
    order.push(next);
    for (const dependent of dependents.get(next) ?? []) {
      const left = (remaining.get(dependent) ?? 0) - 1;
      remaining.set(dependent, left);
      if (left === 0) insertSorted(ready, dependent);
    }
  }
  if (order.length < names.length) {
    const [cycle] = findCycles(steps, 1);
    throw new Error(`dependency cycle ${cycle ? formatCycle(cycle) : "(unknown)"}`);
  }
  return order;
}

/**
 * Every elementary cycle of the graph, each listed once, starting from its alphabetically
 * smallest step and following `needs` (the start is not repeated at the end: `["a", "b"]` is
 * a -> b -> a). A self-dependency is the one-element cycle `["a"]`. Needs naming unknown
 * steps are ignored. Cycles are sorted; at most `limit` are returned.
 *
 * Johnson's algorithm: the time between two reported cycles is linear in the graph size, so
 * the limit bounds the total work even for dense graphs (which can have exponentially many
 * cycles) — this runs on user-uploaded specs.
 */
export function findCycles(steps: StepGraph, limit: number = DEFAULT_CYCLE_LIMIT): string[][] {
  const adj = adjacency(steps);
  const cycles: string[][] = [];
  if (limit <= 0) return cycles;
  for (const [name, needs] of adj) {
    const i = needs.indexOf(name);
    if (i >= 0) {
      cycles.push([name]);
      needs.splice(i, 1); // self-loops are reported; Johnson's search below needs them gone
    }
  }

  // Components are processed by their smallest node. Every cycle through that node lies in
  // the component, starts there, and the node is then removed before searching the rest.
  const work = stronglyConnected([...adj.keys()], (v) => adj.get(v) ?? []).filter((c) => c.length > 1);
  while (work.length > 0 && cycles.length < limit) {
    work.sort((a, b) => compare(a[0] ?? "", b[0] ?? ""));
    const component = work.shift() as string[];
    const members = new Set(component);
    const start = component[0] as string;
    const neighbours = (v: string) => (adj.get(v) ?? []).filter((w) => members.has(w));
    johnsonSearch(start, neighbours, (cycle) => {
      cycles.push(cycle);
      return cycles.length < limit;
    });
    members.delete(start);
    const rest = component.slice(1);
    work.push(...stronglyConnected(rest, neighbours).filter((c) => c.length > 1));
  }
  cycles.sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compare(a[i] ?? "", b[i] ?? "");
      if (c !== 0) return c;
    }
    return a.length - b.length;
  });
  return cycles.slice(0, limit);
}

/**
 * Iterative form of Johnson's circuit search (no recursion: a long chain of steps must not
 * overflow the stack). Reports every elementary cycle through `start` using only nodes that
 * `neighbours` yields; `emit` returns false to stop early.
 */
function johnsonSearch(start: string, neighbours: (v: string) => string[], emit: (cycle: string[]) => boolean): void {
  const path = [start];
  const blocked = new Set([start]);
  const blockedBy = new Map<string, Set<string>>();
  const stack: { next: string[]; i: number }[] = [{ next: neighbours(start), i: 0 }];
  // closed[k]: a cycle was found below path[k]; only then may path[k] be unblocked on return.
  const closed = [false];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { next: string[]; i: number };
    let descended = false;
    while (frame.i < frame.next.length) {
      const w = frame.next[frame.i++] as string;
      if (w === start) {
        if (!emit([...path])) return;
        closed[closed.length - 1] = true;
      } else if (!blocked.has(w)) {
        path.push(w);
        closed.push(false);
        blocked.add(w);
        stack.push({ next: neighbours(w), i: 0 });
        descended = true;
        break;
      }
    }
    if (descended) continue;
    stack.pop();
    const v = path.pop() as string;
    if (closed.pop()) {
      if (closed.length > 0) closed[closed.length - 1] = true;
      const unblock = [v];
      while (unblock.length > 0) {
        const u = unblock.pop() as string;
        if (blocked.delete(u)) {
          const waiting = blockedBy.get(u);
          if (waiting) {
            unblock.push(...waiting);
            waiting.clear();
          }
        }
      }
    } else {
      for (const w of neighbours(v)) {
        let waiting = blockedBy.get(w);
        if (!waiting) blockedBy.set(w, (waiting = new Set()));
        waiting.add(v);
      }
    }
  }
}

/** Tarjan's algorithm, iterative; each component is returned sorted. */
function stronglyConnected(nodes: readonly string[], neighbours: (v: string) => string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const allowed = new Set(nodes);
  for (const root of nodes) {
    if (index.has(root)) continue;
    const frames: { v: string; next: string[]; i: number }[] = [];
    const visit = (v: string) => {
      index.set(v, counter);
      low.set(v, counter);
      counter++;
      stack.push(v);
      onStack.add(v);
      frames.push({ v, next: neighbours(v).filter((w) => allowed.has(w)), i: 0 });
    };
    visit(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1] as { v: string; next: string[]; i: number };
      if (f.i < f.next.length) {
        const w = f.next[f.i++] as string;
        if (!index.has(w)) visit(w);
        else if (onStack.has(w)) low.set(f.v, Math.min(low.get(f.v) ?? 0, index.get(w) ?? 0));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) ?? 0, low.get(f.v) ?? 0));
      if (low.get(f.v) === index.get(f.v)) {
        const component: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop();
          if (w === undefined) break;
          onStack.delete(w);
          component.push(w);
        } while (w !== f.v);
        components.push(component.sort(compare));
      }
    }
  }
  return components;
}

/**
 * Every step that depends on `name`, directly or transitively, sorted alphabetically; `name`
 * itself is never included (even inside a cycle). Unknown `name` → [].
 */
export function downstreamOf(steps: StepGraph, name: string): string[] {
  const dependents = new Map<string, string[]>();
  for (const [step, { needs }] of Object.entries(steps)) {
    for (const dep of needs) {
      const list = dependents.get(dep);
      if (list) list.push(step);
      else dependents.set(dep, [step]);
    }
  }
  const seen = new Set<string>([name]);
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.pop() as string;
    for (const d of dependents.get(current) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        queue.push(d);
      }
    }
  }
  seen.delete(name);
  return [...seen].sort(compare);
}

/** Every step that `name` depends on, directly or transitively, sorted alphabetically. */
export function upstreamOf(steps: StepGraph, name: string): string[] {
  const seen = new Set<string>([name]);
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.pop() as string;
    for (const dep of steps[current]?.needs ?? []) {
      if (!seen.has(dep) && Object.hasOwn(steps, dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  seen.delete(name);
  return [...seen].sort(compare);
}

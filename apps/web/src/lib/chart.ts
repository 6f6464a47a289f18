/**
 * Chart maths shared by the hand-written SVG charts (line, scatter, parallel coordinates):
 * scales, "nice" ticks, paths and nearest-point lookup. Pure functions, unit-tested.
 */

export interface Scale {
  (value: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
  invert(pixel: number): number;
}

/** Linear map from `domain` to `range`; a zero-width domain maps to the middle of the range. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  Object.assign(scale, {
    domain,
    range,
    invert: (p: number) => (r1 === r0 ? d0 : d0 + ((p - r0) / (r1 - r0)) * span),
  });
  return scale;
}

/** Min and max of the finite values; null when there are none. */
export function extent(values: Iterable<number | null | undefined>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

function tickStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const err = raw / power;
  const factor = err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
  return factor * power;
}

/**
 * About `count` round tick values covering [lo, hi], and the domain widened to the outer
 * ticks (so lines never touch the frame at a non-round value). A single value gets a small
 * symmetric domain around it.
 */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; domain: [number, number] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { ticks: [], domain: [0, 1] };
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = tickStep(hi - lo, count);
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Rounding keeps 0.1 + 0.2 style drift out of the labels.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let v = start, i = 0; v <= end + step / 2 && i < 100; v += step, i++) ticks.push(Number(v.toFixed(decimals)));
  return { ticks, domain: [ticks[0] ?? start, ticks[ticks.length - 1] ?? end] };
}

/** Short tick label: 0.001, 12.5, 1.2k, 3M, 1e-5. */
export function formatTick(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9)}B`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  if (abs < 1e-3) return value.toExponential(0);
  return trim(value);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/**
 * SVG path of a series: one `M` then `L`s, a new `M` after each gap (null value), so a run's
 * line is a single element however many points it has.
 */
export function linePath(xs: readonly number[], ys: readonly (number | null)[], x: (v: number) => number, y: (v: number) => number): string {
  let d = "";
  let pen = false;
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const v = ys[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${round(x(xs[i]!))} ${round(y(v))}`;
    pen = true;
  }
  return d;
}

/** Closed band between two series (e.g. the min and max of each downsampled range). */
export function bandPath(
  xs: readonly number[],
  lows: readonly (number | null)[],
  highs: readonly (number | null)[],
  x: (v: number) => number,
  y: (v: number) => number,
): string {
  let d = "";
  let segment: number[] = [];
  const flush = () => {
    if (segment.length > 1) {
      d += segment.map((i, k) => `${k === 0 ? "M" : "L"}${round(x(xs[i]!))} ${round(y(highs[i]!))}`).join("");
      d += [...segment].reverse().map((i) => `L${round(x(xs[i]!))} ${round(y(lows[i]!))}`).join("") + "Z";
    }
    segment = [];
  };
  for (let i = 0; i < xs.length; i++) {
    const lo = lows[i];
    const hi = highs[i];
    if (typeof lo === "number" && typeof hi === "number" && Number.isFinite(lo) && Number.isFinite(hi)) segment.push(i);
    else flush();
  }
  flush();
  return d;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Index of the element of ascending `sorted` closest to `target`; -1 when empty. */
export function nearestIndex(sorted: readonly number[], target: number): number {
  if (sorted.length === 0) return -1;
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(sorted[lo - 1]! - target) <= Math.abs(sorted[lo]! - target)) return lo - 1;
  return lo;
}

/** Value of a series at the point nearest to `step`, if that point is within `maxDistance` steps. */
export function valueNear(steps: readonly number[], values: readonly (number | null)[], step: number, maxDistance: number): { step: number; value: number } | null {
  const i = nearestIndex(steps, step);
  if (i < 0) return null;
  const s = steps[i]!;
  const v = values[i];
  if (Math.abs(s - step) > maxDistance || v === null || v === undefined) return null;
  return { step: s, value: v };
}

/**
 * Sequential colour ramp (viridis-like, dark purple → teal → yellow) for t in [0, 1], used to
 * colour parallel-coordinate lines by the chosen metric.
 */
const RAMP: readonly [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function rampColor(t: number): string {
  const c = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(c));
  const f = c - i;
  const a = RAMP[i]!;
  const b = RAMP[i + 1]!;
  const mix = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)} ${mix(1)} ${mix(2)})`;
}

/** Positions of `n` categories spread evenly over a range (a point scale), in the given order. */
export function pointScale(categories: readonly string[], range: readonly [number, number]): (category: string) => number {
  const [r0, r1] = range;
  const n = categories.length;
  const index = new Map(categories.map((c, i) => [c, i]));
  return (c) => {
    const i = index.get(c) ?? 0;
    return n <= 1 ? (r0 + r1) / 2 : r0 + (i / (n - 1)) * (r1 - r0);
  };
}

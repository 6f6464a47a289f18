/**
 * Metric histories for charts. Full histories stay in MetricPoint; each (run, key) also keeps
 * a bounded, downsampled copy: buckets of `width` consecutive steps (bucket index =
 * floor(step / width)), each holding its latest point and the min and max of its values.
 * When a series outgrows MAX_SERIES_BUCKETS the width doubles and neighbouring buckets merge,
 * so a chart reads at most MAX_SERIES_BUCKETS points per series, however long the run
 * logged, and ingesting a batch costs O(batch + MAX_SERIES_BUCKETS).
 */

export interface MetricPointInput {
  step: number;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface SeriesBucket {
  index: number;
  /** Step and value of the bucket's latest point (greatest step; on a tie, the later one logged). */
  step: number;
  value: number;
  /** Min and max of the bucket's values, NaN values ignored (NaN when all were NaN). */
  min: number;
  max: number;
  count: number;
}

export interface MetricSeries {
  /** Steps per bucket: a power of two. */
  width: number;
  /** Sorted by index, no empty buckets. */
  buckets: SeriesBucket[];
}

export const MAX_SERIES_BUCKETS = 512;
const FIELDS = 6;

export function emptySeries(): MetricSeries {
  return { width: 1, buckets: [] };
}

/** Packs buckets as little-endian float64 sextuples (index, step, value, min, max, count). */
export function encodeSeries(series: MetricSeries): Uint8Array {
  const values = new Float64Array(series.buckets.length * FIELDS);
  series.buckets.forEach((b, i) => values.set([b.index, b.step, b.value, b.min, b.max, b.count], i * FIELDS));
  return new Uint8Array(values.buffer);
}

export function decodeSeries(width: number, bytes: Uint8Array | null | undefined): MetricSeries {
  if (!bytes || bytes.byteLength === 0) return { width: width > 0 ? width : 1, buckets: [] };
  // Copy: the input may be a view at an offset that is not 8-byte aligned.
  const values = new Float64Array(bytes.slice().buffer, 0, Math.floor(bytes.byteLength / 8));
  const buckets: SeriesBucket[] = [];
  for (let i = 0; i + FIELDS <= values.length; i += FIELDS) {
    buckets.push({ index: values[i]!, step: values[i + 1]!, value: values[i + 2]!, min: values[i + 3]!, max: values[i + 4]!, count: values[i + 5]! });
  }
  return { width, buckets };
}

function minIgnoringNaN(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.min(a, b);
}

function maxIgnoringNaN(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}

/** Merges bucket `later` (logged after `earlier`, or to the right of it) into `earlier`'s slot. */
function mergeBuckets(earlier: SeriesBucket, later: SeriesBucket, index: number): SeriesBucket {
  const latest = later.step >= earlier.step ? later : earlier;
  return {
    index,
    step: latest.step,
    value: latest.value,
    min: minIgnoringNaN(earlier.min, later.min),
    max: maxIgnoringNaN(earlier.max, later.max),
    count: earlier.count + later.count,
  };
}

/** Doubles the width until the series fits in MAX_SERIES_BUCKETS. */
function coarsen(series: MetricSeries): MetricSeries {
  let { width, buckets } = series;
  while (buckets.length > MAX_SERIES_BUCKETS) {
    width *= 2;
    const merged: SeriesBucket[] = [];
    for (const b of buckets) {
      const index = Math.floor(b.index / 2);
      const prev = merged[merged.length - 1];
      if (prev && prev.index === index) merged[merged.length - 1] = mergeBuckets(prev, b, index);
      else merged.push({ ...b, index });
    }
    buckets = merged;
  }
  return { width, buckets };
}

/** Adds points (in the order they were logged) and returns the new series; the input is not changed. */
export function addToSeries(series: MetricSeries, points: readonly MetricPointInput[]): MetricSeries {
  if (points.length === 0) return series;
  const byIndex = new Map<number, SeriesBucket>(series.buckets.map((b) => [b.index, b]));
  for (const p of points) {
    const index = Math.floor(p.step / series.width);
    const point: SeriesBucket = { index, step: p.step, value: p.value, min: p.value, max: p.value, count: 1 };
    const existing = byIndex.get(index);
    byIndex.set(index, existing ? mergeBuckets(existing, point, index) : point);
  }
  const buckets = [...byIndex.values()].sort((a, b) => a.index - b.index);
  return coarsen({ width: series.width, buckets });
}

export interface DownsampledSeries {
  steps: number[];
  values: number[];
  min: number[];
  max: number[];
}

/** At most `maxPoints` points: consecutive buckets are merged in equal-sized groups. */
export function downsampleSeries(series: MetricSeries, maxPoints: number): DownsampledSeries {
  const out: DownsampledSeries = { steps: [], values: [], min: [], max: [] };
  const { buckets } = series;
  const group = Math.max(1, Math.ceil(buckets.length / Math.max(1, maxPoints)));
  for (let i = 0; i < buckets.length; i += group) {
    let merged = buckets[i]!;
    for (let j = i + 1; j < Math.min(i + group, buckets.length); j++) merged = mergeBuckets(merged, buckets[j]!, merged.index);
    out.steps.push(merged.step);
    out.values.push(merged.value);
    out.min.push(merged.min);
    out.max.push(merged.max);
  }
  return out;
}

export interface MetricSummaryState {
  last: number;
  lastStep: number;
  lastTimestamp: number;
  /** null when every value so far was NaN. */
  min: number | null;
  max: number | null;
  count: number;
}

/**
 * Folds points into a summary. "last" is MLflow's latest metric: the greatest step, then the
 * greatest timestamp, then the greatest value.
 */
export function summarizePoints(prev: MetricSummaryState | null, points: readonly MetricPointInput[]): MetricSummaryState | null {
  let state = prev;
  for (const p of points) {
    if (!state) {
      const comparable = Number.isNaN(p.value) ? null : p.value;
      state = { last: p.value, lastStep: p.step, lastTimestamp: p.timestamp, min: comparable, max: comparable, count: 1 };
      continue;
    }
    const later =
      p.step > state.lastStep ||
      (p.step === state.lastStep && (p.timestamp > state.lastTimestamp || (p.timestamp === state.lastTimestamp && p.value > state.last)));
    const comparable = !Number.isNaN(p.value);
    state = {
      last: later ? p.value : state.last,
      lastStep: later ? p.step : state.lastStep,
      lastTimestamp: later ? p.timestamp : state.lastTimestamp,
      min: comparable ? (state.min === null ? p.value : Math.min(state.min, p.value)) : state.min,
      max: comparable ? (state.max === null ? p.value : Math.max(state.max, p.value)) : state.max,
      count: state.count + 1,
    };
  }
  return state;
}

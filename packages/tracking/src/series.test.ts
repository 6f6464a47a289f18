import { describe, expect, it } from "vitest";
import { addToSeries, decodeSeries, downsampleSeries, emptySeries, encodeSeries, MAX_SERIES_BUCKETS, summarizePoints, type MetricPointInput } from "./series.js";

const points = (n: number, f: (step: number) => number = (s) => s): MetricPointInput[] =>
  Array.from({ length: n }, (_, step) => ({ step, value: f(step), timestamp: 1000 + step }));

describe("metric series", () => {
  it("keeps every point while it fits", () => {
    const s = addToSeries(emptySeries(), points(10, (s) => s * 2));
    expect(s.width).toBe(1);
    expect(s.buckets.map((b) => [b.step, b.value])).toEqual(points(10, (s) => s * 2).map((p) => [p.step, p.value]));
  });

  it("stays bounded however long the history, keeping min and max of every merged bucket", () => {
    let s = emptySeries();
    for (let i = 0; i < 100; i++) s = addToSeries(s, points(1000).map((p) => ({ ...p, step: p.step + i * 1000, value: Math.sin(p.step + i * 1000) })));
    expect(s.buckets.length).toBeLessThanOrEqual(MAX_SERIES_BUCKETS);
    expect(s.buckets.length).toBeGreaterThan(MAX_SERIES_BUCKETS / 4);
    expect(s.buckets.reduce((n, b) => n + b.count, 0)).toBe(100_000);
    const last = s.buckets[s.buckets.length - 1]!;
    expect(last.step).toBe(99_999);
    expect(last.value).toBeCloseTo(Math.sin(99_999));
    expect(Math.min(...s.buckets.map((b) => b.min))).toBeCloseTo(-1, 3);
    expect(Math.max(...s.buckets.map((b) => b.max))).toBeCloseTo(1, 3);
  });

  it("accepts points out of order and keeps the latest step as the bucket's value", () => {
    const s = addToSeries(emptySeries(), [
      { step: 5, value: 1, timestamp: 1 },
      { step: 1, value: 2, timestamp: 2 },
      { step: 5, value: 3, timestamp: 3 },
    ]);
    expect(s.buckets.map((b) => [b.index, b.value, b.count])).toEqual([
      [1, 2, 1],
      [5, 3, 2],
    ]);
  });

  it("round-trips through its binary encoding, NaN included", () => {
    const s = addToSeries(emptySeries(), [...points(700), { step: 800, value: NaN, timestamp: 0 }]);
    const bytes = encodeSeries(s);
    const unaligned = new Uint8Array(bytes.length + 3);
    unaligned.set(bytes, 3);
    const back = decodeSeries(s.width, unaligned.subarray(3));
    expect(back.buckets.length).toBe(s.buckets.length);
    expect(back.buckets[back.buckets.length - 1]!.value).toBeNaN();
    expect(back.buckets.slice(0, -1)).toEqual(s.buckets.slice(0, -1));
  });

  it("downsamples to at most the requested points", () => {
    const s = addToSeries(emptySeries(), points(500, (x) => (x === 250 ? 1e6 : x)));
    const d = downsampleSeries(s, 100);
    expect(d.steps.length).toBeLessThanOrEqual(100);
    expect(Math.max(...d.max)).toBe(1e6);
    expect(d.steps[d.steps.length - 1]).toBe(499);
    expect(downsampleSeries(emptySeries(), 10).steps).toEqual([]);
  });
});

describe("metric summary", () => {
  it("follows MLflow's latest metric: greatest step, then timestamp, then value", () => {
    const s = summarizePoints(null, [
      { step: 2, value: 0.5, timestamp: 10 },
      { step: 3, value: 0.1, timestamp: 5 },
      { step: 3, value: 0.2, timestamp: 5 },
      { step: 1, value: 0.9, timestamp: 99 },
    ]);
    expect(s).toEqual({ last: 0.2, lastStep: 3, lastTimestamp: 5, min: 0.1, max: 0.9, count: 4 });
  });

  it("ignores NaN in min and max", () => {
    const s = summarizePoints(null, [{ step: 0, value: NaN, timestamp: 1 }]);
    expect(s).toMatchObject({ min: null, max: null, count: 1 });
    expect(summarizePoints(s, [{ step: 1, value: 4, timestamp: 2 }])).toMatchObject({ last: 4, min: 4, max: 4, count: 2 });
  });
});

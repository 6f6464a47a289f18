import { describe, expect, it } from "vitest";
import { bandPath, extent, formatTick, linearScale, linePath, nearestIndex, niceTicks, pointScale, rampColor, valueNear } from "./chart";

describe("linearScale", () => {
  it("maps and inverts", () => {
    const s = linearScale([0, 10], [100, 200]);
    expect(s(5)).toBe(150);
    expect(s.invert(150)).toBe(5);
    // y axes run downwards
    const y = linearScale([0, 1], [300, 0]);
    expect(y(1)).toBe(0);
    expect(y(0.25)).toBe(225);
  });
  it("puts a zero-width domain in the middle", () => {
    expect(linearScale([3, 3], [0, 100])(3)).toBe(50);
  });
});

describe("extent and ticks", () => {
  it("skips non-finite values", () => {
    expect(extent([3, null, -1, NaN, Infinity, 7])).toEqual([-1, 7]);
    expect(extent([null])).toBeNull();
  });
  it("makes round ticks covering the data", () => {
    expect(niceTicks(0.12, 0.93, 5)).toEqual({ ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], domain: [0, 1] });
    expect(niceTicks(0, 97, 5).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    const single = niceTicks(5, 5);
    expect(single.domain[0]).toBeLessThan(5);
    expect(single.domain[1]).toBeGreaterThan(5);
    expect(niceTicks(0.1, 0.3).ticks.every((t) => String(t).length < 6)).toBe(true);
  });
  it("formats tick labels compactly", () => {
    expect(formatTick(0)).toBe("0");
    expect(formatTick(0.25)).toBe("0.25");
    expect(formatTick(12000)).toBe("12k");
    expect(formatTick(2_500_000)).toBe("2.5M");
    expect(formatTick(0.00001)).toBe("1e-5");
  });
});

describe("paths", () => {
  const id = (v: number) => v;
  it("draws one path, restarting after gaps", () => {
    expect(linePath([0, 1, 2, 3], [1, null, 2, 3], id, id)).toBe("M0 1M2 2L3 3");
    expect(linePath([], [], id, id)).toBe("");
  });
  it("closes a band between lows and highs", () => {
    expect(bandPath([0, 1], [0, 1], [2, 3], id, id)).toBe("M0 2L1 3L1 1L0 0Z");
  });
});

describe("nearest point", () => {
  it("finds the closest step", () => {
    expect(nearestIndex([0, 10, 20], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20], -5)).toBe(0);
    expect(nearestIndex([0, 10, 20], 99)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
  });
  it("returns the value only within reach", () => {
    expect(valueNear([0, 10], [0.5, 0.7], 9, 2)).toEqual({ step: 10, value: 0.7 });
    expect(valueNear([0, 10], [0.5, 0.7], 5, 2)).toBeNull();
    expect(valueNear([0, 10], [0.5, null], 10, 2)).toBeNull();
  });
});

describe("colours and categories", () => {
  it("ramps from purple to yellow", () => {
    expect(rampColor(0)).toBe("rgb(68 1 84)");
    expect(rampColor(1)).toBe("rgb(253 231 37)");
    expect(rampColor(2)).toBe("rgb(253 231 37)");
  });
  it("spreads categories evenly", () => {
    const p = pointScale(["a", "b", "c"], [0, 100]);
    expect([p("a"), p("b"), p("c")]).toEqual([0, 50, 100]);
    expect(pointScale(["x"], [0, 100])("x")).toBe(50);
  });
});

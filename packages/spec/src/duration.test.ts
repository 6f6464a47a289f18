import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./index.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["10m", 600_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["1h30m", 5_400_000],
    ["1d2h3m4s5ms", 93_784_005],
    ["1.5h", 5_400_000],
    ["0.5s", 500],
    ["  10m  ", 600_000],
    ["0s", 0],
    ["1m500ms", 60_500],
  ])("parses %j", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("treats numbers as seconds", () => {
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration(0.25)).toBe(250);
    expect(parseDuration(0)).toBe(0);
  });

  it.each(["", " ", "10", "10 minutes", "10 m", "1h 30m", "30m1h", "1m1m", "-5s", "+5s", "5x", "1.s", ".5s", "ms", "1e3s", "5S", "1h30", "0x10s"])(
    "rejects %j",
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it("rejects invalid numbers", () => {
    expect(parseDuration(-1)).toBeNull();
    expect(parseDuration(Number.NaN)).toBeNull();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeNull();
    expect(parseDuration(1e300)).toBeNull();
    expect(parseDuration("99999999999999999999d")).toBeNull();
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [1500, "1s500ms"],
    [90_000, "1m30s"],
    [5_400_000, "1h30m"],
    [86_400_000, "1d"],
    [93_784_005, "1d2h3m4s5ms"],
    [-90_000, "-1m30s"],
    [0.4, "0s"],
  ])("formats %d as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("round-trips with parseDuration", () => {
    for (const ms of [1, 999, 1000, 61_001, 3_600_000, 90_061_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

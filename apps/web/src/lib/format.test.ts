import { describe, expect, it } from "vitest";
import { durationBetween, formatDuration, paramsSummary, shortId, stripAnsi } from "./format";

describe("formatDuration", () => {
  it.each([
    [null, "—"],
    [-5, "—"],
    [320, "320ms"],
    [4200, "4.2s"],
    [42_000, "42s"],
    [184_000, "3m 04s"],
    [3_720_000, "1h 02m"],
    [3 * 86_400_000 + 3_600_000, "3d 1h"],
  ])("%s → %s", (ms, out) => expect(formatDuration(ms)).toBe(out));
});

describe("durationBetween", () => {
  it("measures open intervals up to now", () => {
    expect(durationBetween("2024-01-01T00:00:00Z", null, Date.parse("2024-01-01T00:00:05Z"))).toBe(5000);
    expect(durationBetween(null, null, 0)).toBeNull();
  });
});

describe("misc", () => {
  it("shortens ids, summarises params, strips ANSI", () => {
    expect(shortId("0123456789abcdef")).toBe("01234567");
    expect(paramsSummary({ day: "2024-01-01", n: 3, cfg: { a: 1 } })).toBe('day=2024-01-01  n=3  cfg={"a":1}');
    expect(stripAnsi("\u001b[1mbold\u001b[0m done")).toBe("bold done");
  });
});

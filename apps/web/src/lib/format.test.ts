import { describe, expect, it } from "vitest";
import { durationBetween, formatAge, formatBytes, formatDuration, paramsSummary, shortDigest, shortId, stripAnsi } from "./format";

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

describe("formatBytes", () => {
  it.each([
    [null, "—"],
    [0, "0 B"],
    [512, "512 B"],
    [1536, "1.5 KB"],
    [1024 * 1024, "1 MB"],
    [23.4 * 1024 * 1024, "23 MB"],
    [4.1 * 1024 ** 3, "4.1 GB"],
  ])("%s → %s", (n, out) => expect(formatBytes(n)).toBe(out));
});

describe("formatAge and shortDigest", () => {
  it("uses the largest unit that divides the age", () => {
    expect(formatAge(7 * 86_400_000)).toBe("7d");
    expect(formatAge(36 * 3_600_000)).toBe("36h");
    expect(formatAge(90 * 60_000)).toBe("90m");
    expect(formatAge(1500)).toBe("2s");
  });

  it("shortens digests", () => {
    expect(shortDigest("sha256:0123456789abcdef0123")).toBe("0123456789ab");
    expect(shortDigest("ffffeeeeddddccccbbbb")).toBe("ffffeeeedddd");
  });
});

import { describe, expect, it } from "vitest";
import {
  durationBetween,
  formatAge,
  formatBytes,
  formatCores,
  formatCoresLabel,
  formatDuration,
  formatMemory,
  formatMemoryRequest,
  paramsSummary,
  shortDigest,
  shortId,
  stripAnsi,
} from "./format";

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

const Ki = 1024;
const Mi = 1024 ** 2;
const Gi = 1024 ** 3;

describe("formatMemory", () => {
  it.each([
    [null, "—"],
    [-1, "—"],
    [0, "0B"],
    [512, "512B"],
    [64 * Ki, "64Ki"],
    [1.5 * Ki, "1.5Ki"],
    [57_425_920, "54.8Mi"],
    [640 * Mi, "640Mi"],
    [100.4 * Mi, "100Mi"],
    [1.5 * Gi, "1.5Gi"],
    [25_276_502_016, "23.5Gi"],
    [2 * 1024 ** 4, "2Ti"],
  ])("%s → %s", (n, out) => expect(formatMemory(n)).toBe(out));
});

describe("formatMemoryRequest", () => {
  it.each([
    [null, "—"],
    [256 * Mi, "256Mi"],
    [64 * Mi, "64Mi"],
    [1.5 * Gi, "1.5Gi"],
    [1088 * Mi, "1088Mi"], // 1.0625Gi has too many decimals
    [4 * Gi, "4Gi"],
    [Math.round(1.1 * Gi), "1.1Gi"], // as parsed from "1.1Gi"
    [4e9, "4G"],
    [1.5e9, "1.5G"],
    [1000, "1k"],
    [100, "100"],
    [123_456_789, "123456789"],
  ])("%s → %s", (n, out) => expect(formatMemoryRequest(n)).toBe(out));
});

describe("formatCores", () => {
  it.each([
    [null, "—"],
    [0, "0"],
    [0.6, "0.6"],
    [0.8947970377902132, "0.89"],
    [2, "2"],
    [1.25, "1.25"],
  ])("%s → %s", (n, out) => expect(formatCores(n)).toBe(out));

  it("labels cores", () => {
    expect(formatCoresLabel(1)).toBe("1 core");
    expect(formatCoresLabel(0.5)).toBe("0.5 cores");
    expect(formatCoresLabel(null)).toBe("—");
  });
});

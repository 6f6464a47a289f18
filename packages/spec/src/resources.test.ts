import { describe, expect, it } from "vitest";
import { formatBytes, formatCpu, parseCpu, parseMemory, scaledMemory, suggestCpuRequest, suggestMemoryRequest } from "./resources.js";

const Mi = 2 ** 20;
const Gi = 2 ** 30;

describe("resource quantities", () => {
  it("parses memory in binary and decimal units", () => {
    expect(parseMemory("512Mi")).toBe(512 * Mi);
    expect(parseMemory("1.5Gi")).toBe(1.5 * Gi);
    expect(parseMemory("2G")).toBe(2e9);
    expect(parseMemory("64Ki")).toBe(65536);
    expect(parseMemory(1048576)).toBe(Mi);
    expect(parseMemory("100")).toBe(100);
    for (const bad of ["", "lots", "-1Gi", "0", "1Zi", "1 G B", null, {}]) expect(parseMemory(bad)).toBeNull();
  });

  it("parses CPUs as cores or millicores", () => {
    expect(parseCpu(2)).toBe(2);
    expect(parseCpu("0.5")).toBe(0.5);
    expect(parseCpu("250m")).toBe(0.25);
    for (const bad of [0, -1, "two", "1.5m", Number.NaN, null]) expect(parseCpu(bad)).toBeNull();
  });

  it("formats bytes and cores the way requests are written", () => {
    expect(formatBytes(512 * Mi)).toBe("512Mi");
    expect(formatBytes(1.5 * Gi)).toBe("1.5Gi");
    expect(formatBytes(511.4 * Mi)).toBe("511Mi");
    expect(formatBytes(100)).toBe("100B");
    expect(formatCpu(0.25)).toBe("250m");
    expect(formatCpu(0.5)).toBe("0.5");
    expect(formatCpu(2)).toBe("2");
  });

  it("suggests requests with headroom, rounded up", () => {
    expect(suggestMemoryRequest(500 * Mi)).toBe(640 * Mi);
    expect(suggestMemoryRequest(1)).toBe(64 * Mi);
    expect(suggestCpuRequest(1.3)).toBe(1.6);
    expect(suggestCpuRequest(0.01)).toBe(0.1);
  });

  it("scales memory after an OOM kill up to the cap, then stops", () => {
    expect(scaledMemory(512 * Mi, 2, 2 * Gi)).toBe(Gi);
    expect(scaledMemory(Gi, 3, 2 * Gi)).toBe(2 * Gi);
    expect(scaledMemory(2 * Gi, 2, 2 * Gi)).toBeNull();
  });
});

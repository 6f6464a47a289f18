import { describe, expect, it } from "vitest";
import {
  attemptLabel,
  describeSuggestion,
  hasRequests,
  hasSuggestion,
  hasUsage,
  memoryRequestChanged,
  resourcesYaml,
  usageFraction,
} from "./resources";

const Mi = 1024 ** 2;

describe("resourcesYaml", () => {
  it("writes the suggestion as a line of YAML", () => {
    expect(resourcesYaml({ cpu: 0.6, memoryBytes: 640 * Mi })).toBe("resources: { cpu: 0.6, memory: 640Mi }");
    expect(resourcesYaml({ cpu: null, memoryBytes: 1088 * Mi })).toBe("resources: { memory: 1088Mi }");
    expect(resourcesYaml({ cpu: 1.1, memoryBytes: null })).toBe("resources: { cpu: 1.1 }");
  });

  it("keeps the step's GPUs", () => {
    expect(resourcesYaml({ cpu: 2, memoryBytes: 4 * 1024 * Mi }, 1)).toBe("resources: { cpu: 2, memory: 4Gi, gpu: 1 }");
  });

  it("describes it in words", () => {
    expect(describeSuggestion({ memoryBytes: 640 * Mi, cpu: 0.6, basedOn: 3 })).toBe("memory 640Mi, cpu 0.6");
    expect(describeSuggestion({ memoryBytes: null, cpu: 0.4, basedOn: 1 })).toBe("cpu 0.4");
  });
});

describe("predicates", () => {
  it("tells requests, usage and suggestions apart from nothing", () => {
    expect(hasRequests(null)).toBe(false);
    expect(hasRequests({ executor: "container", cpu: null, memoryBytes: null, gpu: 0 })).toBe(false);
    expect(hasRequests({ executor: "shared", cpu: null, memoryBytes: null, gpu: 1 })).toBe(true);
    expect(hasUsage({ peakMemoryBytes: null, peakCpu: null, cpuSeconds: null })).toBe(false);
    expect(hasUsage({ peakMemoryBytes: 1, peakCpu: null, cpuSeconds: null })).toBe(true);
    expect(hasSuggestion({ memoryBytes: null, cpu: null, basedOn: 1 })).toBe(false);
    expect(hasSuggestion({ memoryBytes: 64 * Mi, cpu: null, basedOn: 1 })).toBe(true);
  });

  it("clamps the peak's share of the request", () => {
    expect(usageFraction(32, 64)).toBe(0.5);
    expect(usageFraction(80, 64)).toBe(1);
    expect(usageFraction(32, null)).toBeNull();
    expect(usageFraction(null, 64)).toBeNull();
  });

  it("notices memory requests that changed between attempts", () => {
    const p = (memoryBytes: number | null) => ({ placement: { executor: "container" as const, cpu: null, memoryBytes, gpu: 0 } });
    expect(memoryRequestChanged([p(64 * Mi), p(128 * Mi)])).toBe(true);
    expect(memoryRequestChanged([p(64 * Mi), p(64 * Mi)])).toBe(false);
    expect(memoryRequestChanged([{ placement: null }])).toBe(false);
  });
});

describe("attemptLabel", () => {
  it("counts attempts, past the limit once out-of-memory retries come on top", () => {
    expect(attemptLabel({ attempt: 1, maxAttempts: 3 })).toBe("1/3");
    expect(attemptLabel({ attempt: 2, maxAttempts: 1 })).toBe("#2");
  });
});

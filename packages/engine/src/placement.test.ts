import { describe, expect, it } from "vitest";
import { neverFits, placementOf, shortfall, waitingReason, type LiveWorker, type Placement, type WorkerCapacity } from "./placement.js";

const Gi = 2 ** 30;
const capacity = (over: Partial<WorkerCapacity> = {}): WorkerCapacity => ({ executors: ["shared", "container"], cpu: 4, memoryBytes: 16 * Gi, gpus: ["0", "1"], ...over });
const worker = (over: Partial<LiveWorker> = {}): LiveWorker => ({ id: "w", capacity: capacity(), inUse: { cpu: 0, memoryBytes: 0, gpus: 0 }, concurrency: 8, running: 0, ...over });
const p = (over: Partial<Placement> = {}): Placement => ({ executor: "shared", cpu: null, memoryBytes: null, gpu: 0, ...over });

describe("placement", () => {
  it("is null for shared steps without requests", () => {
    expect(placementOf({ executor: "shared", resources: { cpu: null, memoryBytes: null, gpu: 0 } })).toBeNull();
    expect(placementOf({ executor: "container", resources: { cpu: null, memoryBytes: null, gpu: 0 } })).toEqual(p({ executor: "container" }));
  });

  it("knows what can never fit a worker and what is missing now", () => {
    expect(neverFits(capacity({ executors: ["shared"] }), p({ executor: "container" }))).toBe("does not support the container executor");
    expect(neverFits(capacity(), p({ gpu: 3 }))).toBe("has 2 GPUs, the step needs 3");
    expect(neverFits(capacity(), p({ memoryBytes: 32 * Gi }))).toBe("has 16Gi memory, the step needs 32Gi");
    expect(neverFits(capacity(), p({ cpu: 0.5, gpu: 2 }))).toBeNull();
    expect(shortfall(capacity(), { cpu: 0, memoryBytes: 0, gpus: 2 }, p({ gpu: 1 }))).toBe("waiting for 1 GPU: all 2 in use");
    expect(shortfall(capacity(), { cpu: 0, memoryBytes: 12 * Gi, gpus: 0 }, p({ memoryBytes: 8 * Gi }))).toBe("waiting for 8Gi memory: 12Gi of 16Gi in use");
    expect(shortfall(capacity(), { cpu: 3.5, memoryBytes: 0, gpus: 0 }, p({ cpu: 1 }))).toBe("waiting for 1 CPU: 3.5 of 4 in use");
    expect(shortfall(capacity(), { cpu: 3, memoryBytes: 0, gpus: 1 }, p({ cpu: 1, gpu: 1 }))).toBeNull();
  });

  it("explains why a queued step waits, across workers", () => {
    expect(waitingReason(null, [])).toBe("waiting for a worker: none is running");
    expect(waitingReason(p({ executor: "container" }), [worker({ capacity: capacity({ executors: ["shared"] }) })])).toBe(
      "no worker can run it: none of the 1 live worker supports the container executor",
    );
    expect(waitingReason(p({ gpu: 4 }), [worker(), worker({ id: "small", capacity: capacity({ gpus: [] }) })])).toBe(
      "no worker can run it: it needs 4 GPUs, the most any of the 2 workers has is 2",
    );
    expect(waitingReason(p({ gpu: 1 }), [worker({ inUse: { cpu: 0, memoryBytes: 0, gpus: 2 }, running: 2 })])).toBe("waiting for 1 GPU: all 2 in use");
    expect(waitingReason(null, [worker({ running: 8 })])).toBe("waiting for a free slot: all 8 step slots of 1 worker are busy");
    expect(waitingReason(p({ gpu: 1 }), [worker({ inUse: { cpu: 0, memoryBytes: 0, gpus: 2 } }), worker({ id: "b" })])).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { capacityFromEnv, parseGpuInventory, ResourceLedger } from "./capacity.js";

const Gi = 2 ** 30;

describe("worker capacity", () => {
  it("reads what the worker offers from the environment", () => {
    expect(capacityFromEnv({ TRELLIS_WORKER_CPUS: "6", TRELLIS_WORKER_MEMORY: "32Gi", TRELLIS_WORKER_GPUS: "0,1" }, true)).toEqual({
      executors: ["shared", "container"],
      cpu: 6,
      memoryBytes: 32 * Gi,
      gpus: ["0", "1"],
    });
    expect(capacityFromEnv({ TRELLIS_WORKER_GPUS: "none" }, false)).toMatchObject({ executors: ["shared"], gpus: [] });
    expect(capacityFromEnv({ TRELLIS_WORKER_EXECUTORS: "container", TRELLIS_WORKER_GPUS: "" }, true).executors).toEqual(["container"]);
  });

  it("names the variable that is wrong", () => {
    expect(() => capacityFromEnv({ TRELLIS_WORKER_CPUS: "lots" }, true)).toThrow(/TRELLIS_WORKER_CPUS must be a positive number of cores, got "lots"/);
    expect(() => capacityFromEnv({ TRELLIS_WORKER_MEMORY: "big" }, true)).toThrow(/TRELLIS_WORKER_MEMORY/);
    expect(() => capacityFromEnv({ TRELLIS_WORKER_EXECUTORS: "shared,vm", TRELLIS_WORKER_GPUS: "" }, true)).toThrow(/TRELLIS_WORKER_EXECUTORS must list shared and\/or container/);
    expect(() => capacityFromEnv({ TRELLIS_WORKER_EXECUTORS: "container", TRELLIS_WORKER_GPUS: "" }, false)).toThrow(/no container engine answers/);
    expect(() => parseGpuInventory("0,0")).toThrow(/distinct device ids/);
    expect(parseGpuInventory(" GPU-3f1a , GPU-9b2c ")).toEqual(["GPU-3f1a", "GPU-9b2c"]);
  });
});

describe("ResourceLedger", () => {
  const ledger = () => new ResourceLedger({ executors: ["shared", "container"], cpu: 4, memoryBytes: 8 * Gi, gpus: ["a", "b", "c"] });

  it("gives free GPU devices lowest first and never one device to two steps", () => {
    const l = ledger();
    expect(l.reserve("s1", { executor: "container", cpu: null, memoryBytes: null, gpu: 2 })).toEqual({ ok: true, gpuDevices: ["a", "b"] });
    expect(l.reserve("s2", { executor: "shared", cpu: null, memoryBytes: null, gpu: 2 })).toEqual({ ok: false, never: false, reason: "waiting for 2 GPUs: 2 of 3 in use" });
    expect(l.reserve("s3", { executor: "shared", cpu: null, memoryBytes: null, gpu: 1 })).toEqual({ ok: true, gpuDevices: ["c"] });
    l.release("s1");
    expect(l.reserve("s2", { executor: "shared", cpu: null, memoryBytes: null, gpu: 2 })).toEqual({ ok: true, gpuDevices: ["a", "b"] });
    expect(l.inUse()).toEqual({ cpu: 0, memoryBytes: 0, gpus: 3 });
  });

  it("accounts CPU and memory, and knows what can never fit", () => {
    const l = ledger();
    expect(l.reserve("big", { executor: "shared", cpu: 3, memoryBytes: 6 * Gi, gpu: 0 }).ok).toBe(true);
    expect(l.reserve("more", { executor: "shared", cpu: 1, memoryBytes: 4 * Gi, gpu: 0 })).toMatchObject({ ok: false, never: false, reason: "waiting for 4Gi memory: 6Gi of 8Gi in use" });
    expect(l.reserve("huge", { executor: "shared", cpu: null, memoryBytes: 16 * Gi, gpu: 0 })).toMatchObject({ ok: false, never: true, reason: "this worker has 8Gi memory, the step needs 16Gi" });
    expect(l.reserve("plain", null)).toEqual({ ok: true, gpuDevices: [] });
  });

  it("wakes waiters when something is released", async () => {
    const l = ledger();
    l.reserve("s1", { executor: "shared", cpu: 4, memoryBytes: null, gpu: 0 });
    const woken = l.released(10_000);
    l.release("s1");
    await woken;
    expect(l.reserve("s2", { executor: "shared", cpu: 4, memoryBytes: null, gpu: 0 }).ok).toBe(true);
  });
});

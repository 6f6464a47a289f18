import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  ContainerExecutor,
  classifyExit,
  containerCreateBody,
  initExecFailure,
  removeOrphanContainers,
  type ContainerBodyOptions,
  type ContainerEngine,
  type ExitFacts,
} from "./container-executor.js";
import {
  cgroupDirs,
  keyedValue,
  parseCgroupMounts,
  parseProcCgroup,
  readCgroupSample,
  statsSample,
  UsageTracker,
} from "./container-usage.js";
import {
  DockerApiError,
  DockerClient,
  DockerStreamDemuxer,
  DockerUnreachableError,
  parseDockerHost,
  resolveDockerEndpoint,
  type ContainerCreateBody,
  type ContainerInspect,
  type ContainerSummary,
  type LogsOptions,
} from "./docker-client.js";
import type { ProcessSpec } from "./types.js";

const MiB = 2 ** 20;

function spec(overrides: Partial<ProcessSpec> = {}, container: Partial<NonNullable<ProcessSpec["container"]>> = {}): ProcessSpec {
  return {
    argv: ["python3", "train.py", "--epochs", "3"],
    cwd: "/work/step",
    env: { TRELLIS_RUN: "r1", EMPTY: "", WITH_EQUALS: "a=b" },
    timeoutMs: null,
    gpuDevices: [],
    container: { image: "trellis-python:latest", mounts: [], cpu: null, memoryBytes: null, labels: {}, ...container },
    ...overrides,
  };
}

const options: ContainerBodyOptions = { network: "host", gpuMode: "nvidia", user: "1000:1000", init: true };

describe("containerCreateBody", () => {
  it("runs argv in the image with the step's env, cwd, user and labels, without a TTY", () => {
    const body = containerCreateBody(spec({}, { labels: { "trellis.worker": "w1", "trellis.run": "r1", "trellis.step": "s1" } }), options);
    expect(body).toMatchObject({
      Image: "trellis-python:latest",
      Cmd: ["python3", "train.py", "--epochs", "3"],
      Env: ["TRELLIS_RUN=r1", "EMPTY=", "WITH_EQUALS=a=b"],
      WorkingDir: "/work/step",
      User: "1000:1000",
      Labels: { "trellis.worker": "w1", "trellis.run": "r1", "trellis.step": "s1" },
      Tty: false,
      OpenStdin: false,
    });
    expect(body.HostConfig).toMatchObject({ NetworkMode: "host", Init: true, AutoRemove: false, Mounts: [] });
    // No ENTRYPOINT override: the image's entrypoint (if any) wraps the command, as with `docker run`.
    expect(body).not.toHaveProperty("Entrypoint");
  });

  it("sets hard limits: NanoCpus from cores, Memory with MemorySwap equal to it (no swap)", () => {
    const host = containerCreateBody(spec({}, { cpu: 0.5, memoryBytes: 64 * MiB }), options).HostConfig;
    expect(host.NanoCpus).toBe(500_000_000);
    expect(host.Memory).toBe(64 * MiB);
    expect(host.MemorySwap).toBe(64 * MiB);
    expect(containerCreateBody(spec({}, { cpu: 1 / 3 }), options).HostConfig.NanoCpus).toBe(333_333_333);
  });

  it("leaves limits out when unlimited", () => {
    const host = containerCreateBody(spec(), options).HostConfig;
    expect(host).not.toHaveProperty("NanoCpus");
    expect(host).not.toHaveProperty("Memory");
    expect(host).not.toHaveProperty("MemorySwap");
  });

  it("turns mounts into bind Mounts, read-only where asked (paths with ':' need no escaping)", () => {
    const mounts = [
      { source: "/data/runs/r1/inputs", target: "/inputs", readOnly: true },
      { source: "/data/runs/r1/out:put", target: "/outputs", readOnly: false },
    ];
    expect(containerCreateBody(spec({}, { mounts }), options).HostConfig.Mounts).toEqual([
      { Type: "bind", Source: "/data/runs/r1/inputs", Target: "/inputs", ReadOnly: true },
      { Type: "bind", Source: "/data/runs/r1/out:put", Target: "/outputs", ReadOnly: false },
    ]);
  });

  it("requests the step's GPUs from the nvidia driver in nvidia mode", () => {
    const host = containerCreateBody(spec({ gpuDevices: ["0", "2"] }), options).HostConfig;
    expect(host.DeviceRequests).toEqual([{ Driver: "nvidia", DeviceIDs: ["0", "2"], Capabilities: [["gpu"]] }]);
  });

  it("makes no device request in none mode, nor for steps without GPUs", () => {
    expect(containerCreateBody(spec({ gpuDevices: ["0"] }), { ...options, gpuMode: "none" }).HostConfig).not.toHaveProperty("DeviceRequests");
    expect(containerCreateBody(spec(), options).HostConfig).not.toHaveProperty("DeviceRequests");
  });

  it("takes the network, and leaves the user and init out when not wanted", () => {
    const body = containerCreateBody(spec(), { network: "bridge", gpuMode: "none", user: null, init: false });
    expect(body.HostConfig.NetworkMode).toBe("bridge");
    expect(body).not.toHaveProperty("User");
    expect(body.HostConfig).not.toHaveProperty("Init");
  });

  it("refuses a spec without container settings", () => {
    expect(() => containerCreateBody(spec({ container: undefined }), options)).toThrow(/no container settings/);
  });
});

/** Builds multiplexed frames: [type, 0, 0, 0, size BE] + payload. */
function frame(type: number, payload: string | Buffer): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function demux(chunks: Buffer[]): { stdout: string; stderr: string; calls: number } {
  const out = { stdout: "", stderr: "", calls: 0 };
  const d = new DockerStreamDemuxer((stream, text) => {
    out[stream] += text;
    out.calls++;
  });
  for (const chunk of chunks) d.push(chunk);
  d.end();
  return out;
}

/** Every split of `buffer` into pieces at the given cut points. */
function cut(buffer: Buffer, points: number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let last = 0;
  for (const p of [...points, buffer.length]) {
    pieces.push(buffer.subarray(last, p));
    last = p;
  }
  return pieces;
}

describe("DockerStreamDemuxer", () => {
  const stream = Buffer.concat([frame(1, "hello\n"), frame(2, "warn: ✓ done\n"), frame(1, "naïve 😀 text\n"), frame(2, ""), frame(1, "tail")]);
  const expected = { stdout: "hello\nnaïve 😀 text\ntail", stderr: "warn: ✓ done\n" };

  it("separates stdout and stderr frames", () => {
    expect(demux([stream])).toMatchObject(expected);
  });

  it("reassembles frames split across chunks at every possible point, headers included", () => {
    for (let i = 1; i < stream.length; i++) expect(demux(cut(stream, [i]))).toMatchObject(expected);
  });

  it("delivers a byte at a time intact, never a broken multi-byte character", () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    const texts: string[] = [];
    const d = new DockerStreamDemuxer((_s, text) => texts.push(text));
    for (const c of chunks) d.push(c);
    d.end();
    expect(texts.join("")).toBe("hello\nwarn: ✓ done\nnaïve 😀 text\ntail");
    expect(texts.some((t) => t.includes("\uFFFD"))).toBe(false);
  });

  it("joins a character whose bytes are split across two frames of the same stream", () => {
    const smile = Buffer.from("😀", "utf8");
    const chunks = [frame(1, Buffer.concat([Buffer.from("a"), smile.subarray(0, 2)])), frame(2, "between\n"), frame(1, Buffer.concat([smile.subarray(2), Buffer.from("b")]))];
    expect(demux(chunks)).toMatchObject({ stdout: "a😀b", stderr: "between\n" });
  });

  it("maps stdin (0) frames to stdout and systemerr (3) frames to stderr", () => {
    expect(demux([frame(0, "in"), frame(3, "sys")])).toMatchObject({ stdout: "in", stderr: "sys" });
  });

  it("rejects a stream that is not multiplexed", () => {
    expect(() => demux([Buffer.from("plain text from a TTY container\n")])).toThrow(/malformed multiplexed stream/);
  });

  it("after restart() skips what was delivered, so a fresh stream continues exactly where the first stopped", () => {
    const full = Buffer.concat([frame(1, "one\n"), frame(2, "err é\n"), frame(1, "two 😀 three\n"), frame(2, "more\n"), frame(1, "end")]);
    // Cut the first stream at every point (mid-header, mid-payload, mid-character), then replay all of it.
    for (let i = 0; i <= full.length; i++) {
      const out = { stdout: "", stderr: "" };
      const d = new DockerStreamDemuxer((s, t) => (out[s] += t));
      d.push(full.subarray(0, i));
      d.restart();
      // The replay arrives in other chunk sizes than the first stream did.
      for (const piece of cut(full, [3, 11, 20])) d.push(piece);
      d.end();
      expect(out).toEqual({ stdout: "one\ntwo 😀 three\nend", stderr: "err é\nmore\n" });
    }
  });
});

describe("DOCKER_HOST", () => {
  it("parses unix sockets and tcp/http addresses", () => {
    expect(parseDockerHost("unix:///run/podman/podman.sock")).toEqual({ kind: "unix", socketPath: "/run/podman/podman.sock" });
    expect(parseDockerHost("tcp://10.0.0.5:2376")).toEqual({ kind: "tcp", host: "10.0.0.5", port: 2376 });
    expect(parseDockerHost("tcp://docker.internal")).toEqual({ kind: "tcp", host: "docker.internal", port: 2375 });
    expect(parseDockerHost("http://localhost:8080/")).toEqual({ kind: "tcp", host: "localhost", port: 8080 });
    expect(parseDockerHost("tcp://[::1]:2375")).toEqual({ kind: "tcp", host: "::1", port: 2375 });
  });

  it("rejects what it cannot speak", () => {
    expect(() => parseDockerHost("https://host:2376")).toThrow(/unsupported DOCKER_HOST/);
    expect(() => parseDockerHost("ssh://user@host")).toThrow(/unsupported DOCKER_HOST/);
    expect(() => parseDockerHost("unix://")).toThrow(/no socket path/);
    expect(() => parseDockerHost("tcp://host:99999")).toThrow(/invalid port/);
  });

  it("uses DOCKER_HOST when set, else the first socket that exists", () => {
    expect(resolveDockerEndpoint({ DOCKER_HOST: "tcp://h:1234" }, () => true)).toEqual({ kind: "tcp", host: "h", port: 1234 });
    expect(resolveDockerEndpoint({}, (p) => p === "/run/podman/podman.sock")).toEqual({ kind: "unix", socketPath: "/run/podman/podman.sock" });
    expect(resolveDockerEndpoint({ DOCKER_HOST: "" }, () => true)).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
    // Nothing there: Docker's socket, whose absence the first request then reports.
    expect(resolveDockerEndpoint({}, () => false)).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
  });
});

describe("DockerClient over a unix socket", () => {
  /** Serves `handler` on a fresh unix socket; returns a client for it. */
  async function serve(handler: http.RequestListener, body: (client: DockerClient) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "docker-client-test-"));
    const socketPath = path.join(dir, "engine.sock");
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const client = new DockerClient({ endpoint: { kind: "unix", socketPath } });
    try {
      await body(client);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("prefixes the API version, maps 404 on images to null and other errors to DockerApiError", async () => {
    const seen: string[] = [];
    await serve(
      (req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (req.url!.startsWith("/v1.41/images/")) {
          res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ cause: "image not known", message: "no such image", response: 404 }));
        } else if (req.url!.startsWith("/v1.41/containers/json")) res.writeHead(200).end("[]");
        else res.writeHead(500).end(JSON.stringify({ message: "engine exploded" }));
      },
      async (client) => {
        expect(await client.inspectImage("registry.example/team/img:1.0")).toBeNull();
        const error = await client.startContainer("abc").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DockerApiError);
        expect(error).toMatchObject({ statusCode: 500, engineMessage: "engine exploded" });
        expect(await client.listContainers({ all: true, labels: { "trellis.worker": null, "trellis.run": "r1" } })).toEqual([]);
      },
    );
    expect(seen[0]).toBe("GET /v1.41/images/registry.example/team/img%3A1.0/json");
    expect(seen[2]).toBe(`GET /v1.41/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ label: ["trellis.worker", "trellis.run=r1"] }))}`);
  });

  it("streams logs in pieces, demultiplexed", async () => {
    const data = Buffer.concat([frame(1, "line one ✓\n"), frame(2, "err\n"), frame(1, "line two\n")]);
    await serve(
      (_req, res) => {
        res.writeHead(200, { "Content-Type": "application/vnd.docker.multiplexed-stream" });
        // One byte at a time, each its own write.
        let i = 0;
        const next = () => (i < data.length ? res.write(data.subarray(i, ++i), () => setImmediate(next)) : res.end());
        next();
      },
      async (client) => {
        const out: string[] = [];
        await client.logs("abc", { follow: true }, (stream, text) => out.push(`${stream}:${text}`));
        expect(out.filter((t) => t.startsWith("stdout")).map((t) => t.slice(7)).join("")).toBe("line one ✓\nline two\n");
        expect(out.filter((t) => t.startsWith("stderr")).map((t) => t.slice(7)).join("")).toBe("err\n");
      },
    );
  });

  it("tells an engine that is not there from one that refuses", async () => {
    const client = new DockerClient({ endpoint: { kind: "unix", socketPath: path.join(os.tmpdir(), `no-engine-${process.pid}.sock`) } });
    const error = await client.ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect(error).toMatchObject({ code: "ENOENT" });
    client.close();
  });
});

describe("classifyExit", () => {
  const base: ExitFacts = { stopReason: null, timeoutMs: 5_000, exitCode: 0, oomKilledFlag: false, oomKillSeen: false, memoryLimitBytes: 64 * MiB };

  it("reports our own stop whatever the exit code", () => {
    expect(classifyExit({ ...base, stopReason: "cancelled", exitCode: 137 })).toEqual({ kind: "cancelled" });
    expect(classifyExit({ ...base, stopReason: "timed-out", exitCode: 143, oomKillSeen: true })).toEqual({ kind: "timed-out", timeoutMs: 5_000 });
  });

  it("recognises an OOM kill by the engine's flag, the cgroup counter, or a SIGKILL we did not send", () => {
    expect(classifyExit({ ...base, exitCode: 137, oomKilledFlag: true })).toEqual({ kind: "oom-killed", memoryLimitBytes: 64 * MiB });
    expect(classifyExit({ ...base, exitCode: 1, oomKillSeen: true })).toEqual({ kind: "oom-killed", memoryLimitBytes: 64 * MiB });
    expect(classifyExit({ ...base, exitCode: 137 })).toEqual({ kind: "oom-killed", memoryLimitBytes: 64 * MiB });
  });

  it("does not call it an OOM kill without a memory limit, or when the step succeeded", () => {
    expect(classifyExit({ ...base, exitCode: 137, memoryLimitBytes: null })).toEqual({ kind: "exited", exitCode: 137 });
    expect(classifyExit({ ...base, exitCode: 0, oomKillSeen: true })).toEqual({ kind: "exited", exitCode: 0 });
    expect(classifyExit({ ...base, exitCode: 3 })).toEqual({ kind: "exited", exitCode: 3 });
  });

  it("recognises the init's report of a command that could not be executed", () => {
    expect(initExecFailure("ERROR (catatonit:6): failed to exec pid1: No such file or directory")).toBe("No such file or directory");
    expect(initExecFailure("[FATAL tini (7)] exec nope failed: No such file or directory")).toBe("No such file or directory");
    expect(initExecFailure("Traceback (most recent call last):")).toBeNull();
    expect(initExecFailure(null)).toBeNull();
  });
});

describe("cgroup location", () => {
  const id = "f6c020a5f5fd842a2b7a3a72fb5bcf79044d3d8aac4b7b1383214b65418bc0e0";
  const v1ProcCgroup = [
    `9:name=systemd:/libpod_parent/libpod-${id}`,
    `4:memory:/libpod_parent/libpod-${id}`,
    `2:cpuacct:/libpod_parent/libpod-${id}`,
    `1:cpu:/libpod_parent/libpod-${id}`,
    `0::/libpod_parent/libpod-${id}`,
    "",
  ].join("\n");
  const v1Mountinfo = [
    "25 24 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
    "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate",
    "27 25 0:24 / /sys/fs/cgroup/systemd rw,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd",
    "30 25 0:27 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory",
    "31 25 0:28 / /sys/fs/cgroup/cpu rw,relatime shared:15 - cgroup cgroup rw,cpu",
    "32 25 0:29 / /sys/fs/cgroup/cpuacct rw,relatime shared:16 - cgroup cgroup rw,cpuacct",
  ].join("\n");

  it("parses /proc/<pid>/cgroup and the cgroup mounts", () => {
    expect(parseProcCgroup(v1ProcCgroup)[0]).toEqual({ hierarchy: 9, controllers: ["name=systemd"], path: `/libpod_parent/libpod-${id}` });
    expect(parseProcCgroup("0::/system.slice/docker-abc.scope\n")).toEqual([{ hierarchy: 0, controllers: [], path: "/system.slice/docker-abc.scope" }]);
    const mounts = parseCgroupMounts(v1Mountinfo);
    expect(mounts).toContainEqual({ version: 2, controllers: [], root: "/", mountPoint: "/sys/fs/cgroup/unified" });
    expect(mounts).toContainEqual({ version: 1, controllers: ["memory"], root: "/", mountPoint: "/sys/fs/cgroup/memory" });
    expect(mounts.some((m) => m.mountPoint === "/sys/fs/cgroup")).toBe(false);
    expect(parseCgroupMounts("40 1 0:30 / /mnt/cg\\040x rw - cgroup cgroup rw,cpu,cpuacct")[0]).toEqual({ version: 1, controllers: ["cpu", "cpuacct"], root: "/", mountPoint: "/mnt/cg x" });
  });

  it("uses the v1 memory and cpuacct hierarchies on a v1 (hybrid) host", () => {
    expect(cgroupDirs(parseProcCgroup(v1ProcCgroup), parseCgroupMounts(v1Mountinfo), id)).toEqual({
      memory: { version: 1, dir: `/sys/fs/cgroup/memory/libpod_parent/libpod-${id}` },
      cpu: { version: 1, dir: `/sys/fs/cgroup/cpuacct/libpod_parent/libpod-${id}` },
    });
  });

  it("finds cpuacct co-mounted with cpu, and the conventional places without mount information", () => {
    const proc = parseProcCgroup(`5:memory:/docker/${id}\n3:cpu,cpuacct:/docker/${id}\n`);
    const mounts = parseCgroupMounts("33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n30 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory");
    expect(cgroupDirs(proc, mounts, id).cpu).toEqual({ version: 1, dir: `/sys/fs/cgroup/cpu,cpuacct/docker/${id}` });
    expect(cgroupDirs(proc, null, id)).toEqual({
      memory: { version: 1, dir: `/sys/fs/cgroup/memory/docker/${id}` },
      cpu: { version: 1, dir: `/sys/fs/cgroup/cpu,cpuacct/docker/${id}` },
    });
  });

  it("uses the unified hierarchy on a v2 host, also when the mount shows a sub-tree", () => {
    const proc = parseProcCgroup(`0::/machine.slice/libpod-${id}.scope/container\n`);
    const v2 = parseCgroupMounts("35 24 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot");
    const dir = `/sys/fs/cgroup/machine.slice/libpod-${id}.scope/container`;
    expect(cgroupDirs(proc, v2, id)).toEqual({ memory: { version: 2, dir }, cpu: { version: 2, dir } });
    const nested = parseCgroupMounts("35 24 0:30 /machine.slice /host-cgroup rw - cgroup2 cgroup2 rw");
    expect(cgroupDirs(proc, nested, id).memory).toEqual({ version: 2, dir: `/host-cgroup/libpod-${id}.scope/container` });
  });

  it("refuses paths it cannot place: outside the mount, another namespace's, or not the container's", () => {
    const v2 = parseCgroupMounts("35 24 0:30 /other /sys/fs/cgroup rw - cgroup2 cgroup2 rw");
    expect(cgroupDirs(parseProcCgroup(`0::/machine.slice/${id}\n`), v2, id)).toEqual({ memory: null, cpu: null });
    const root = parseCgroupMounts("35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw");
    expect(cgroupDirs(parseProcCgroup(`0::/../../${id}\n`), root, id)).toEqual({ memory: null, cpu: null });
    // An exiting process may already show the root cgroup: that would be the whole host's usage.
    expect(cgroupDirs(parseProcCgroup("4:memory:/\n2:cpuacct:/\n0::/\n"), parseCgroupMounts(v1Mountinfo), id)).toEqual({ memory: null, cpu: null });
  });
});

describe("cgroup sampling", () => {
  const files = (map: Record<string, string>) => async (file: string) => {
    const content = map[file];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: "ENOENT" });
    return content;
  };

  it("reads the v1 peak, cpuacct total and oom_kill counter", async () => {
    const read = files({
      "/m/memory.max_usage_in_bytes": "67108864\n",
      "/m/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
      "/m/cgroup.procs": "",
      "/c/cpuacct.usage": "1500000000\n",
    });
    const sample = await readCgroupSample({ memory: { version: 1, dir: "/m" }, cpu: { version: 1, dir: "/c" } }, () => 42, read);
    // No process left in the cgroup: the container has exited.
    expect(sample).toEqual({ atMs: 42, memoryBytes: 67108864, cpuNs: 1_500_000_000, oomKills: 1, populated: false });
  });

  it("reads v2 memory.peak, or memory.current where the kernel has no peak", async () => {
    const dirs = { memory: { version: 2 as const, dir: "/u" }, cpu: { version: 2 as const, dir: "/u" } };
    const common = { "/u/memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n", "/u/cpu.stat": "usage_usec 2500000\nuser_usec 2000000\n", "/u/cgroup.procs": "", "/u/cgroup.events": "populated 1\nfrozen 0\n" };
    expect(await readCgroupSample(dirs, () => 1, files({ ...common, "/u/memory.peak": "50000000\n", "/u/memory.current": "1000\n" }))).toEqual({
      atMs: 1,
      memoryBytes: 50_000_000,
      cpuNs: 2_500_000_000,
      oomKills: 1,
      // v2 goes by the sub-tree (processes may sit in child cgroups), not cgroup.procs.
      populated: true,
    });
    expect((await readCgroupSample(dirs, () => 1, files({ ...common, "/u/memory.current": "1000\n" })))?.memoryBytes).toBe(1000);
  });

  it("reports a vanished cgroup as no sample", async () => {
    expect(await readCgroupSample({ memory: { version: 1, dir: "/m" }, cpu: { version: 1, dir: "/c" } }, () => 1, files({}))).toBeNull();
  });

  it("reads keyed values", () => {
    expect(keyedValue("oom_kill_disable 0\noom_kill 12\n", "oom_kill")).toBe(12);
    expect(keyedValue("oom_kill_disable 0\n", "oom_kill")).toBeNull();
    expect(keyedValue(null, "oom_kill")).toBeNull();
  });

  it("takes peaks: memory, and CPU over windows of at least 200 ms", () => {
    const t = new UsageTracker();
    t.add({ atMs: 0, memoryBytes: 10, cpuNs: 0, oomKills: 0 });
    // 100 ms at 3 cores is too short a window to count on its own...
    t.add({ atMs: 100, memoryBytes: 30, cpuNs: 300e6, oomKills: 0 });
    expect(t.usage().peakCpu).toBeNull();
    // ...but is part of the 200 ms window: 400 ms CPU in 200 ms = 2 cores.
    t.add({ atMs: 200, memoryBytes: 20, cpuNs: 400e6, oomKills: 0 });
    t.add({ atMs: 450, memoryBytes: null, cpuNs: 650e6, oomKills: 1 });
    expect(t.usage()).toEqual({ peakMemoryBytes: 30, peakCpu: 2, cpuSeconds: 0.65 });
    expect(t.oomKillSeen).toBe(true);
  });

  it("reads stats API answers, ignoring the zeroed ones of a stopped container", () => {
    expect(statsSample({ read: "2026-01-01T00:00:01.5Z", memory_stats: { usage: 100, max_usage: 300 }, cpu_stats: { cpu_usage: { total_usage: 5e8 } } }, 7)).toEqual({
      atMs: Date.parse("2026-01-01T00:00:01.5Z"),
      memoryBytes: 300,
      cpuNs: 5e8,
      oomKills: null,
    });
    expect(statsSample({ memory_stats: { usage: 100 } }, 7)).toEqual({ atMs: 7, memoryBytes: 100, cpuNs: null, oomKills: null });
    expect(statsSample({ read: "0001-01-01T00:00:00Z", memory_stats: {}, cpu_stats: { cpu_usage: { total_usage: 0 } } }, 7)).toBeNull();
  });
});

/**
 * An in-memory engine: containers "run" until the test ends them. Records calls so tests can
 * check that every created container is removed.
 */
class FakeEngine implements ContainerEngine {
  readonly endpoint = { kind: "tcp" as const, host: "fake", port: 2375 };
  images = new Set(["trellis-python:latest"]);
  failCreate: Error | null = null;
  failStart: Error | null = null;
  unreachable = false;
  calls: string[] = [];
  removed: string[] = [];
  created: ContainerCreateBody[] = [];
  containers: ContainerSummary[] = [];
  private exits = new Map<string, { code: number | null }>();
  private next = 0;

  describe(): string {
    return "fake";
  }
  private check(call: string): void {
    this.calls.push(call);
    if (this.unreachable) throw new DockerUnreachableError("unix:///nowhere.sock", "ECONNREFUSED");
  }
  async inspectImage(name: string) {
    this.check("inspectImage");
    return this.images.has(name) ? { Id: `sha256:${name}` } : null;
  }
  async createContainer(body: ContainerCreateBody) {
    this.check("create");
    if (this.failCreate) throw this.failCreate;
    // As Docker and Podman do: no such image, no container.
    if (!this.images.has(body.Image)) throw new DockerApiError(404, `no such image: ${body.Image}`, "POST", "/containers/create");
    this.created.push(body);
    const id = `c${++this.next}`;
    this.exits.set(id, { code: null });
    return { Id: id };
  }
  async startContainer(id: string) {
    this.check(`start ${id}`);
    if (this.failStart) throw this.failStart;
  }
  async logs(_id: string, _options: LogsOptions) {}
  async inspectContainer(id: string): Promise<ContainerInspect> {
    const code = this.exits.get(id)?.code ?? null;
    return { Id: id, State: { Status: code === null ? "running" : "exited", Running: code === null, OOMKilled: false, Pid: 0, ExitCode: code ?? 0 } };
  }
  async kill(id: string, signal?: NodeJS.Signals) {
    this.calls.push(`kill ${id} ${signal}`);
    this.exit(id, signal === "SIGKILL" ? 137 : 143);
  }
  async remove(id: string) {
    this.calls.push(`remove ${id}`);
    this.removed.push(id);
    this.containers = this.containers.filter((c) => c.Id !== id);
    return true;
  }
  async stats() {
    return null;
  }
  async listContainers() {
    return this.containers;
  }
  exit(id: string, code: number): void {
    const state = this.exits.get(id);
    if (!state || state.code !== null) return;
    state.code = code;
  }
}

describe("ContainerExecutor with a fake engine", () => {
  const noLines = () => undefined;

  it("runs, reports the exit code and removes the container", async () => {
    const engine = new FakeEngine();
    const executor = new ContainerExecutor({ client: engine, gpuMode: "none" });
    const proc = executor.run(spec(), noLines);
    await vi.waitFor(() => expect(engine.calls).toContain("start c1"));
    engine.exit("c1", 3);
    expect(await proc.result).toEqual({ kind: "exited", exitCode: 3 });
    expect(engine.removed).toEqual(["c1"]);
    expect(engine.created[0]!.User).toBe(`${process.getuid!()}:${process.getgid!()}`);
    expect(engine.created[0]!.HostConfig.NetworkMode).toBe(process.env.TRELLIS_CONTAINER_NETWORK || "host");
  });

  it("reports a missing image as not retryable, an unreachable engine as retryable", async () => {
    const engine = new FakeEngine();
    const executor = new ContainerExecutor({ client: engine });
    expect(await executor.run(spec({}, { image: "missing:1" }), noLines).result).toEqual({
      kind: "spawn-failed",
      retryable: false,
      message: 'image "missing:1" is not on this worker\'s container engine; build it (scripts/build-python-image.sh builds trellis-python:latest) or pull it',
    });
    engine.unreachable = true;
    const result = await executor.run(spec(), noLines).result;
    expect(result).toMatchObject({ kind: "spawn-failed", retryable: true });
    expect(result.kind === "spawn-failed" && result.message).toMatch(/unreachable \(ECONNREFUSED\).*DOCKER_HOST/);
  });

  it("removes the container when it cannot be started", async () => {
    const engine = new FakeEngine();
    engine.failStart = new DockerApiError(500, "runc: exec: nope: not found", "POST", "/containers/c1/start");
    const executor = new ContainerExecutor({ client: engine });
    expect(await executor.run(spec(), noLines).result).toEqual({ kind: "spawn-failed", retryable: false, message: "could not start the container: runc: exec: nope: not found" });
    expect(engine.removed).toEqual(["c1"]);
  });

  it("does not start a container whose step was cancelled while it was being created", async () => {
    const engine = new FakeEngine();
    const executor = new ContainerExecutor({ client: engine });
    const proc = executor.run(spec(), noLines);
    proc.cancel();
    expect(await proc.result).toEqual({ kind: "cancelled" });
    expect(engine.calls.some((c) => c.startsWith("start"))).toBe(false);
  });

  it("close() kills what still runs, reports it cancelled and removes it", async () => {
    const engine = new FakeEngine();
    const executor = new ContainerExecutor({ client: engine });
    const proc = executor.run(spec(), noLines);
    await vi.waitFor(() => expect(engine.calls).toContain("start c1"));
    await executor.close();
    expect(await proc.result).toEqual({ kind: "cancelled" });
    expect(engine.calls).toContain("kill c1 SIGKILL");
    expect(engine.removed).toEqual(["c1"]);
    expect(await executor.run(spec(), noLines).result).toMatchObject({ kind: "spawn-failed", retryable: true });
  });

  it("puts the executor's labels on every container, under the step's own", async () => {
    const engine = new FakeEngine();
    const executor = new ContainerExecutor({ client: engine, labels: { "trellis.worker": "w1", team: "ml" } });
    const proc = executor.run(spec({}, { labels: { "trellis.step": "s1", team: "vision" } }), noLines);
    await vi.waitFor(() => expect(engine.calls).toContain("start c1"));
    engine.exit("c1", 0);
    await proc.result;
    expect(engine.created[0]!.Labels).toEqual({ "trellis.worker": "w1", "trellis.step": "s1", team: "vision" });
  });

  it("removes only containers of workers that are gone", async () => {
    const engine = new FakeEngine();
    engine.containers = [
      { Id: "a", Labels: { "trellis.worker": "live-1" } },
      { Id: "b", Labels: { "trellis.worker": "dead-1" } },
      { Id: "c", Labels: { "trellis.worker": "dead-2", "trellis.run": "r" } },
    ];
    expect(await removeOrphanContainers(engine, new Set(["live-1"]))).toBe(2);
    expect(engine.removed.sort()).toEqual(["b", "c"]);
  });
});

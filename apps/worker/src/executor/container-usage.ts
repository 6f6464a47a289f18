import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ContainerStats, DockerClient } from "./docker-client.js";
import type { ResourceUsage } from "./types.js";

/**
 * Samples a running container's resource use. When the worker runs on the engine's host it reads
 * the container's cgroup files directly (a few small file reads, cheap enough every ~100 ms);
 * otherwise it polls the engine's stats API once a second. The cgroup of a container can vanish
 * as soon as its last process exits (Docker removes it at once; Podman when it cleans up), so
 * frequent samples, and one more right after the exit, are what make the peaks trustworthy.
 */

/** How often the cgroup files are read. */
export const CGROUP_SAMPLE_MS = 100;
/** How often the stats API is polled when the cgroup is not readable. */
export const STATS_SAMPLE_MS = 1_000;
/**
 * CPU rates are measured over intervals of at least this long: over shorter ones, the CFS
 * quota's bursts (a 0.5-core limit runs at full speed for 50 ms of every 100 ms) show up as
 * peaks far above the limit.
 */
export const MIN_CPU_WINDOW_MS = 200;

/** One reading. Each field is null when that figure could not be read. */
export interface UsageSample {
  /** Monotonic milliseconds (performance.now() or an engine timestamp; one clock per sampler). */
  atMs: number;
  /** Memory in use, or the peak since the cgroup was created when the kernel tracks it. */
  memoryBytes: number | null;
  /** Total CPU time used so far, in nanoseconds. */
  cpuNs: number | null;
  /** OOM kills in the cgroup so far. */
  oomKills: number | null;
  /**
   * Whether processes are left in the cgroup (v2: in its sub-tree, `populated`; v1: in the cgroup
   * itself). False means the container has (almost certainly) exited. Null: unknown.
   */
  populated?: boolean | null;
}

/** Folds samples into peaks. Pure: no clock, no I/O. */
export class UsageTracker {
  private peakMemory: number | null = null;
  private peakCpu: number | null = null;
  private lastCpuNs: number | null = null;
  /** The sample the current CPU window started at. */
  private cpuAnchor: { atMs: number; cpuNs: number } | null = null;
  private oomKills = 0;

  add(sample: UsageSample): void {
    if (sample.memoryBytes !== null) this.peakMemory = Math.max(this.peakMemory ?? 0, sample.memoryBytes);
    if (sample.oomKills !== null) this.oomKills = Math.max(this.oomKills, sample.oomKills);
    if (sample.cpuNs === null) return;
    // A counter going backwards means a different source (or a reset): restart the window.
    if (this.cpuAnchor === null || sample.cpuNs < this.cpuAnchor.cpuNs || sample.atMs < this.cpuAnchor.atMs) {
      this.cpuAnchor = { atMs: sample.atMs, cpuNs: sample.cpuNs };
    } else if (sample.atMs - this.cpuAnchor.atMs >= MIN_CPU_WINDOW_MS) {
      const cores = (sample.cpuNs - this.cpuAnchor.cpuNs) / 1e6 / (sample.atMs - this.cpuAnchor.atMs);
      this.peakCpu = Math.max(this.peakCpu ?? 0, cores);
      this.cpuAnchor = { atMs: sample.atMs, cpuNs: sample.cpuNs };
    }
    this.lastCpuNs = Math.max(this.lastCpuNs ?? 0, sample.cpuNs);
  }

  usage(): ResourceUsage {
    return { peakMemoryBytes: this.peakMemory, peakCpu: this.peakCpu, cpuSeconds: this.lastCpuNs === null ? null : this.lastCpuNs / 1e9 };
  }

  /** Whether the kernel OOM-killed a process of the container. */
  get oomKillSeen(): boolean {
    return this.oomKills > 0;
  }
}

// --- Locating a process's cgroups ---

export interface ProcCgroupEntry {
  /** Hierarchy id; 0 is the unified (v2) hierarchy. */
  hierarchy: number;
  /** v1 controllers of the hierarchy (e.g. ["cpu", "cpuacct"], ["name=systemd"]); empty for v2. */
  controllers: string[];
  /** The cgroup's path relative to the hierarchy's root, as seen from the reader's cgroup namespace. */
  path: string;
}

/** Parses /proc/<pid>/cgroup (`id:controllers:path` lines). */
export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const entries: ProcCgroupEntry[] = [];
  for (const line of text.split("\n")) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    entries.push({ hierarchy: Number(match[1]), controllers: match[2] ? match[2].split(",") : [], path: match[3]! });
  }
  return entries;
}

export interface CgroupMount {
  version: 1 | 2;
  /** v1: the controllers mounted there (from the super options); v2: empty. */
  controllers: string[];
  /** The cgroup that is the root of this mount (not "/" when the mount shows a sub-tree). */
  root: string;
  mountPoint: string;
}

/** Finds the cgroup file systems in /proc/self/mountinfo. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split("\n")) {
    // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (dash < 6 || fields.length < dash + 4) continue;
    const fsType = fields[dash + 1];
    if (fsType !== "cgroup" && fsType !== "cgroup2") continue;
    const root = unescapeMountField(fields[3]!);
    const mountPoint = unescapeMountField(fields[4]!);
    if (fsType === "cgroup2") {
      mounts.push({ version: 2, controllers: [], root, mountPoint });
    } else {
      // Super options list the hierarchy's controllers among generic options (rw, relatime...).
      const known = /^(cpu|cpuacct|memory|cpuset|blkio|devices|freezer|pids|net_cls|net_prio|perf_event|hugetlb|rdma|misc|name=.+)$/;
      const controllers = fields[dash + 3]!.split(",").filter((o) => known.test(o));
      mounts.push({ version: 1, controllers, root, mountPoint });
    }
  }
  return mounts;
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040...). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export interface CgroupDirs {
  memory: { version: 1 | 2; dir: string } | null;
  cpu: { version: 1 | 2; dir: string } | null;
}

/**
 * Where a process's memory and CPU accounting live, from its /proc/<pid>/cgroup and the cgroup
 * mounts. v1 controllers win over v2 (on a "hybrid" host the unified hierarchy is mounted but
 * carries no controllers). Without mount information the conventional locations are assumed:
 * /sys/fs/cgroup/<controllers> for v1, /sys/fs/cgroup for v2.
 *
 * With `mustContain` (the container id), only cgroup paths containing it are used: a process
 * that is exiting can show some hierarchies at "/" already, and reading the root cgroup would
 * report the whole host's memory and CPU as the container's.
 */
export function cgroupDirs(entries: ProcCgroupEntry[], mounts: CgroupMount[] | null, mustContain?: string): CgroupDirs {
  const usable = (e: ProcCgroupEntry) => mustContain === undefined || e.path.includes(mustContain);
  const v1 = (controller: string): string | null => {
    const entry = entries.find((e) => e.hierarchy !== 0 && e.controllers.includes(controller));
    if (!entry || !usable(entry)) return null;
    if (mounts === null) return joinCgroupPath(path.join("/sys/fs/cgroup", entry.controllers.join(",")), "/", entry.path);
    for (const mount of mounts) {
      if (mount.version !== 1 || !mount.controllers.includes(controller)) continue;
      const dir = joinCgroupPath(mount.mountPoint, mount.root, entry.path);
      if (dir) return dir;
    }
    return null;
  };
  const v2 = (): string | null => {
    const entry = entries.find((e) => e.hierarchy === 0 && e.controllers.length === 0);
    if (!entry || !usable(entry)) return null;
    if (mounts === null) return joinCgroupPath("/sys/fs/cgroup", "/", entry.path);
    for (const mount of mounts) {
      if (mount.version !== 2) continue;
      const dir = joinCgroupPath(mount.mountPoint, mount.root, entry.path);
      if (dir) return dir;
    }
    return null;
  };
  const memoryV1 = v1("memory");
  const cpuV1 = v1("cpuacct");
  const unified = memoryV1 && cpuV1 ? null : v2();
  return {
    memory: memoryV1 ? { version: 1, dir: memoryV1 } : unified ? { version: 2, dir: unified } : null,
    cpu: cpuV1 ? { version: 1, dir: cpuV1 } : unified ? { version: 2, dir: unified } : null,
  };
}

/**
 * The directory of cgroup `cgroupPath` in a mount showing the sub-tree `mountRoot`; null when the
 * cgroup lies outside what the mount shows, or the path is relative to another cgroup namespace
 * ("/../..": the process is in a cgroup above the reader's namespace root).
 */
function joinCgroupPath(mountPoint: string, mountRoot: string, cgroupPath: string): string | null {
  if (!cgroupPath.startsWith("/") || cgroupPath.split("/").includes("..")) return null;
  const root = mountRoot === "/" ? "" : mountRoot.replace(/\/$/, "");
  if (root && cgroupPath !== root && !cgroupPath.startsWith(`${root}/`)) return null;
  return path.join(mountPoint, cgroupPath.slice(root.length));
}

// --- Reading cgroup files ---

/** Reads one sample from cgroup files; null once the cgroup is gone. */
export async function readCgroupSample(dirs: CgroupDirs, atMs: () => number, read: (file: string) => Promise<string> = readText): Promise<UsageSample | null> {
  const at = atMs();
  let gone = false;
  /** A missing file in a cgroup that still exists (older kernels lack memory.peak...) is just "unknown". */
  const tryRead = async (file: string): Promise<string | null> => {
    try {
      return await read(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENODEV" || code === "ESRCH") gone ||= !(await exists(path.dirname(file), read));
      return null;
    }
  };
  let memoryBytes: number | null = null;
  let oomKills: number | null = null;
  let cpuNs: number | null = null;
  let populated: boolean | null = null;
  const { memory, cpu } = dirs;
  const any = memory ?? cpu;
  await Promise.all([
    (async () => {
      if (!any) return;
      if (any.version === 2) {
        const value = keyedValue(await tryRead(path.join(any.dir, "cgroup.events")), "populated");
        populated = value === null ? null : value > 0;
      } else {
        const procs = await tryRead(path.join(any.dir, "cgroup.procs"));
        populated = procs === null ? null : procs.trim() !== "";
      }
    })(),
    (async () => {
      if (!memory) return;
      if (memory.version === 1) {
        memoryBytes = toNumber(await tryRead(path.join(memory.dir, "memory.max_usage_in_bytes")));
        oomKills = keyedValue(await tryRead(path.join(memory.dir, "memory.oom_control")), "oom_kill");
      } else {
        // memory.peak exists from Linux 5.19; before that, the highest memory.current sampled.
        memoryBytes = toNumber(await tryRead(path.join(memory.dir, "memory.peak"))) ?? toNumber(await tryRead(path.join(memory.dir, "memory.current")));
        oomKills = keyedValue(await tryRead(path.join(memory.dir, "memory.events")), "oom_kill");
      }
    })(),
    (async () => {
      if (!cpu) return;
      if (cpu.version === 1) cpuNs = toNumber(await tryRead(path.join(cpu.dir, "cpuacct.usage")));
      else {
        const usec = keyedValue(await tryRead(path.join(cpu.dir, "cpu.stat")), "usage_usec");
        cpuNs = usec === null ? null : usec * 1000;
      }
    })(),
  ]);
  if (gone && memoryBytes === null && cpuNs === null) return null;
  return { atMs: at, memoryBytes, cpuNs, oomKills, populated };
}

async function readText(file: string): Promise<string> {
  return readFile(file, "utf8");
}

/** Whether a cgroup directory still exists (its cgroup.procs is always there). */
async function exists(dir: string, read: (file: string) => Promise<string>): Promise<boolean> {
  try {
    await read(path.join(dir, "cgroup.procs"));
    return true;
  } catch {
    return false;
  }
}

function toNumber(text: string | null): number | null {
  if (text === null) return null;
  const value = Number(text.trim());
  return Number.isFinite(value) ? value : null;
}

/** The value of a `key value` line (memory.oom_control, memory.events, cpu.stat). */
export function keyedValue(text: string | null, key: string): number | null {
  if (text === null) return null;
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key && v !== undefined) return toNumber(v);
  }
  return null;
}

// --- The sampler ---

export interface ContainerUsageSamplerOptions {
  /** Skip the cgroup files and use the stats API (the engine is on another host). */
  statsOnly?: boolean;
  /** Where /proc and the cgroup mounts are read; tests only. */
  procRoot?: string;
}

type Source = { kind: "cgroup"; dirs: CgroupDirs } | { kind: "stats" };

/**
 * Samples one container from just after it started until `stop()`. Never throws: sampling is
 * best-effort, and a step's outcome must not depend on it.
 */
export class ContainerUsageSampler {
  private readonly tracker = new UsageTracker();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The cgroup has disappeared: the container's processes are gone, nothing more to read. */
  private gone = false;
  /** The sample being read, if any; stop() waits for it so the final sample is not lost. */
  private inFlight: Promise<void> | null = null;
  private source: Source | null = null;
  private readonly ready: Promise<void>;
  private markEmptied!: () => void;
  /**
   * Resolves when the cgroup is seen without processes (or gone): a hint that the container has
   * exited, well before Podman's followed log ends. Never resolves with the stats API.
   */
  readonly emptied = new Promise<void>((resolve) => (this.markEmptied = resolve));

  constructor(
    private readonly client: Pick<DockerClient, "inspectContainer" | "stats">,
    private readonly containerId: string,
    private readonly options: ContainerUsageSamplerOptions = {},
  ) {
    this.ready = this.locate().then(
      (source) => {
        this.source = source;
        if (!this.stopped) this.tick();
      },
      () => undefined,
    );
  }

  usage(): ResourceUsage {
    return this.tracker.usage();
  }

  get oomKillSeen(): boolean {
    return this.tracker.oomKillSeen;
  }

  /** Takes a last sample (the cgroup may still be there right after the exit) and stops. */
  async stop(): Promise<void> {
    await this.ready;
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    // The stats API has nothing useful once the container stopped; the cgroup might.
    if (this.source?.kind === "cgroup" && !this.gone) await this.sample();
  }

  private tick(): void {
    if (this.stopped || this.gone || !this.source) return;
    this.inFlight = this.sample().finally(() => {
      this.inFlight = null;
      if (this.stopped || this.gone || !this.source) return;
      this.timer = setTimeout(() => this.tick(), this.source.kind === "cgroup" ? CGROUP_SAMPLE_MS : STATS_SAMPLE_MS);
      this.timer.unref();
    });
  }

  private async sample(): Promise<void> {
    const source = this.source;
    if (!source) return;
    try {
      if (source.kind === "cgroup") {
        const sample = await readCgroupSample(source.dirs, () => performance.now());
        if (sample) this.tracker.add(sample);
        else this.gone = true;
        if (!sample || sample.populated === false) this.markEmptied();
      } else {
        const stats = await this.client.stats(this.containerId);
        const sample = stats && statsSample(stats, Date.now());
        if (sample) this.tracker.add(sample);
      }
    } catch {
      // Sampling is best-effort (the container may be gone already).
    }
  }

  /**
   * Prefers the cgroup files: they are read only when the container's init process is visible
   * in our /proc and its cgroup paths name the container id (Docker and Podman both put the full
   * id in them), which rules out a same-numbered pid of another host (remote engine) or of
   * another pid namespace, and a process already leaving its cgroups.
   */
  private async locate(): Promise<Source> {
    if (this.options.statsOnly) return { kind: "stats" };
    const procRoot = this.options.procRoot ?? "/proc";
    try {
      const { State } = await this.client.inspectContainer(this.containerId);
      if (!State.Pid) return { kind: "stats" };
      const entries = parseProcCgroup(await readFile(path.join(procRoot, String(State.Pid), "cgroup"), "utf8"));
      let mounts: CgroupMount[] | null = null;
      try {
        mounts = parseCgroupMounts(await readFile(path.join(procRoot, "self", "mountinfo"), "utf8"));
      } catch {
        // Use the conventional locations.
      }
      const dirs = cgroupDirs(entries, mounts, this.containerId);
      if (!dirs.memory && !dirs.cpu) return { kind: "stats" };
      const first = await readCgroupSample(dirs, () => performance.now());
      if (!first || (first.memoryBytes === null && first.cpuNs === null)) return { kind: "stats" };
      this.tracker.add(first);
      return { kind: "cgroup", dirs };
    } catch {
      return { kind: "stats" };
    }
  }
}

/**
 * A sample from one stats API answer. Docker answers for a stopped container with zeroed
 * figures, which are not samples.
 */
export function statsSample(stats: ContainerStats, now: number): UsageSample | null {
  const memory = stats.memory_stats?.max_usage ?? stats.memory_stats?.usage ?? null;
  const cpu = stats.cpu_stats?.cpu_usage?.total_usage ?? null;
  if (!memory && !cpu) return null;
  // The engine's own timestamp is closer to when the counters were read than our clock (the
  // answer may take a while); both engines always send it for a running container.
  const read = stats.read ? Date.parse(stats.read) : NaN;
  return { atMs: Number.isFinite(read) && read > 0 ? read : now, memoryBytes: memory || null, cpuNs: cpu || null, oomKills: null };
}

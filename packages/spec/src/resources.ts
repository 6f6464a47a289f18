/**
 * Resource quantities as written in specs and worker settings: memory in Kubernetes notation
 * (`512Mi`, `4Gi`, `1.5G`, plain bytes), CPUs as cores (`2`, `0.5`) or millicores (`500m`).
 * Pure functions; the parsed values are plain numbers (bytes, cores).
 */

const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

const MEMORY_RE = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/;

/** Bytes from `512Mi`, `4Gi`, `2G`, `1048576` (a number is bytes); null when malformed or not positive. */
export function parseMemory(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? Math.round(value) : null;
  if (typeof value !== "string") return null;
  const match = MEMORY_RE.exec(value.trim());
  if (!match) return null;
  const bytes = Math.round(Number(match[1]) * MEMORY_UNITS[match[2] ?? ""]!);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

/** Cores from `2`, `0.5`, `"1.5"` or `"500m"`; null when malformed or not positive. */
export function parseCpu(value: unknown): number | null {
  let cores: number;
  if (typeof value === "number") cores = value;
  else if (typeof value === "string" && /^\d+m$/.test(value.trim())) cores = Number(value.trim().slice(0, -1)) / 1000;
  else if (typeof value === "string" && /^\d+(?:\.\d+)?$/.test(value.trim())) cores = Number(value.trim());
  else return null;
  return Number.isFinite(cores) && cores > 0 ? Math.round(cores * 1000) / 1000 : null;
}

/** Binary units, as people write requests: 512Mi, 1.5Gi, 64Ki, 100B. */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ["Ti", 2 ** 40],
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
    ["Ki", 2 ** 10],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : Number(value.toFixed(value >= 100 ? 0 : 1))}${unit}`;
    }
  }
  return `${bytes}B`;
}

export function formatCpu(cores: number): string {
  return cores < 1 && Math.round(cores * 1000) % 100 !== 0 ? `${Math.round(cores * 1000)}m` : `${Number(cores.toFixed(2))}`;
}

/**
 * A request rounded up with headroom, the way one would write it: peak × 1.2, rounded up to a
 * multiple of 64Mi (memory) or 0.1 core (CPU). Used to suggest requests from observed peaks.
 */
export function suggestMemoryRequest(peakBytes: number): number {
  const step = 64 * 2 ** 20;
  return Math.max(step, Math.ceil((peakBytes * 1.2) / step) * step);
}

export function suggestCpuRequest(peakCores: number): number {
  return Math.max(0.1, Math.ceil(peakCores * 1.2 * 10) / 10);
}

/** Memory for the next attempt after an out-of-memory kill, or null when the cap is already reached. */
export function scaledMemory(currentBytes: number, factor: number, capBytes: number): number | null {
  if (currentBytes >= capBytes) return null;
  const mib = 2 ** 20;
  return Math.min(capBytes, Math.ceil((currentBytes * factor) / mib) * mib);
}

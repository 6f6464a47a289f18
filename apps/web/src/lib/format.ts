import type { JsonValue } from "./api-types";

/** Human duration: 320ms, 4.2s, 3m 04s, 1h 02m, 2d 3h. Negative/NaN → "—". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const totalSec = Math.floor(s);
  const m = Math.floor(totalSec / 60);
  const sec = totalSec % 60;
  if (m < 60) return `${m}m ${String(sec).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  const min = m % 60;
  if (h < 48) return `${h}h ${String(min).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Duration between two ISO timestamps; an open interval is measured up to `now`. */
export function durationBetween(start: string | null, end: string | null, now: number): number | null {
  if (!start) return null;
  const a = Date.parse(start);
  const b = end ? Date.parse(end) : now;
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.max(0, b - a);
}

const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto", style: "short" });

export function formatRelative(iso: string | null | undefined, now: number): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const diff = (t - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 10) return "just now";
  if (abs < 60) return rtf.format(Math.round(diff), "second");
  if (abs < 3600) return rtf.format(Math.round(diff / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), "hour");
  if (abs < 86400 * 30) return rtf.format(Math.round(diff / 86400), "day");
  return formatDateTime(iso);
}

const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "—" : dateTimeFmt.format(d);
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const shortDateTimeFmt = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** Compact absolute time for narrow places: just the time if it is today, else date + time. */
export function formatDateTimeShort(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return new Date(now).toDateString() === d.toDateString() ? timeFmt.format(d) : shortDateTimeFmt.format(d);
}

/** Log timestamps: wall clock with milliseconds, in the viewer's timezone. */
export function formatLogTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Run ids are long and opaque; the first 8 characters are enough to tell runs apart visually. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** Compact single-line rendering of a JSON value (strings unquoted). */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export function paramsSummary(params: Record<string, JsonValue> | null | undefined): string {
  if (!params) return "";
  return Object.entries(params)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join("  ");
}

/** Strips ANSI colour/cursor escapes (progress bars, coloured loggers) for plain-text display. */
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;
export function stripAnsi(text: string): string {
  return text.replace(ANSI_RE, "");
}

export function pluralize(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/**
 * Metric values: up to 5 significant digits, exponent form for very large or very small
 * magnitudes (0.93412, 1234.5, 1.2e-7). null (NaN/infinite on the wire) → "—".
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e7 || abs < 1e-4) return value.toExponential(2).replace(/\.?0+e/, "e");
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return String(Number(value.toPrecision(5)));
}

/** A run's display name: its name, else the short id. */
export function runLabel(run: { id: string; name: string | null }): string {
  return run.name?.trim() ? run.name : shortId(run.id);
}

/** Byte sizes: 512 B, 1.5 KB, 23 MB, 4.1 GB (powers of 1024, as file managers show them). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)} ${units[unit]}`;
}

/** The first 12 hex digits of a sha256: enough to tell contents apart at a glance. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

/** A cache age such as 7d, 36h, 90m, 45s (the largest unit that divides it, else rounded hours). */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)}h` : ms >= 60_000 ? `${Math.round(ms / 60_000)}m` : `${Math.round(ms / 1000)}s`;
}

const BINARY_UNITS: [string, number][] = [
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
];

/**
 * Memory in the binary units requests are written in: 64Ki, 640Mi, 1.5Gi, 512B. One decimal
 * below 100 of a unit, none above (a reading, not an exact value: see formatMemoryRequest).
 */
export function formatMemory(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
  for (const [unit, size] of BINARY_UNITS) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number(value.toFixed(value >= 100 ? 0 : 1))}${unit}`;
    }
  }
  return `${Math.round(bytes)}B`;
}

const DECIMAL_UNITS: [string, number][] = [
  ["T", 1e12],
  ["G", 1e9],
  ["M", 1e6],
  ["k", 1e3],
];

/**
 * A memory request as one would write it in a spec, exactly: the shortest of its exact
 * spellings in binary or decimal units with at most two decimals (256Mi, 1.5Gi, 1088Mi, 4G),
 * else plain bytes. Binary units win a tie.
 */
export function formatMemoryRequest(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes <= 0) return formatMemory(bytes);
  let best: string | null = null;
  for (const [unit, size] of [...BINARY_UNITS, ...DECIMAL_UNITS]) {
    const hundredths = Math.round((bytes / size) * 100);
    // Whole numbers of a unit, or up to two decimals below 100 of it; within a byte (parsed requests are rounded to bytes).
    if (hundredths < 100 || (hundredths >= 10_000 && hundredths % 100 !== 0)) continue;
    if (Math.abs((hundredths * size) / 100 - bytes) >= 1) continue;
    const text = `${hundredths / 100}${unit}`;
    if (best === null || text.length < best.length) best = text;
  }
  return best ?? String(Math.round(bytes));
}

/** Cores: 2, 0.5, 1.25 (at most two decimals). */
export function formatCores(cores: number | null | undefined): string {
  if (cores === null || cores === undefined || !Number.isFinite(cores) || cores < 0) return "—";
  return String(Number(cores.toFixed(2)));
}

/** "1 core", "0.63 cores", "2 cores". */
export function formatCoresLabel(cores: number | null | undefined): string {
  const text = formatCores(cores);
  return text === "—" ? text : `${text} ${text === "1" ? "core" : "cores"}`;
}

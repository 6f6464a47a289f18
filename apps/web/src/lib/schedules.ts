import type { ApiIssue, BackfillCounts, ConcurrencyPolicy, ReprocessPolicy, ScheduleTrigger } from "./api-types";

/**
 * Pure logic of the schedules UI: cron presets, time zones, wall-clock ↔ instant conversion,
 * formatting in a schedule's zone, and mapping API issues onto form fields. Framework-free
 * so it is unit-testable.
 */

// ---------------------------------------------------------------- templates

export const SCHEDULE_TEMPLATES = [
  { key: "logical_date", label: "logical_date", text: "${{ schedule.logical_date }}", help: "The run's logical time (its fire time), ISO 8601 UTC." },
  { key: "interval_start", label: "interval_start", text: "${{ schedule.interval_start }}", help: "Start of the data interval (the previous fire time)." },
  { key: "interval_end", label: "interval_end", text: "${{ schedule.interval_end }}", help: "End of the data interval (= the logical time)." },
] as const;

/** Inserts `text` into `value` at the selection [start, end) (or at the end); returns the new value and caret. */
export function insertAt(value: string, text: string, start: number | null, end: number | null): { value: string; caret: number } {
  const s = start ?? value.length;
  const e = end ?? s;
  return { value: value.slice(0, s) + text + value.slice(e), caret: s + text.length };
}

// ---------------------------------------------------------------- cron presets

export type CronPreset = "minute" | "hour" | "day" | "weekday" | "week" | "month" | "custom";

export interface CronParts {
  preset: CronPreset;
  /** 0–59 */
  minute: number;
  /** 0–23 */
  hour: number;
  /** 0 (Sunday) – 6 */
  weekday: number;
  /** 1–31 */
  monthDay: number;
}

export const CRON_PRESETS: { value: CronPreset; label: string }[] = [
  { value: "minute", label: "Every minute" },
  { value: "hour", label: "Every hour" },
  { value: "day", label: "Every day" },
  { value: "weekday", label: "Every weekday (Mon–Fri)" },
  { value: "week", label: "Every week" },
  { value: "month", label: "Every month" },
  { value: "custom", label: "Custom expression" },
];

export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export const DEFAULT_CRON_PARTS: CronParts = { preset: "day", minute: 0, hour: 2, weekday: 1, monthDay: 1 };

/** The expression of a preset (null for "custom": the raw expression is kept). */
export function buildCron(p: CronParts): string | null {
  switch (p.preset) {
    case "minute":
      return "* * * * *";
    case "hour":
      return `${p.minute} * * * *`;
    case "day":
      return `${p.minute} ${p.hour} * * *`;
    case "weekday":
      return `${p.minute} ${p.hour} * * 1-5`;
    case "week":
      return `${p.minute} ${p.hour} * * ${p.weekday}`;
    case "month":
      return `${p.minute} ${p.hour} ${p.monthDay} * *`;
    case "custom":
      return null;
  }
}

const num = (s: string | undefined, lo: number, hi: number): number | null => {
  if (s === undefined || !/^\d{1,2}$/.test(s)) return null;
  const n = Number(s);
  return n >= lo && n <= hi ? n : null;
};

/** Recognises an expression a preset makes (so a hand-typed "0 9 * * 1-5" shows as "every weekday"); else custom. */
export function detectPreset(expression: string, fallback: CronParts = DEFAULT_CRON_PARTS): CronParts {
  const f = expression.trim().split(/\s+/);
  const custom: CronParts = { ...fallback, preset: "custom" };
  if (f.length !== 5) return custom;
  const [mi, h, dom, mon, dow] = f as [string, string, string, string, string];
  if (f.every((x) => x === "*")) return { ...fallback, preset: "minute" };
  const minute = num(mi, 0, 59);
  if (minute === null || mon !== "*") return custom;
  if (h === "*" && dom === "*" && dow === "*") return { ...fallback, preset: "hour", minute };
  const hour = num(h, 0, 23);
  if (hour === null) return custom;
  if (dom === "*" && dow === "*") return { ...fallback, preset: "day", minute, hour };
  if (dom === "*" && dow === "1-5") return { ...fallback, preset: "weekday", minute, hour };
  const weekday = dow === "7" ? 0 : num(dow, 0, 6);
  if (dom === "*" && weekday !== null) return { ...fallback, preset: "week", minute, hour, weekday };
  const monthDay = num(dom, 1, 31);
  if (dow === "*" && monthDay !== null) return { ...fallback, preset: "month", minute, hour, monthDay };
  return custom;
}

/** "HH:MM" of hour and minute. */
export const hhmm = (hour: number, minute: number) => `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;

export function parseHhmm(value: string): { hour: number; minute: number } | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : null;
}

// ---------------------------------------------------------------- intervals

export type IntervalUnit = "minutes" | "hours" | "days";
export const UNIT_SECONDS: Record<IntervalUnit, number> = { minutes: 60, hours: 3600, days: 86400 };

/** Largest unit that divides the interval exactly: 7200 s → 2 hours. */
export function splitInterval(everySeconds: number): { every: number; unit: IntervalUnit } {
  for (const unit of ["days", "hours", "minutes"] as const) {
    if (everySeconds >= UNIT_SECONDS[unit] && everySeconds % UNIT_SECONDS[unit] === 0) return { every: everySeconds / UNIT_SECONDS[unit], unit };
  }
  return { every: Math.max(1, Math.round(everySeconds / 60)), unit: "minutes" };
}

/** "every 2 hours", local description of an interval trigger (the API answers with its own). */
export function describeInterval(everySeconds: number): string {
  const { every, unit } = splitInterval(everySeconds);
  return every === 1 ? `every ${unit.slice(0, -1)}` : `every ${every} ${unit}`;
}

// ---------------------------------------------------------------- time zones

/** The browser's IANA zone (UTC when unknown). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

let zoneList: string[] | null = null;

/** Every IANA zone the browser knows, UTC first. */
export function timeZones(): string[] {
  if (!zoneList) {
    let zones: string[] = [];
    try {
      zones = Intl.supportedValuesOf("timeZone");
    } catch {
      zones = [];
    }
    zoneList = ["UTC", ...zones.filter((z) => z !== "UTC")];
  }
  return zoneList;
}

export function isValidTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Zones matching a search ("berlin", "new york", "europe/"), best matches (prefix of the city) first. */
export function searchTimeZones(query: string, zones: readonly string[] = timeZones(), limit = 50): string[] {
  const q = query.trim().toLowerCase().replace(/\s+/g, "_");
  if (!q) return zones.slice(0, limit);
  const scored: [number, string][] = [];
  for (const z of zones) {
    const lz = z.toLowerCase();
    const city = lz.slice(lz.lastIndexOf("/") + 1);
    const score = lz === q ? 0 : city.startsWith(q) ? 1 : lz.startsWith(q) ? 2 : lz.includes(q) ? 3 : -1;
    if (score >= 0) scored.push([score, z]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.slice(0, limit).map(([, z]) => z);
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function wallParts(ms: number, zone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(zone, f);
  }
  const parts = f.formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: get("year"), mo: get("month"), d: get("day"), h: get("hour") % 24, mi: get("minute"), s: get("second") };
}

/** Offset (ms) of the zone's wall clock from UTC at an instant. */
export function zoneOffset(ms: number, zone: string): number {
  const p = wallParts(ms, zone);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in a zone ("2026-03-30T02:00" in Europe/Berlin → 00:00Z).
 * A time in a spring-forward gap maps to the instant after the gap, like the scheduler does.
 */
export function wallTimeToIso(local: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
  if (Number.isNaN(guess)) return null;
  const z = isValidTimeZone(zone) ? zone : "UTC";
  const first = guess - zoneOffset(guess, z);
  const second = guess - zoneOffset(first, z);
  // In a gap the two guesses disagree: take the later instant (the first one after the gap).
  return new Date(Math.max(first, second)).toISOString();
}

/** The wall clock ("YYYY-MM-DDTHH:MM") of an instant in a zone, for datetime-local inputs. */
export function isoToWallTime(iso: string | null | undefined, zone: string): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const p = wallParts(t, isValidTimeZone(zone) ? zone : "UTC");
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`;
}

/** "YYYY-MM-DD" of a day plus `days`. */
export function addDays(date: string, days: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return d.toISOString().slice(0, 10);
}

/** Backfill range of whole days in a zone: [first 00:00, day after last 00:00). */
export function dayRange(first: string, last: string, zone: string): { from: string; to: string } | null {
  const from = wallTimeToIso(first, zone);
  const to = wallTimeToIso(addDays(last, 1), zone);
  if (!from || !to || Date.parse(to) <= Date.parse(from)) return null;
  return { from, to };
}

const fireFormatters = new Map<string, Intl.DateTimeFormat>();

/** "Mon 30 Mar 2026, 02:00 CEST": an instant as the zone's wall clock, with the zone's abbreviation. */
export function formatInZone(iso: string | null | undefined, zone: string, opts: { seconds?: boolean; zoneName?: boolean } = {}): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const z = isValidTimeZone(zone) ? zone : "UTC";
  const key = `${z}|${opts.seconds ? 1 : 0}`;
  let f = fireFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: z,
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      ...(opts.seconds ? { second: "2-digit" } : {}),
      hourCycle: "h23",
      timeZoneName: "short",
    });
    fireFormatters.set(key, f);
  }
  const parts = f.formatToParts(new Date(t));
  const v = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const time = `${v("hour")}:${v("minute")}${opts.seconds ? `:${v("second")}` : ""}`;
  const name = opts.zoneName === false ? "" : ` ${v("timeZoneName")}`;
  return `${v("weekday")} ${v("day")} ${v("month")} ${v("year")}, ${time}${name}`;
}

/** "Tue 24 Nov 2026, 02:54 → 02:55" (same day) or both ends in full; without the zone name (shown once nearby). */
export function formatIntervalRange(start: string, end: string, zone: string): string {
  const a = formatInZone(start, zone, { zoneName: false });
  const b = formatInZone(end, zone, { zoneName: false });
  const [dayA, timeA] = a.split(", ");
  const [dayB, timeB] = b.split(", ");
  return dayA === dayB && timeA && timeB ? `${dayA}, ${timeA} → ${timeB}` : `${a} → ${b}`;
}

/** The zone a schedule's times are shown in: its cron zone, else UTC (interval triggers ignore zones). */
export function triggerZone(trigger: ScheduleTrigger | null | undefined): string {
  return trigger?.kind === "cron" ? trigger.timezone : "UTC";
}

// ---------------------------------------------------------------- policies

export const CONCURRENCY_OPTIONS: { value: ConcurrencyPolicy; label: string; help: string }[] = [
  { value: "allow", label: "Allow overlap", help: "Runs start on time even if earlier ones are still running, up to the maximum; a fire time over the maximum is skipped." },
  { value: "skip", label: "Skip while running", help: "A fire time is skipped (recorded as skipped) while the previous run is still running." },
  { value: "queue", label: "Queue", help: "A fire time waits until a running run finishes, then starts: nothing is skipped, runs start in order." },
];

export const REPROCESS_OPTIONS: { value: ReprocessPolicy; label: string; help: string }[] = [
  { value: "skip-succeeded", label: "Skip succeeded intervals", help: "Intervals that already have a succeeded run are skipped; missing and failed ones run." },
  { value: "failed-only", label: "Failed intervals only", help: "Only intervals whose latest run failed or was cancelled run again; everything else is skipped." },
  { value: "all", label: "Reprocess all", help: "Every interval runs again, except those whose run is still in flight (never duplicated)." },
];

export const concurrencyLabel = (c: ConcurrencyPolicy) => CONCURRENCY_OPTIONS.find((o) => o.value === c)?.label ?? c;

// ---------------------------------------------------------------- issues

/** Form fields of the schedule form an API issue path belongs to. */
export type ScheduleField =
  | "name"
  | "pipeline"
  | "version"
  | "cron"
  | "timezone"
  | "everySeconds"
  | "startAt"
  | "endAt"
  | "concurrency"
  | "maxConcurrent"
  | "catchup";

const FIELD_OF_PATH: Record<string, ScheduleField> = {
  name: "name",
  pipeline: "pipeline",
  version: "version",
  "trigger.cron": "cron",
  "trigger.timezone": "timezone",
  "trigger.everySeconds": "everySeconds",
  startAt: "startAt",
  endAt: "endAt",
  concurrency: "concurrency",
  maxConcurrent: "maxConcurrent",
  catchup: "catchup",
};

/**
 * Splits API issues into schedule fields, params (`params.NAME`) and the rest. A bare `trigger`
 * issue goes to the trigger's main field (`kind` tells which).
 */
export function scheduleIssues(
  issues: readonly ApiIssue[],
  paramNames: readonly string[],
  kind: "cron" | "interval",
): { fields: Partial<Record<ScheduleField, string>>; params: Record<string, string>; general: ApiIssue[] } {
  const fields: Partial<Record<ScheduleField, string>> = {};
  const params: Record<string, string> = {};
  const general: ApiIssue[] = [];
  const known = new Set(paramNames);
  const add = <K extends string>(into: Partial<Record<K, string>>, key: K, msg: string) => {
    into[key] = into[key] ? `${into[key]} ${msg}` : msg;
  };
  for (const issue of issues) {
    const path = issue.path ?? "";
    const field = FIELD_OF_PATH[path] ?? (path === "trigger" || path === "trigger.kind" ? (kind === "cron" ? "cron" : "everySeconds") : undefined);
    const param = /^params\.([^.[\]]+)/.exec(path)?.[1];
    if (field) add(fields, field, issue.message);
    else if (param && known.has(param)) add(params, param, issue.message);
    else general.push(issue);
  }
  return { fields, params, general };
}

// ---------------------------------------------------------------- backfill progress

export const BACKFILL_SEGMENTS: { key: keyof BackfillCounts; label: string; className: string }[] = [
  { key: "succeeded", label: "succeeded", className: "bg-emerald-500" },
  { key: "failed", label: "failed", className: "bg-red-500" },
  { key: "running", label: "running", className: "bg-blue-500" },
  { key: "waiting", label: "waiting", className: "bg-slate-300" },
  { key: "skipped", label: "skipped", className: "bg-slate-400/60" },
  { key: "cancelled", label: "cancelled", className: "bg-amber-500" },
];

/** Intervals of a backfill: its `total` (those it runs) or, when skipped ones are counted too, all of them. */
export function backfillTotal(b: { total: number; counts: BackfillCounts }): number {
  const c = b.counts;
  return Math.max(b.total, c.waiting + c.running + c.succeeded + c.failed + c.cancelled + c.skipped);
}

export function backfillDone(counts: BackfillCounts): number {
  return counts.succeeded + counts.failed + counts.cancelled + counts.skipped;
}

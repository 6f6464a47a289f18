import { dayMatches, parseCron, type Cron } from "./cron.js";
import { dayConverter, isValidTimezone, offsetAt } from "./zone.js";

export type Trigger =
  | { kind: "cron"; cron: string; timezone: string }
  | { kind: "interval"; everyMs: number; anchor: Date };

/** The data interval of a run due at fire time T: start = previousFireTime(T), end = T; logicalDate = T. */
export interface ScheduleInterval {
  logicalDate: Date;
  start: Date;
  end: Date;
}

export const DST_POLICY =
  "Cron fields are wall-clock times in the schedule's IANA time zone. Each matching local wall-clock minute fires " +
  "once, at the earliest instant whose local time is at or after it: " +
  "(1) a local time that does not exist (spring-forward gap, e.g. 02:30 on 2026-03-29 in Europe/Berlin) fires once " +
  "at the first instant after the gap (03:00 local = 01:00Z); it is neither skipped nor shifted by the gap length. " +
  "(2) A local time that occurs twice (fall-back, e.g. 02:30 on 2026-10-25 in Europe/Berlin) fires once, at its " +
  "first (daylight-time) occurrence (00:30Z); the repeated hour does not fire again, for every schedule, so " +
  "`0 * * * *` fires 24 times on the 25-hour day and `*/15 * * * *` is silent during the second pass of 02:00-02:59. " +
  "(3) Local times that land on the same instant fire once: on the spring-forward day `0 * * * *` fires once at " +
  "03:00 for both 02:00 and 03:00 (23 fires). Interval triggers ignore time zones: they fire at exactly " +
  "anchor + k * everyMs for every integer k.";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** A cron search gives up after this long without a fire (covers Feb 29 across the skipped leap year 2100). */
const CRON_HORIZON_MS = 10 * 366 * DAY;

const cronCache = new Map<string, Cron>();

function cronOf(expression: string): Cron {
  let cron = cronCache.get(expression);
  if (!cron) {
    const parsed = parseCron(expression);
    if (!parsed.ok) throw new Error(`invalid cron expression "${expression}": ${parsed.message}`);
    cron = parsed.cron;
    if (cronCache.size > 1000) cronCache.clear();
    cronCache.set(expression, cron);
  }
  return cron;
}

/** null when valid; else a message naming the problem. */
export function checkTrigger(t: Trigger): string | null {
  if (t === null || typeof t !== "object") return "trigger must be an object";
  if (t.kind === "cron") {
    if (typeof t.cron !== "string") return "cron expression must be a string";
    const parsed = parseCron(t.cron);
    if (!parsed.ok) return `invalid cron expression "${t.cron}": ${parsed.message}`;
    if (!isValidTimezone(t.timezone)) return `unknown time zone "${String(t.timezone)}" (expected an IANA name such as "Europe/Berlin" or "UTC")`;
    return null;
  }
  if (t.kind === "interval") {
    if (typeof t.everyMs !== "number" || !Number.isFinite(t.everyMs)) return "interval everyMs must be a finite number";
    if (!Number.isInteger(t.everyMs)) return `interval must be a whole number of milliseconds, got ${t.everyMs}`;
    if (t.everyMs < MINUTE) return `interval must be at least 1 minute (60000 ms), got ${t.everyMs} ms`;
    if (!(t.anchor instanceof Date) || Number.isNaN(t.anchor.getTime())) return "interval anchor must be a valid Date";
    return null;
  }
  return `unknown trigger kind "${String((t as { kind?: unknown }).kind)}" (expected "cron" or "interval")`;
}

function assertValid(t: Trigger): void {
  const problem = checkTrigger(t);
  if (problem) throw new Error(`invalid trigger: ${problem}`);
}

function ms(d: Date, name: string): number {
  const v = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(v)) throw new RangeError(`${name} must be a valid Date`);
  return v;
}

const floorDay = (localMs: number) => Math.floor(localMs / DAY) * DAY;

/** Fire instants strictly after `after`, ascending, deduplicated (see DST_POLICY). */
function* cronForward(cron: Cron, tz: string, after: number): Generator<number> {
  // Start one local day early: a gap at the start of the day can map a local time onto an earlier instant.
  let day = floorDay(after + offsetAt(tz, after)) - DAY;
  let last = -Infinity;
  let lastProgress = day;
  while (day - lastProgress <= CRON_HORIZON_MS) {
    const d = new Date(day);
    const month = d.getUTCMonth() + 1;
    if (!cron.months.includes(month)) {
      day = Date.UTC(d.getUTCFullYear(), month, 1); // skip to the 1st of next month
      continue;
    }
    if (dayMatches(cron, month, d.getUTCDate(), d.getUTCDay())) {
      const toInstant = dayConverter(tz, day);
      for (const h of cron.hours) {
        for (const m of cron.minutes) {
          const t = toInstant(day + h * HOUR + m * MINUTE);
          if (t > after && t > last) {
            last = t;
            lastProgress = day;
            yield t;
          }
        }
      }
    }
    day += DAY;
  }
}

/** Fire instants strictly before `before`, descending, deduplicated. */
function* cronBackward(cron: Cron, tz: string, before: number): Generator<number> {
  let day = floorDay(before + offsetAt(tz, before)) + DAY;
  let last = Infinity;
  let lastProgress = day;
  const hours = [...cron.hours].reverse();
  const minutes = [...cron.minutes].reverse();
  while (lastProgress - day <= CRON_HORIZON_MS) {
    const d = new Date(day);
    const month = d.getUTCMonth() + 1;
    if (!cron.months.includes(month)) {
      day = Date.UTC(d.getUTCFullYear(), month - 1, 0); // last day of the previous month
      continue;
    }
    if (dayMatches(cron, month, d.getUTCDate(), d.getUTCDay())) {
      const toInstant = dayConverter(tz, day);
      for (const h of hours) {
        for (const m of minutes) {
          const t = toInstant(day + h * HOUR + m * MINUTE);
          if (t < before && t < last) {
            last = t;
            lastProgress = day;
            yield t;
          }
        }
      }
    }
    day -= DAY;
  }
}

function* intervalForward(everyMs: number, anchor: number, after: number): Generator<number> {
  let k = Math.floor((after - anchor) / everyMs) + 1;
  while (anchor + (k - 1) * everyMs > after) k--; // guard against float rounding
  while (anchor + k * everyMs <= after) k++;
  for (;;) yield anchor + k++ * everyMs;
}

function forward(t: Trigger, after: number): Generator<number> {
  return t.kind === "cron"
    ? cronForward(cronOf(t.cron), t.timezone, after)
    : intervalForward(t.everyMs, t.anchor.getTime(), after);
}

function previous(t: Trigger, before: number): number | null {
  if (t.kind === "interval") {
    const anchor = t.anchor.getTime();
    let k = Math.ceil((before - anchor) / t.everyMs) - 1;
    while (anchor + (k + 1) * t.everyMs < before) k++;
    while (anchor + k * t.everyMs >= before) k--;
    return anchor + k * t.everyMs;
  }
  const first = cronBackward(cronOf(t.cron), t.timezone, before).next();
  return first.done ? null : first.value;
}

/** Fire times t with after < t <= until, ascending, at most `limit`. */
export function fireTimesBetween(t: Trigger, after: Date, until: Date, limit: number): Date[] {
  assertValid(t);
  const a = ms(after, "after");
  const u = ms(until, "until");
  const out: Date[] = [];
  if (!(limit > 0) || u <= a) return out;
  for (const v of forward(t, a)) {
    if (v > u || out.length >= limit) break;
    out.push(new Date(v));
  }
  return out;
}

/** The next `count` fire times strictly after `after` (fewer only if a cron stops firing within the horizon). */
export function nextFireTimes(t: Trigger, after: Date, count: number): Date[] {
  assertValid(t);
  const a = ms(after, "after");
  const out: Date[] = [];
  if (!(count > 0)) return out;
  for (const v of forward(t, a)) {
    out.push(new Date(v));
    if (out.length >= count) break;
  }
  return out;
}

/** The latest fire time strictly before `before`, or null if none within ~10 years (cron). */
export function previousFireTime(t: Trigger, before: Date): Date | null {
  assertValid(t);
  const v = previous(t, ms(before, "before"));
  return v === null ? null : new Date(v);
}

/**
 * The data interval of a run due at `fireTime`: start = previousFireTime(fireTime), end = logicalDate = fireTime.
 * If there is no previous fire (a cron that never fired within the horizon) the interval is empty (start = end).
 */
export function intervalAt(t: Trigger, fireTime: Date): ScheduleInterval {
  assertValid(t);
  const end = ms(fireTime, "fireTime");
  const start = previous(t, end) ?? end;
  return { logicalDate: new Date(end), start: new Date(start), end: new Date(end) };
}

/** Backfill: one interval per fire time T with from <= T < to, ascending; at most `limit`, `truncated` if more exist. */
export function intervalsInRange(
  t: Trigger,
  from: Date,
  to: Date,
  limit: number,
): { intervals: ScheduleInterval[]; truncated: boolean } {
  assertValid(t);
  const f = ms(from, "from");
  const end = ms(to, "to");
  const intervals: ScheduleInterval[] = [];
  if (end <= f) return { intervals, truncated: false };
  const cap = limit > 0 ? Math.floor(limit) : 0;
  let prev: number | undefined;
  for (const v of forward(t, f - 1)) {
    if (v >= end) break;
    if (intervals.length >= cap) return { intervals, truncated: true };
    const start = prev ?? previous(t, v) ?? v;
    intervals.push({ logicalDate: new Date(v), start: new Date(start), end: new Date(v) });
    prev = v;
  }
  return { intervals, truncated: false };
}

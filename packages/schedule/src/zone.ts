/*
 * Time-zone arithmetic on top of Intl.DateTimeFormat (no tz database of our own).
 *
 * "Local ms" below means a wall-clock date-time encoded as if it were UTC (Date.UTC(y, m-1, d, h, mi)).
 * offset(t) = local ms of instant t − t. Offsets are resolved to whole seconds (all tzdb transitions are).
 */

const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimezone(tz: string): boolean {
  if (typeof tz !== "string" || tz.trim() === "" || tz !== tz.trim()) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

const FORMAT_RE = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;

/** UTC offset in ms of `tz` at instant `t`. */
export function offsetAt(tz: string, t: number): number {
  const s = Math.floor(t / 1000) * 1000;
  // format() is ~3x faster than formatToParts(); en-US numeric output is "M/D/YYYY, HH:MM:SS".
  const m = FORMAT_RE.exec(formatter(tz).format(s));
  if (!m) throw new Error(`cannot read local time in ${tz}`);
  const local = Date.UTC(+m[3]!, +m[1]! - 1, +m[2]!, +m[4]!, +m[5]!, +m[6]!);
  return local - s;
}

/**
 * Returns a converter from local ms to instants, valid for local times on the local calendar day starting at
 * `dayLocalMs` (and at most one offset transition within a day of it). Policy (see DST_POLICY):
 * the result is the EARLIEST instant whose local wall-clock time is >= the requested local time, i.e.
 *   - normal local time  -> its instant;
 *   - repeated local time (fall-back) -> its first occurrence;
 *   - nonexistent local time (spring-forward gap) -> the first instant after the gap (the transition instant).
 * This map is non-decreasing in the local time, which the iteration in schedule.ts relies on.
 */
export function dayConverter(tz: string, dayLocalMs: number): (localMs: number) => number {
  // Instants of a local day lie within [day − 14h, day + 24h + 12h] for any real offset, so probes one day
  // either side bracket the day. Equal offsets at both probes => no transition (assumes no two transitions
  // within 3 days, which holds for the tz database in practice).
  const before = offsetAt(tz, dayLocalMs - DAY);
  const after = offsetAt(tz, dayLocalMs + 2 * DAY);
  if (before === after) return (localMs) => localMs - before;

  // Find the transition instant T: first whole second whose offset differs from `before`.
  let lo = Math.floor((dayLocalMs - DAY) / 1000); // offset == before
  let hi = Math.floor((dayLocalMs + 2 * DAY) / 1000); // offset == after
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(tz, mid * 1000) === before) lo = mid;
    else hi = mid;
  }
  const transition = hi * 1000;
  return (localMs) => {
    const t1 = localMs - before; // valid if it falls before the transition
    const t2 = localMs - after; // valid if it falls at/after the transition
    const v1 = t1 < transition;
    const v2 = t2 >= transition;
    if (v1 && v2) return Math.min(t1, t2); // ambiguous: first occurrence
    if (v1) return t1;
    if (v2) return t2;
    return transition; // gap: first instant after it
  };
}

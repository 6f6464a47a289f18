import { describe, expect, it } from "vitest";
import {
  DST_POLICY,
  checkTrigger,
  fireTimesBetween,
  intervalAt,
  intervalsInRange,
  isValidTimezone,
  nextFireTimes,
  previousFireTime,
  type Trigger,
} from "./index.js";

const cron = (expr: string, timezone = "UTC"): Trigger => ({ kind: "cron", cron: expr, timezone });
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
const next = (t: Trigger, after: string, n: number) => iso(nextFireTimes(t, new Date(after), n));
const between = (t: Trigger, after: string, until: string, limit = 1000) =>
  iso(fireTimesBetween(t, new Date(after), new Date(until), limit));

describe("isValidTimezone / checkTrigger", () => {
  it("validates IANA names", () => {
    for (const tz of ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]) {
      expect(isValidTimezone(tz)).toBe(true);
    }
    for (const tz of ["", "Mars/Olympus", "Europe/Berlinn", " UTC"]) expect(isValidTimezone(tz)).toBe(false);
  });
  it("returns null for valid triggers", () => {
    expect(checkTrigger(cron("30 2 * * *", "Europe/Berlin"))).toBeNull();
    expect(checkTrigger({ kind: "interval", everyMs: 60_000, anchor: new Date(0) })).toBeNull();
  });
  it("names the problem", () => {
    expect(checkTrigger(cron("0 24 * * *"))).toBe('invalid cron expression "0 24 * * *": hour: 24 is out of range 0-23');
    expect(checkTrigger(cron("0 0 * * *", "Mars/Olympus"))).toBe(
      'unknown time zone "Mars/Olympus" (expected an IANA name such as "Europe/Berlin" or "UTC")',
    );
    expect(checkTrigger({ kind: "interval", everyMs: 59_999, anchor: new Date(0) })).toBe(
      "interval must be at least 1 minute (60000 ms), got 59999 ms",
    );
    expect(checkTrigger({ kind: "interval", everyMs: 60_000.5, anchor: new Date(0) })).toBe(
      "interval must be a whole number of milliseconds, got 60000.5",
    );
    expect(checkTrigger({ kind: "interval", everyMs: Number.NaN, anchor: new Date(0) })).toBe("interval everyMs must be a finite number");
    expect(checkTrigger({ kind: "interval", everyMs: 60_000, anchor: new Date("nope") })).toBe("interval anchor must be a valid Date");
    expect(checkTrigger({ kind: "weekly" } as unknown as Trigger)).toBe('unknown trigger kind "weekly" (expected "cron" or "interval")');
  });
  it("functions throw on invalid triggers and dates", () => {
    expect(() => nextFireTimes(cron("0 0 * * *", "Nowhere/Land"), new Date(), 1)).toThrow(/unknown time zone/);
    expect(() => nextFireTimes(cron("0 0 * * *"), new Date("bad"), 1)).toThrow(/after must be a valid Date/);
  });
});

describe("cron in UTC", () => {
  it("every minute, strictly after", () => {
    expect(next(cron("* * * * *"), "2026-05-01T10:00:00Z", 3)).toEqual([
      "2026-05-01T10:01:00.000Z",
      "2026-05-01T10:02:00.000Z",
      "2026-05-01T10:03:00.000Z",
    ]);
    expect(next(cron("* * * * *"), "2026-05-01T10:00:30.500Z", 1)).toEqual(["2026-05-01T10:01:00.000Z"]);
  });
  it("daily, crossing month and year ends", () => {
    expect(next(cron("30 2 * * *"), "2026-12-31T02:30:00Z", 2)).toEqual(["2027-01-01T02:30:00.000Z", "2027-01-02T02:30:00.000Z"]);
  });
  it("0 0 31 * * skips short months", () => {
    expect(next(cron("0 0 31 * *"), "2026-01-01T00:00:00Z", 7)).toEqual([
      "2026-01-31T00:00:00.000Z",
      "2026-03-31T00:00:00.000Z",
      "2026-05-31T00:00:00.000Z",
      "2026-07-31T00:00:00.000Z",
      "2026-08-31T00:00:00.000Z",
      "2026-10-31T00:00:00.000Z",
      "2026-12-31T00:00:00.000Z",
    ]);
  });
  it("Feb 29 fires only in leap years; impossible dates never fire", () => {
    expect(next(cron("0 0 29 2 *"), "2026-01-01T00:00:00Z", 2)).toEqual(["2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z"]);
    expect(next(cron("0 0 30 2 *"), "2026-01-01T00:00:00Z", 2)).toEqual([]);
    expect(previousFireTime(cron("0 0 31 4 *"), new Date("2026-01-01T00:00:00Z"))).toBeNull();
  });
  it("DOM/DOW OR rule when both are restricted", () => {
    // 2026-06: the 13th is a Saturday; Fridays are 5, 12, 19, 26.
    expect(between(cron("0 0 13 * 5"), "2026-06-01T00:00:00Z", "2026-06-30T23:59:00Z")).toEqual([
      "2026-06-05T00:00:00.000Z",
      "2026-06-12T00:00:00.000Z",
      "2026-06-13T00:00:00.000Z",
      "2026-06-19T00:00:00.000Z",
      "2026-06-26T00:00:00.000Z",
    ]);
  });
  it("AND when a day field is */n (Vixie: starts with *)", () => {
    // odd days of June 2026 that are Mondays: 1, 15, 29
    expect(between(cron("0 0 */2 * mon"), "2026-05-31T00:00:00Z", "2026-06-30T23:59:00Z")).toEqual([
      "2026-06-01T00:00:00.000Z",
      "2026-06-15T00:00:00.000Z",
      "2026-06-29T00:00:00.000Z",
    ]);
  });
  it("@weekly fires Sundays at midnight; 7 means Sunday", () => {
    const expected = ["2026-06-07T00:00:00.000Z", "2026-06-14T00:00:00.000Z"];
    expect(next(cron("@weekly"), "2026-06-03T12:00:00Z", 2)).toEqual(expected);
    expect(next(cron("0 0 * * 7"), "2026-06-03T12:00:00Z", 2)).toEqual(expected);
  });
  it("@yearly and month names", () => {
    expect(next(cron("@yearly"), "2026-01-01T00:00:00Z", 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(next(cron("15 10 1 jul,JAN *"), "2026-02-01T00:00:00Z", 2)).toEqual(["2026-07-01T10:15:00.000Z", "2027-01-01T10:15:00.000Z"]);
  });
  it("fireTimesBetween: after < t <= until, limit", () => {
    const t = cron("0 * * * *");
    expect(between(t, "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z")).toEqual([
      "2026-01-01T01:00:00.000Z",
      "2026-01-01T02:00:00.000Z",
      "2026-01-01T03:00:00.000Z",
    ]);
    expect(between(t, "2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z", 2)).toHaveLength(2);
    expect(between(t, "2026-01-01T03:00:00Z", "2026-01-01T00:00:00Z")).toEqual([]);
    expect(between(t, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", 0)).toEqual([]);
  });
  it("is fast", () => {
    let start = performance.now();
    expect(fireTimesBetween(cron("*/15 * * * *", "Europe/Berlin"), new Date("2026-01-01"), new Date("2030-01-01"), 10_000)).toHaveLength(10_000);
    expect(fireTimesBetween(cron("0 2 * * *", "Europe/Berlin"), new Date("2000-01-01"), new Date("2100-01-01"), 10_000)).toHaveLength(10_000);
    expect(performance.now() - start).toBeLessThan(500); // ~50 ms locally; generous for CI
    start = performance.now();
    expect(nextFireTimes(cron("* * * * *", "America/New_York"), new Date(), 5)).toHaveLength(5);
    expect(nextFireTimes(cron("0 0 1 1 *", "Europe/Berlin"), new Date("2026-01-02"), 1)).toEqual([new Date("2026-12-31T23:00:00Z")]);
    expect(performance.now() - start).toBeLessThan(50);
  });
});

describe("cron in time zones", () => {
  it("daily in Europe/Berlin and Asia/Kolkata (+05:30)", () => {
    expect(next(cron("0 9 * * *", "Europe/Berlin"), "2026-01-15T00:00:00Z", 1)).toEqual(["2026-01-15T08:00:00.000Z"]);
    expect(next(cron("0 9 * * *", "Europe/Berlin"), "2026-07-15T00:00:00Z", 1)).toEqual(["2026-07-15T07:00:00.000Z"]);
    expect(next(cron("0 9 * * *", "Asia/Kolkata"), "2026-07-15T00:00:00Z", 1)).toEqual(["2026-07-15T03:30:00.000Z"]);
  });
  it("day-of-week is evaluated in local time", () => {
    // Monday 00:30 in Tokyo is Sunday 15:30Z.
    expect(next(cron("30 0 * * mon", "Asia/Tokyo"), "2026-06-01T00:00:00Z", 1)).toEqual(["2026-06-07T15:30:00.000Z"]);
  });
});

describe("DST: Europe/Berlin (spring 2026-03-29 02:00->03:00, fall 2026-10-25 03:00->02:00)", () => {
  const tz = "Europe/Berlin";
  it("daily 30 2: the nonexistent 02:30 fires once at 03:00 local (01:00Z)", () => {
    expect(next(cron("30 2 * * *", tz), "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
  });
  it("daily 30 2: the repeated 02:30 fires once, at the first (CEST) occurrence", () => {
    expect(next(cron("30 2 * * *", tz), "2026-10-24T12:00:00Z", 3)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
      "2026-10-27T01:30:00.000Z",
    ]);
    // Asking from inside the repeated hour (after the first occurrence) does not re-fire the second one.
    expect(next(cron("30 2 * * *", tz), "2026-10-25T01:00:00Z", 1)).toEqual(["2026-10-26T01:30:00.000Z"]);
  });
  it("hourly: 23 fires on the 23-hour day (02:00 and 03:00 coincide), 24 on the 25-hour day", () => {
    const spring = between(cron("0 * * * *", tz), "2026-03-28T22:59:00Z", "2026-03-29T21:59:00Z");
    expect(spring).toHaveLength(23);
    expect(spring.slice(0, 4)).toEqual(["2026-03-28T23:00:00.000Z", "2026-03-29T00:00:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T02:00:00.000Z"]);
    const fall = between(cron("0 * * * *", tz), "2026-10-24T21:59:00Z", "2026-10-25T22:59:00Z");
    expect(fall).toHaveLength(24);
    expect(fall.slice(1, 5)).toEqual(["2026-10-24T23:00:00.000Z", "2026-10-25T00:00:00.000Z", "2026-10-25T02:00:00.000Z", "2026-10-25T03:00:00.000Z"]);
  });
  it("every 15 minutes: the gap collapses onto 03:00, the repeated hour is not revisited", () => {
    expect(between(cron("*/15 * * * *", tz), "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z")).toEqual([
      "2026-03-29T00:45:00.000Z", // 01:45 CET
      "2026-03-29T01:00:00.000Z", // 02:00..02:45 (nonexistent) and 03:00 CEST -> one fire
      "2026-03-29T01:15:00.000Z",
      "2026-03-29T01:30:00.000Z",
    ]);
    expect(between(cron("*/15 * * * *", tz), "2026-10-25T00:30:00Z", "2026-10-25T02:15:00Z")).toEqual([
      "2026-10-25T00:45:00.000Z", // 02:45 CEST
      "2026-10-25T02:00:00.000Z", // 03:00 CET (02:00..02:45 CET already fired as CEST)
      "2026-10-25T02:15:00.000Z",
    ]);
  });
  it("previousFireTime is consistent across DST", () => {
    expect(previousFireTime(cron("30 2 * * *", tz), new Date("2026-03-30T00:30:00Z"))?.toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(previousFireTime(cron("30 2 * * *", tz), new Date("2026-10-26T01:30:00Z"))?.toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect(previousFireTime(cron("0 * * * *", tz), new Date("2026-10-25T02:00:00Z"))?.toISOString()).toBe("2026-10-25T00:00:00.000Z");
    expect(previousFireTime(cron("0 * * * *", tz), new Date("2026-03-29T02:00:00Z"))?.toISOString()).toBe("2026-03-29T01:00:00.000Z");
  });
});

describe("DST: America/New_York (spring 2026-03-08, fall 2026-11-01)", () => {
  const tz = "America/New_York";
  it("daily 30 2", () => {
    expect(next(cron("30 2 * * *", tz), "2026-03-07T12:00:00Z", 3)).toEqual([
      "2026-03-08T07:00:00.000Z", // 03:00 EDT
      "2026-03-09T06:30:00.000Z",
      "2026-03-10T06:30:00.000Z",
    ]);
    expect(next(cron("30 1 * * *", tz), "2026-10-31T12:00:00Z", 2)).toEqual([
      "2026-11-01T05:30:00.000Z", // 01:30 EDT, first occurrence
      "2026-11-02T06:30:00.000Z",
    ]);
  });
  it("hourly and every 15 minutes", () => {
    expect(between(cron("0 * * * *", tz), "2026-03-08T04:59:00Z", "2026-03-09T03:59:00Z")).toHaveLength(23);
    expect(between(cron("0 * * * *", tz), "2026-11-01T03:59:00Z", "2026-11-02T04:59:00Z")).toHaveLength(24);
    expect(between(cron("*/15 * * * *", tz), "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z")).toEqual([
      "2026-11-01T05:45:00.000Z", // 01:45 EDT
      "2026-11-01T07:00:00.000Z", // 02:00 EST
    ]);
  });
});

describe("DST: Australia/Lord_Howe (half-hour shift)", () => {
  const tz = "Australia/Lord_Howe"; // +10:30 standard, +11 daylight
  it("spring 2026-10-04: 02:00-02:29 does not exist; 02:00 fires at 02:30 (+11)", () => {
    expect(next(cron("0 * * * *", tz), "2026-10-03T14:00:00Z", 3)).toEqual([
      "2026-10-03T14:30:00.000Z", // 01:00 +10:30
      "2026-10-03T15:30:00.000Z", // 02:00 nonexistent -> 02:30 +11
      "2026-10-03T16:00:00.000Z", // 03:00 +11
    ]);
    expect(next(cron("15 2 * * *", tz), "2026-10-03T00:00:00Z", 1)).toEqual(["2026-10-03T15:30:00.000Z"]);
  });
  it("fall 2026-04-05: 01:30-01:59 repeats; fires at the first occurrence only", () => {
    expect(next(cron("45 1 * * *", tz), "2026-04-04T00:00:00Z", 2)).toEqual([
      "2026-04-04T14:45:00.000Z", // 01:45 +11
      "2026-04-05T15:15:00.000Z", // next day, 01:45 +10:30
    ]);
    expect(between(cron("*/30 * * * *", tz), "2026-04-04T14:00:00Z", "2026-04-04T15:30:00Z")).toEqual([
      "2026-04-04T14:30:00.000Z", // 01:30 +11
      "2026-04-04T15:30:00.000Z", // 02:00 +10:30 (01:30 +10:30 already fired)
    ]);
  });
});

describe("interval triggers", () => {
  const every = (everyMs: number, anchor: string): Trigger => ({ kind: "interval", everyMs, anchor: new Date(anchor) });
  it("anchor in the past", () => {
    const t = every(15 * 60_000, "2026-01-01T00:05:00Z");
    expect(next(t, "2026-06-01T10:00:00Z", 3)).toEqual(["2026-06-01T10:05:00.000Z", "2026-06-01T10:20:00.000Z", "2026-06-01T10:35:00.000Z"]);
    expect(next(t, "2026-06-01T10:05:00Z", 1)).toEqual(["2026-06-01T10:20:00.000Z"]);
    expect(previousFireTime(t, new Date("2026-06-01T10:05:00Z"))?.toISOString()).toBe("2026-06-01T09:50:00.000Z");
    expect(previousFireTime(t, new Date("2026-06-01T10:05:00.001Z"))?.toISOString()).toBe("2026-06-01T10:05:00.000Z");
  });
  it("anchor in the future (negative k)", () => {
    const t = every(3_600_000, "2030-01-01T00:30:00Z");
    expect(next(t, "2026-06-01T10:00:00Z", 2)).toEqual(["2026-06-01T10:30:00.000Z", "2026-06-01T11:30:00.000Z"]);
    expect(previousFireTime(t, new Date("2026-06-01T10:00:00Z"))?.toISOString()).toBe("2026-06-01T09:30:00.000Z");
  });
  it("ignores DST (fixed milliseconds)", () => {
    const t = every(86_400_000, "2026-03-28T01:30:00Z");
    expect(next(t, "2026-03-28T12:00:00Z", 2)).toEqual(["2026-03-29T01:30:00.000Z", "2026-03-30T01:30:00.000Z"]);
  });
  it("fireTimesBetween and an interval not dividing an hour", () => {
    const t = every(7 * 60_000, "2026-01-01T00:00:00Z");
    expect(between(t, "2026-01-01T00:00:00Z", "2026-01-01T00:21:00Z")).toEqual([
      "2026-01-01T00:07:00.000Z",
      "2026-01-01T00:14:00.000Z",
      "2026-01-01T00:21:00.000Z",
    ]);
  });
});

describe("intervalAt / intervalsInRange", () => {
  it("intervalAt: start is the previous fire", () => {
    const i = intervalAt(cron("0 2 * * *", "Europe/Berlin"), new Date("2026-03-30T00:00:00Z"));
    expect(i.logicalDate.toISOString()).toBe("2026-03-30T00:00:00.000Z");
    expect(i.end.toISOString()).toBe("2026-03-30T00:00:00.000Z");
    expect(i.start.toISOString()).toBe("2026-03-29T01:00:00.000Z"); // 02:00 nonexistent -> 03:00 CEST
    const j = intervalAt({ kind: "interval", everyMs: 3_600_000, anchor: new Date(0) }, new Date("2026-01-01T05:00:00Z"));
    expect(j.start.toISOString()).toBe("2026-01-01T04:00:00.000Z");
  });
  it("intervalAt with no previous fire is empty", () => {
    const i = intervalAt(cron("0 0 30 2 *"), new Date("2026-01-01T00:00:00Z"));
    expect(i.start.getTime()).toBe(i.end.getTime());
  });
  it("5 daily intervals for a 5-day range, from inclusive and to exclusive", () => {
    const r = intervalsInRange(cron("0 0 * * *"), new Date("2026-01-01T00:00:00Z"), new Date("2026-01-06T00:00:00Z"), 100);
    expect(r.truncated).toBe(false);
    expect(r.intervals.map((i) => [i.start.toISOString().slice(0, 10), i.end.toISOString().slice(0, 10)])).toEqual([
      ["2025-12-31", "2026-01-01"],
      ["2026-01-01", "2026-01-02"],
      ["2026-01-02", "2026-01-03"],
      ["2026-01-03", "2026-01-04"],
      ["2026-01-04", "2026-01-05"],
    ]);
    for (const i of r.intervals) expect(i.logicalDate.getTime()).toBe(i.end.getTime());
  });
  it("limit and truncated", () => {
    const t = cron("0 0 * * *");
    const from = new Date("2026-01-01T00:00:00Z");
    const to = new Date("2026-01-06T00:00:00Z");
    expect(intervalsInRange(t, from, to, 5).truncated).toBe(false);
    const r = intervalsInRange(t, from, to, 3);
    expect(r.truncated).toBe(true);
    expect(r.intervals).toHaveLength(3);
    expect(intervalsInRange(t, from, to, 0)).toEqual({ intervals: [], truncated: true });
    expect(intervalsInRange(t, to, from, 10)).toEqual({ intervals: [], truncated: false });
  });
  it("backfill intervals tile the range across DST", () => {
    const r = intervalsInRange(cron("0 * * * *", "Europe/Berlin"), new Date("2026-10-24T22:00:00Z"), new Date("2026-10-25T23:00:00Z"), 100);
    expect(r.intervals).toHaveLength(24);
    for (let k = 1; k < r.intervals.length; k++) expect(r.intervals[k]!.start).toEqual(r.intervals[k - 1]!.end);
  });
});

describe("DST_POLICY", () => {
  it("documents the rules", () => {
    expect(DST_POLICY).toMatch(/first instant after the gap/);
    expect(DST_POLICY).toMatch(/first \(daylight-time\) occurrence/);
    expect(DST_POLICY).toMatch(/Interval triggers ignore time zones/);
  });
});

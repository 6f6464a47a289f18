import { describe, expect, it } from "vitest";
import {
  backfillDone,
  backfillTotal,
  buildCron,
  dayRange,
  describeInterval,
  detectPreset,
  formatInZone,
  formatIntervalRange,
  insertAt,
  isoToWallTime,
  parseHhmm,
  scheduleIssues,
  searchTimeZones,
  splitInterval,
  wallTimeToIso,
  DEFAULT_CRON_PARTS,
} from "./schedules";

describe("cron presets", () => {
  const parts = { ...DEFAULT_CRON_PARTS, minute: 30, hour: 9, weekday: 3, monthDay: 15 };

  it("builds each preset", () => {
    expect(buildCron({ ...parts, preset: "minute" })).toBe("* * * * *");
    expect(buildCron({ ...parts, preset: "hour" })).toBe("30 * * * *");
    expect(buildCron({ ...parts, preset: "day" })).toBe("30 9 * * *");
    expect(buildCron({ ...parts, preset: "weekday" })).toBe("30 9 * * 1-5");
    expect(buildCron({ ...parts, preset: "week" })).toBe("30 9 * * 3");
    expect(buildCron({ ...parts, preset: "month" })).toBe("30 9 15 * *");
    expect(buildCron({ ...parts, preset: "custom" })).toBeNull();
  });

  it("recognises what the presets make, round trip", () => {
    for (const preset of ["minute", "hour", "day", "weekday", "week", "month"] as const) {
      const expr = buildCron({ ...parts, preset })!;
      const back = detectPreset(expr);
      expect(back.preset).toBe(preset);
      expect(buildCron(back)).toBe(expr);
    }
  });

  it("treats anything else as custom, keeping the other settings", () => {
    expect(detectPreset("*/15 * * * *").preset).toBe("custom");
    expect(detectPreset("0 9 * * 1,3").preset).toBe("custom");
    expect(detectPreset("0 9 1 1 *").preset).toBe("custom");
    expect(detectPreset("0 9 * *").preset).toBe("custom");
    expect(detectPreset("0 24 * * *").preset).toBe("custom");
    expect(detectPreset("  0   2 * * *  ")).toMatchObject({ preset: "day", hour: 2, minute: 0 });
    expect(detectPreset("0 9 * * 7")).toMatchObject({ preset: "week", weekday: 0 });
  });

  it("parses HH:MM", () => {
    expect(parseHhmm("02:05")).toEqual({ hour: 2, minute: 5 });
    expect(parseHhmm("24:00")).toBeNull();
    expect(parseHhmm("")).toBeNull();
  });
});

describe("intervals", () => {
  it("splits seconds into the largest exact unit", () => {
    expect(splitInterval(60)).toEqual({ every: 1, unit: "minutes" });
    expect(splitInterval(7200)).toEqual({ every: 2, unit: "hours" });
    expect(splitInterval(86400 * 3)).toEqual({ every: 3, unit: "days" });
    expect(splitInterval(5400)).toEqual({ every: 90, unit: "minutes" });
    expect(describeInterval(3600)).toBe("every hour");
    expect(describeInterval(900)).toBe("every 15 minutes");
  });
});

describe("time zones", () => {
  it("converts wall-clock times in a zone to instants and back", () => {
    expect(wallTimeToIso("2026-03-30T02:00", "Europe/Berlin")).toBe("2026-03-30T00:00:00.000Z"); // CEST
    expect(wallTimeToIso("2026-01-15T02:00", "Europe/Berlin")).toBe("2026-01-15T01:00:00.000Z"); // CET
    expect(wallTimeToIso("2026-01-15", "UTC")).toBe("2026-01-15T00:00:00.000Z");
    expect(wallTimeToIso("2026-07-01T09:30", "America/New_York")).toBe("2026-07-01T13:30:00.000Z");
    expect(isoToWallTime("2026-03-30T00:00:00.000Z", "Europe/Berlin")).toBe("2026-03-30T02:00");
    expect(isoToWallTime(null, "UTC")).toBe("");
    expect(wallTimeToIso("nope", "UTC")).toBeNull();
  });

  it("maps a time in the spring-forward gap to the first instant after it", () => {
    // 02:30 does not exist on 2026-03-29 in Berlin; 03:00 CEST = 01:00Z.
    const iso = wallTimeToIso("2026-03-29T02:30", "Europe/Berlin")!;
    expect(Date.parse(iso)).toBeGreaterThanOrEqual(Date.parse("2026-03-29T01:00:00Z"));
    expect(Date.parse(iso)).toBeLessThanOrEqual(Date.parse("2026-03-29T01:30:00Z"));
  });

  it("makes whole-day backfill ranges, the last day inclusive", () => {
    expect(dayRange("2026-01-01", "2026-01-05", "UTC")).toEqual({ from: "2026-01-01T00:00:00.000Z", to: "2026-01-06T00:00:00.000Z" });
    expect(dayRange("2026-01-01", "2026-01-01", "Europe/Berlin")).toEqual({ from: "2025-12-31T23:00:00.000Z", to: "2026-01-01T23:00:00.000Z" });
    expect(dayRange("2026-01-05", "2026-01-01", "UTC")).toBeNull();
  });

  it("formats an instant as the zone's wall clock", () => {
    expect(formatInZone("2026-03-30T00:00:00Z", "Europe/Berlin")).toBe("Mon 30 Mar 2026, 02:00 CEST");
    expect(formatInZone("2026-03-30T00:00:00Z", "UTC")).toBe("Mon 30 Mar 2026, 00:00 UTC");
    expect(formatInZone("2026-03-30T00:00:00Z", "UTC", { zoneName: false })).toBe("Mon 30 Mar 2026, 00:00");
    expect(formatInZone(null, "UTC")).toBe("—");
    expect(formatIntervalRange("2026-11-24T02:54:00Z", "2026-11-24T02:55:00Z", "UTC")).toBe("Tue 24 Nov 2026, 02:54 → 02:55");
    expect(formatIntervalRange("2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z", "Europe/Berlin")).toBe("Sun 1 Jun 2025, 02:00 → Mon 2 Jun 2025, 02:00");
  });

  it("searches zones by city or region", () => {
    const zones = ["UTC", "America/New_York", "Europe/Berlin", "Europe/Busingen", "Asia/Kolkata"];
    expect(searchTimeZones("berlin", zones)).toEqual(["Europe/Berlin"]);
    expect(searchTimeZones("new york", zones)).toEqual(["America/New_York"]);
    expect(searchTimeZones("europe/", zones)).toEqual(["Europe/Berlin", "Europe/Busingen"]);
    expect(searchTimeZones("b", zones)[0]).toBe("Europe/Berlin");
    expect(searchTimeZones("", zones, 2)).toEqual(["UTC", "America/New_York"]);
  });
});

describe("issues and helpers", () => {
  it("maps API issue paths onto the form's fields", () => {
    const r = scheduleIssues(
      [
        { path: "trigger.cron", message: "bad cron" },
        { path: "trigger.timezone", message: "unknown zone" },
        { path: "endAt", message: "must be after startAt" },
        { path: "params.lr", message: "not a number" },
        { path: "params.unknown", message: "?" },
        { path: "", message: "general" },
      ],
      ["lr"],
      "cron",
    );
    expect(r.fields).toEqual({ cron: "bad cron", timezone: "unknown zone", endAt: "must be after startAt" });
    expect(r.params).toEqual({ lr: "not a number" });
    expect(r.general.map((g) => g.message)).toEqual(["?", "general"]);
    expect(scheduleIssues([{ path: "trigger", message: "x" }], [], "interval").fields).toEqual({ everySeconds: "x" });
  });

  it("inserts templates at the caret", () => {
    expect(insertAt("day=", "${{ schedule.logical_date }}", null, null).value).toBe("day=${{ schedule.logical_date }}");
    expect(insertAt("a-b", "X", 1, 2)).toEqual({ value: "aXb", caret: 2 });
  });

  it("counts finished backfill intervals", () => {
    const counts = { waiting: 1, running: 2, succeeded: 3, failed: 1, cancelled: 1, skipped: 2 };
    expect(backfillDone(counts)).toBe(7);
    // `total` counts the intervals it runs; skipped ones are added when they are counted too.
    expect(backfillTotal({ total: 8, counts })).toBe(10);
    expect(backfillTotal({ total: 12, counts })).toBe(12);
  });
});

import { describe, expect, it } from "vitest";
import { describeTrigger } from "./index.js";

const d = (expr: string, tz = "Europe/Berlin") => describeTrigger({ kind: "cron", cron: expr, timezone: tz });

describe("describeTrigger", () => {
  it.each([
    ["30 2 * * *", "every day at 02:30 (Europe/Berlin)"],
    ["0 2 * * *", "every day at 02:00 (Europe/Berlin)"],
    ["@daily", "every day at 00:00 (Europe/Berlin)"],
    ["* * * * *", "every minute (Europe/Berlin)"],
    ["*/15 * * * *", "every 15 minutes (Europe/Berlin)"],
    ["*/5 9-17 * * 1-5", "every 5 minutes during hour 9-17 on Monday through Friday (Europe/Berlin)"],
    ["0 * * * *", "at minute 0 past every hour (Europe/Berlin)"],
    ["0 */2 * * *", "at minute 0 past every 2nd hour (Europe/Berlin)"],
    ["0 9,17 * * *", "every day at 09:00 and 17:00 (Europe/Berlin)"],
    ["@weekly", "every Sunday at 00:00 (Europe/Berlin)"],
    ["0 9 * * mon-fri", "every Monday through Friday at 09:00 (Europe/Berlin)"],
    ["0 9 * * 1,3", "every Monday and Wednesday at 09:00 (Europe/Berlin)"],
    ["@monthly", "every month on day 1 at 00:00 (Europe/Berlin)"],
    ["@yearly", "every year on January 1 at 00:00 (Europe/Berlin)"],
    ["0 0 1 * 1", "at 00:00 on day 1 of the month or on Monday (Europe/Berlin)"],
    ["15 10 * 1,7 *", "at 10:15 in January and July (Europe/Berlin)"],
    ["5,10 1,2,3 * * *", "at minute 5,10 past hour 1,2,3 (Europe/Berlin)"],
  ])("%s -> %s", (expr, text) => {
    expect(d(expr)).toBe(text);
  });
  it("names UTC and handles invalid expressions", () => {
    expect(d("0 0 * * *", "UTC")).toBe("every day at 00:00 (UTC)");
    expect(d("0 24 * * *")).toBe('invalid cron "0 24 * * *"');
  });
  it.each([
    [15 * 60_000, "every 15 minutes"],
    [60_000, "every minute"],
    [3_600_000, "every hour"],
    [6 * 3_600_000, "every 6 hours"],
    [86_400_000, "every day"],
    [604_800_000, "every week"],
    [90 * 60_000, "every 90 minutes"],
    [90_500, "every 90500 ms"],
  ])("interval %i -> %s", (everyMs, text) => {
    expect(describeTrigger({ kind: "interval", everyMs, anchor: new Date(0) })).toBe(text);
  });
});

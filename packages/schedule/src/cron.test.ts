import { describe, expect, it } from "vitest";
import { parseCron, type Cron } from "./index.js";

function ok(expr: string): Cron {
  const r = parseCron(expr);
  if (!r.ok) throw new Error(r.message);
  return r.cron;
}
function err(expr: string): string {
  const r = parseCron(expr);
  if (r.ok) throw new Error(`expected "${expr}" to fail`);
  return r.message;
}
const range = (a: number, b: number, step = 1) => Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, i) => a + i * step);

describe("parseCron syntax", () => {
  it("parses wildcards", () => {
    const c = ok("* * * * *");
    expect(c.minutes).toEqual(range(0, 59));
    expect(c.hours).toEqual(range(0, 23));
    expect(c.daysOfMonth).toEqual(range(1, 31));
    expect(c.months).toEqual(range(1, 12));
    expect(c.daysOfWeek).toEqual(range(0, 6));
    expect(c.domWildcard && c.dowWildcard).toBe(true);
    expect(c.expression).toBe("* * * * *");
  });
  it("parses numbers, ranges, lists and steps", () => {
    const c = ok("5 1-3 1,15,31 */3 1-5/2");
    expect(c.minutes).toEqual([5]);
    expect(c.hours).toEqual([1, 2, 3]);
    expect(c.daysOfMonth).toEqual([1, 15, 31]);
    expect(c.months).toEqual([1, 4, 7, 10]);
    expect(c.daysOfWeek).toEqual([1, 3, 5]);
    expect(c.domWildcard).toBe(false);
  });
  it("parses a/n as a through the maximum every n", () => {
    expect(ok("10/20 5/6 * * *").minutes).toEqual([10, 30, 50]);
    expect(ok("10/20 5/6 * * *").hours).toEqual([5, 11, 17, 23]);
  });
  it("sorts and deduplicates list items, tolerates extra whitespace", () => {
    const c = ok("  30,0,30,15   */12 * * *  ");
    expect(c.minutes).toEqual([0, 15, 30]);
    expect(c.hours).toEqual([0, 12]);
    expect(c.expression).toBe("30,0,30,15   */12 * * *");
  });
  it("accepts month and day names case-insensitively, in ranges and lists", () => {
    const c = ok("0 0 * jan,Mar-may,DEC mon-fri");
    expect(c.months).toEqual([1, 3, 4, 5, 12]);
    expect(c.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(ok("0 0 * * sun,SAT").daysOfWeek).toEqual([0, 6]);
  });
  it("treats day-of-week 7 as Sunday", () => {
    expect(ok("0 0 * * 7").daysOfWeek).toEqual([0]);
    expect(ok("0 0 * * 5-7").daysOfWeek).toEqual([0, 5, 6]);
    expect(ok("0 0 * * 0,7").daysOfWeek).toEqual([0]);
  });
  it("flags */n in day fields as wildcard (Vixie rule)", () => {
    const c = ok("0 0 */2 * 1");
    expect(c.domWildcard).toBe(true);
    expect(c.dowWildcard).toBe(false);
  });
  it.each([
    ["@yearly", "0 0 1 1 *"],
    ["@annually", "0 0 1 1 *"],
    ["@monthly", "0 0 1 * *"],
    ["@weekly", "0 0 * * 0"],
    ["@daily", "0 0 * * *"],
    ["@midnight", "0 0 * * *"],
    ["@hourly", "0 * * * *"],
    ["@DAILY", "0 0 * * *"],
  ])("expands %s", (macro, equivalent) => {
    const a = ok(macro);
    const b = ok(equivalent);
    expect(a.expression).toBe(macro);
    expect({ ...a, expression: "", fields: null }).toEqual({ ...b, expression: "", fields: null });
  });
});

describe("parseCron errors", () => {
  it.each([
    ["", "expected 5 fields (minute hour day-of-month month day-of-week), got 0"],
    ["* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"],
    ["0 0 * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"],
    ["60 * * * *", "minute: 60 is out of range 0-59"],
    ["0 24 * * *", "hour: 24 is out of range 0-23"],
    ["0 0 0 * *", "day-of-month: 0 is out of range 1-31"],
    ["0 0 32 * *", "day-of-month: 32 is out of range 1-31"],
    ["0 0 * 13 *", "month: 13 is out of range 1-12"],
    ["0 0 * 0 *", "month: 0 is out of range 1-12"],
    ["0 0 * * 8", "day-of-week: 8 is out of range 0-7"],
    ["x * * * *", 'minute: "x" is not a number'],
    ["-1 * * * *", 'minute: "-1" is not a valid range'],
    ["1- * * * *", 'minute: "1-" is not a valid range'],
    ["0 0 * foo *", 'month: "foo" is not a number or month name (JAN-DEC)'],
    ["0 0 * * funday", 'day-of-week: "funday" is not a number or day name (SUN-SAT)'],
    ["0 0 mon * *", 'day-of-month: "mon" is not a number'],
    ["*/0 * * * *", 'minute: step "0" in "*/0" must be a positive integer'],
    ["*/x * * * *", 'minute: step "x" in "*/x" must be a positive integer'],
    ["*/2/3 * * * *", 'minute: "*/2/3" has more than one "/"'],
    ["0 5-1 * * *", "hour: range 5-1 is reversed (start is greater than end)"],
    ["0 1-2-3 * * *", 'hour: "1-2-3" is not a valid range'],
    ["1,,2 * * * *", 'minute: empty list item in "1,,2"'],
    ["0 0 ? * *", 'day-of-month: "?" is not a number'],
    ["@every5m", 'unknown macro "@every5m" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)'],
  ])("%j -> %s", (expr, message) => {
    expect(err(expr)).toBe(message);
  });
});

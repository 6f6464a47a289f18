import { parseCron, type Cron } from "./cron.js";
import type { Trigger } from "./schedule.js";

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

const pad = (n: number) => String(n).padStart(2, "0");

function joinList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** Names with runs of 3+ consecutive values collapsed: "Monday through Friday". */
function namedList(values: number[], names: string[], offset: number): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    const name = (v: number) => names[v - offset] ?? String(v);
    if (j - i >= 2) parts.push(`${name(values[i]!)} through ${name(values[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(name(values[k]!));
    i = j + 1;
  }
  return joinList(parts);
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${s}`;
}

/** "*\/n" step of a field with the full range, or null. */
function everyStep(field: string): number | null {
  const m = /^\*\/(\d+)$/.exec(field);
  return m ? Number(m[1]) : null;
}

function plural(n: number, unit: string): string {
  return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
}

function describeTime(c: Cron): { text: string; specific: boolean } {
  const [minF, hourF] = c.fields;
  const allMinutes = c.minutes.length === 60;
  const allHours = c.hours.length === 24;
  if (allMinutes && allHours) return { text: "every minute", specific: false };
  const minStep = everyStep(minF);
  if (minStep !== null) {
    return { text: plural(minStep, "minute") + (allHours ? "" : ` during hour ${hourF}`), specific: false };
  }
  if (c.minutes.length === 1) {
    const m = c.minutes[0]!;
    if (allHours) return { text: `at minute ${m} past every hour`, specific: false };
    const hourStep = everyStep(hourF);
    if (hourStep !== null) return { text: `at minute ${m} past every ${ordinal(hourStep)} hour`, specific: false };
  }
  if (c.minutes.length * c.hours.length <= 4) {
    const times = c.hours.flatMap((h) => c.minutes.map((m) => `${pad(h)}:${pad(m)}`));
    return { text: `at ${joinList(times)}`, specific: true };
  }
  return { text: `at minute ${minF} past hour ${hourF}`, specific: false };
}

function describeCron(c: Cron): string {
  const time = describeTime(c);
  const allMonths = c.months.length === 12;
  const allDom = c.domWildcard && c.daysOfMonth.length === 31;
  const allDow = c.dowWildcard && c.daysOfWeek.length === 7;
  const dows = namedList(c.daysOfWeek, DAY_NAMES, 0);
  const doms = `day ${joinList(c.daysOfMonth.map(String))}`;
  const months = namedList(c.months, MONTH_NAMES, 1);

  if (time.specific) {
    if (allDom && allDow && allMonths) return `every day ${time.text}`;
    if (allDom && !allDow && allMonths) return `every ${dows} ${time.text}`;
    if (!allDom && allDow && allMonths) return `every month on ${doms} ${time.text}`;
    if (!allDom && allDow && c.months.length === 1 && c.daysOfMonth.length === 1) {
      return `every year on ${months} ${c.daysOfMonth[0]} ${time.text}`;
    }
  }
  const parts = [time.text];
  const domsOfMonth = `${doms} of the month`;
  if (!allDom && !allDow) parts.push(c.domWildcard || c.dowWildcard ? `on ${domsOfMonth} if it is a ${dows}` : `on ${domsOfMonth} or on ${dows}`);
  else if (!allDom) parts.push(`on ${domsOfMonth}`);
  else if (!allDow) parts.push(`on ${dows}`);
  if (!allMonths) parts.push(`in ${months}`);
  return parts.join(" ");
}

function describeInterval(everyMs: number): string {
  const units: [number, string][] = [
    [604_800_000, "week"],
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1_000, "second"],
  ];
  for (const [size, unit] of units) if (everyMs % size === 0) return plural(everyMs / size, unit);
  return `every ${everyMs} ms`;
}

/** Human description for the UI; best effort, short. Invalid triggers describe themselves as such. */
export function describeTrigger(t: Trigger): string {
  if (t.kind === "interval") return describeInterval(t.everyMs);
  const parsed = parseCron(t.cron);
  if (!parsed.ok) return `invalid cron "${t.cron}"`;
  return `${describeCron(parsed.cron)} (${t.timezone})`;
}

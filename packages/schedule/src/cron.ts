/** A parsed 5-field cron expression (minute hour day-of-month month day-of-week). */
export interface Cron {
  /** The expression as given (trimmed). Macros are kept as written, e.g. "@daily". */
  expression: string;
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  /** 1-12 */
  months: number[];
  /** 0-6, 0 = Sunday (7 is folded into 0). */
  daysOfWeek: number[];
  /**
   * Vixie-cron flags: a day-of-month / day-of-week field that starts with `*` (including `*\/2`) is "unrestricted".
   * When both are restricted a day matches if EITHER matches; otherwise both must match.
   */
  domWildcard: boolean;
  dowWildcard: boolean;
  /** The five raw fields after macro expansion (used by describeTrigger). */
  fields: [string, string, string, string, string];
}

export type ParseCronResult = { ok: true; cron: Cron } | { ok: false; message: string };

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** value of names[0] */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: "day-of-week", min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

class FieldError extends Error {}

function parseValue(token: string, spec: FieldSpec): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < spec.min || n > spec.max) throw new FieldError(`${token} is out of range ${spec.min}-${spec.max}`);
    return n;
  }
  if (spec.names) {
    const i = spec.names.indexOf(token.toUpperCase());
    if (i >= 0) return i + (spec.nameBase ?? 0);
    const what = spec.name === "month" ? "month name (JAN-DEC)" : "day name (SUN-SAT)";
    throw new FieldError(`"${token}" is not a number or ${what}`);
  }
  throw new FieldError(`"${token}" is not a number`);
}

function parseField(text: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") throw new FieldError(`empty list item in "${text}"`);
    const slash = item.split("/");
    if (slash.length > 2) throw new FieldError(`"${item}" has more than one "/"`);
    const [rangePart = "", stepPart] = slash;
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0) {
        throw new FieldError(`step "${stepPart}" in "${item}" must be a positive integer`);
      }
      step = Number(stepPart);
    }
    let lo: number;
    let hi: number;
    if (rangePart === "*") {
      lo = spec.min;
      hi = spec.name === "day-of-week" ? 6 : spec.max;
    } else {
      const dash = rangePart.split("-");
      if (dash.length > 2 || dash.includes("")) throw new FieldError(`"${rangePart}" is not a valid range`);
      lo = parseValue(dash[0] ?? "", spec);
      if (dash.length === 2) {
        hi = parseValue(dash[1] ?? "", spec);
        if (lo > hi) throw new FieldError(`range ${rangePart} is reversed (start is greater than end)`);
      } else {
        // `a/n` means a through the field maximum, every n.
        hi = stepPart !== undefined ? (spec.name === "day-of-week" ? 6 : spec.max) : lo;
        if (lo > hi) hi = lo; // `7/2` in day-of-week
      }
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.name === "day-of-week" && v === 7 ? 0 : v);
  }
  return [...values].sort((a, b) => a - b);
}

export function parseCron(expression: string): ParseCronResult {
  if (typeof expression !== "string") return { ok: false, message: "cron expression must be a string" };
  const trimmed = expression.trim();
  let body = trimmed;
  if (trimmed.startsWith("@")) {
    const macro = MACROS[trimmed.toLowerCase()];
    if (!macro) {
      return { ok: false, message: `unknown macro "${trimmed}" (expected ${Object.keys(MACROS).join(", ")})` };
    }
    body = macro;
  }
  const parts = body === "" ? [] : body.split(/\s+/);
  if (parts.length !== 5) {
    return { ok: false, message: `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}` };
  }
  const sets: number[][] = [];
  for (let i = 0; i < 5; i++) {
    const spec = FIELDS[i]!;
    try {
      sets.push(parseField(parts[i]!, spec));
    } catch (e) {
      if (e instanceof FieldError) return { ok: false, message: `${spec.name}: ${e.message}` };
      throw e;
    }
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = sets as [number[], number[], number[], number[], number[]];
  return {
    ok: true,
    cron: {
      expression: trimmed,
      minutes,
      hours,
      daysOfMonth,
      months,
      daysOfWeek,
      domWildcard: parts[2]!.startsWith("*"),
      dowWildcard: parts[4]!.startsWith("*"),
      fields: parts as [string, string, string, string, string],
    },
  };
}

/** Does the calendar day (month 1-12, dom 1-31, dow 0-6) match? Applies the Vixie OR rule. */
export function dayMatches(cron: Cron, month: number, dom: number, dow: number): boolean {
  if (!cron.months.includes(month)) return false;
  const domOk = cron.daysOfMonth.includes(dom);
  const dowOk = cron.daysOfWeek.includes(dow);
  if (!cron.domWildcard && !cron.dowWildcard) return domOk || dowOk;
  return domOk && dowOk;
}

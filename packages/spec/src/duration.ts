/**
 * Durations: `500ms`, `30s`, `10m`, `2h`, `1d` and combinations in decreasing unit order
 * (`1h30m`, `1m30s500ms`). Decimal amounts are accepted (`1.5h`); the result is rounded to
 * whole milliseconds. A bare number means seconds (so YAML `timeout: 30` is 30s), but a bare
 * numeric *string* is rejected: "30" is too easily meant as minutes or milliseconds.
 */

const UNITS = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
] as const;

// `ms` must be tried before `m`; the sticky flag makes every match start where the last ended,
// so any character outside the grammar (spaces, signs, words) fails the whole parse.
const PART_RE = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;

const UNIT_INDEX = new Map<string, number>(UNITS.map(([u], i) => [u, i]));
const UNIT_MS = new Map<string, number>(UNITS);

/** Milliseconds, or null when the input is not a valid non-negative duration. */
export function parseDuration(text: string | number): number | null {
  if (typeof text === "number") {
    if (!Number.isFinite(text) || text < 0) return null;
    const ms = Math.round(text * 1000);
    return Number.isSafeInteger(ms) ? ms : null;
  }
  if (typeof text !== "string") return null;
  const s = text.trim();
  if (s === "") return null;
  PART_RE.lastIndex = 0;
  let total = 0;
  let lastUnit = -1;
  while (PART_RE.lastIndex < s.length) {
    const m = PART_RE.exec(s);
    if (!m) return null;
    const unit = m[2] ?? "";
    const index = UNIT_INDEX.get(unit) ?? -1;
    // Units must strictly decrease: `30m1h` and `1m1m` are almost certainly mistakes.
    if (index <= lastUnit) return null;
    lastUnit = index;
    total += Number(m[1]) * (UNIT_MS.get(unit) ?? 0);
  }
  const ms = Math.round(total);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** Inverse of parseDuration for whole milliseconds: 90000 → "1m30s", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return ms < 0 ? `-${out}` : out;
}

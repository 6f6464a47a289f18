/**
 * Column and sort references of the experiment's runs table, in the API's filter/orderBy
 * syntax (`params.lr`, `metrics.val.loss`, ``metrics.`top 5 acc` ``, `attributes.created`).
 * Pure, so the URL and localStorage round-trips are unit-tested.
 */

export type FieldEntity = "params" | "metrics" | "tags" | "attributes";

export interface FieldRef {
  entity: FieldEntity;
  key: string;
}

export interface SortState {
  field: FieldRef;
  desc: boolean;
}

/** Keys the filter language accepts without quotes (packages/tracking/src/filter.ts). */
const BARE_KEY_RE = /^[A-Za-z0-9_.\-/:]+$/;
const ENTITIES: readonly FieldEntity[] = ["params", "metrics", "tags", "attributes"];

/** `entity.key`, quoting the key with backticks when it has characters the filter language would split on. */
export function formatField({ entity, key }: FieldRef): string {
  if (BARE_KEY_RE.test(key)) return `${entity}.${key}`;
  return `${entity}.\`${key.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``;
}

/** Inverse of formatField; null for anything it did not produce. */
export function parseField(text: string): FieldRef | null {
  const dot = text.indexOf(".");
  if (dot <= 0) return null;
  const entity = text.slice(0, dot) as FieldEntity;
  if (!ENTITIES.includes(entity)) return null;
  const rest = text.slice(dot + 1);
  if (BARE_KEY_RE.test(rest)) return { entity, key: rest };
  if (rest.length >= 2 && rest.startsWith("`") && rest.endsWith("`")) {
    let key = "";
    for (let i = 1; i < rest.length - 1; i++) {
      const ch = rest[i]!;
      if (ch === "\\" && i + 1 < rest.length - 1) {
        key += rest[i + 1];
        i++;
      } else if (ch === "`") {
        return null;
      } else {
        key += ch;
      }
    }
    return key ? { entity, key } : null;
  }
  return null;
}

export function sameField(a: FieldRef | null | undefined, b: FieldRef | null | undefined): boolean {
  return !!a && !!b && a.entity === b.entity && a.key === b.key;
}

/** The API's orderBy parameter for a sort, e.g. `metrics.accuracy DESC`. */
export function orderByParam(sort: SortState | null): string | null {
  return sort ? `${formatField(sort.field)} ${sort.desc ? "DESC" : "ASC"}` : null;
}

/** Reads `?sort=metrics.accuracy&dir=desc`; anything unparsable is "no sort" (the API's newest first). */
export function parseSort(sort: string | null, dir: string | null): SortState | null {
  if (!sort) return null;
  const field = parseField(sort);
  return field ? { field, desc: dir === "desc" } : null;
}

/**
 * Next sort when a column header is clicked: a new column starts descending for metrics and
 * times (best/newest first is what one looks for) and ascending otherwise; the same column
 * flips; a third click on a column whose first direction came back returns to the default.
 */
export function nextSort(current: SortState | null, field: FieldRef): SortState | null {
  const startsDesc = field.entity === "metrics" || (field.entity === "attributes" && field.key !== "run_name" && field.key !== "status");
  if (!current || !sameField(current.field, field)) return { field, desc: startsDesc };
  if (current.desc === startsDesc) return { field, desc: !startsDesc };
  return null;
}

/** Columns offered by default before the user picks: a few params and metrics, so the table stays legible. */
export function defaultColumns(available: { params: string[]; metrics: string[] }, maxParams = 6, maxMetrics = 6): FieldRef[] {
  return [
    ...available.params.slice(0, maxParams).map((key) => ({ entity: "params" as const, key })),
    ...available.metrics.slice(0, maxMetrics).map((key) => ({ entity: "metrics" as const, key })),
  ];
}

/** Serialises a column choice for localStorage. */
export function encodeColumns(columns: FieldRef[]): string {
  return JSON.stringify(columns.map(formatField));
}

/** Reads a stored column choice; null when absent or unreadable (then the defaults apply). */
export function decodeColumns(text: string | null): FieldRef[] | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return null;
    return value.flatMap((v) => {
      const f = typeof v === "string" ? parseField(v) : null;
      return f && f.entity !== "attributes" ? [f] : [];
    });
  } catch {
    return null;
  }
}

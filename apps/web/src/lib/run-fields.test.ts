import { describe, expect, it } from "vitest";
import { decodeColumns, defaultColumns, encodeColumns, formatField, nextSort, orderByParam, parseField, parseSort } from "./run-fields";

describe("field references", () => {
  it("formats bare keys and quotes the others", () => {
    expect(formatField({ entity: "metrics", key: "val.loss" })).toBe("metrics.val.loss");
    expect(formatField({ entity: "params", key: "top k" })).toBe("params.`top k`");
    expect(formatField({ entity: "tags", key: "a`b" })).toBe("tags.`a\\`b`");
  });
  it("round-trips", () => {
    for (const key of ["lr", "val.loss", "top k", "a`b", "x\\y", "ümlaut"]) {
      expect(parseField(formatField({ entity: "params", key }))).toEqual({ entity: "params", key });
    }
    expect(parseField("nope.x")).toBeNull();
    expect(parseField("params.")).toBeNull();
    expect(parseField("params.`unterminated")).toBeNull();
  });
});

describe("sorting", () => {
  const acc = { entity: "metrics" as const, key: "accuracy" };
  const lr = { entity: "params" as const, key: "lr" };
  it("builds the API's orderBy", () => {
    expect(orderByParam({ field: acc, desc: true })).toBe("metrics.accuracy DESC");
    expect(orderByParam(null)).toBeNull();
    expect(parseSort("metrics.accuracy", "desc")).toEqual({ field: acc, desc: true });
    expect(parseSort("bogus", "desc")).toBeNull();
  });
  it("cycles a column through its directions back to the default", () => {
    const s1 = nextSort(null, acc);
    expect(s1).toEqual({ field: acc, desc: true });
    const s2 = nextSort(s1, acc);
    expect(s2).toEqual({ field: acc, desc: false });
    expect(nextSort(s2, acc)).toBeNull();
    expect(nextSort(s2, lr)).toEqual({ field: lr, desc: false });
  });
});

describe("column choice", () => {
  it("defaults to a few params and metrics, and survives storage", () => {
    const cols = defaultColumns({ params: ["a", "b", "c"], metrics: ["m"] }, 2, 2);
    expect(cols.map(formatField)).toEqual(["params.a", "params.b", "metrics.m"]);
    expect(decodeColumns(encodeColumns(cols))).toEqual(cols);
    expect(decodeColumns("not json")).toBeNull();
    expect(decodeColumns(null)).toBeNull();
    expect(decodeColumns('["attributes.status", 3, "params.x"]')).toEqual([{ entity: "params", key: "x" }]);
  });
});

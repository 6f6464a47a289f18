import { describe, expect, it } from "vitest";
import { CreateRunBody, double, GetMetricHistoryQuery, int64, LogBatchBody, runStatus, SearchExperimentsQuery, viewType } from "./schemas.js";

describe("field schemas", () => {
  it("read int64 as protobuf's JSON mapping does", () => {
    expect(int64.parse(5)).toBe(5);
    expect(int64.parse("1700000000000")).toBe(1700000000000);
    expect(int64.parse("-3")).toBe(-3);
    for (const bad of [1.5, "1.5", "x", "", true, null, 2 ** 60, "99999999999999999999"]) expect(int64.safeParse(bad).success).toBe(false);
  });

  it("read doubles, non-finite ones included, as numbers or text", () => {
    expect(double.parse(0.5)).toBe(0.5);
    expect(double.parse(NaN)).toBeNaN();
    expect(double.parse(-Infinity)).toBe(-Infinity);
    expect(double.parse("NaN")).toBeNaN();
    expect(double.parse("Infinity")).toBe(Infinity);
    expect(double.parse("-Infinity")).toBe(-Infinity);
    expect(double.parse("1e-3")).toBe(0.001);
    for (const bad of ["nan", "abc", "", true, null, undefined, {}]) expect(double.safeParse(bad).success).toBe(false);
  });

  it("read enums by name (any case) or number", () => {
    expect(runStatus.parse("FINISHED")).toBe("FINISHED");
    expect(runStatus.parse("killed")).toBe("KILLED");
    expect(runStatus.parse(3)).toBe("FINISHED");
    expect(runStatus.safeParse("DONE").success).toBe(false);
    expect(viewType.parse("ACTIVE_ONLY")).toBe("ACTIVE_ONLY");
    expect(viewType.parse(3)).toBe("ALL");
    expect(viewType.parse("2")).toBe("DELETED_ONLY");
    expect(viewType.safeParse(4).success).toBe(false);
  });
});

describe("request schemas", () => {
  it("treat an empty body as {} and null as unset", () => {
    expect(CreateRunBody.parse(undefined)).toEqual({});
    expect(CreateRunBody.parse({ experiment_id: "1", run_name: null, start_time: "12", extra: 1 })).toEqual({ experiment_id: "1", run_name: null, start_time: 12 });
  });

  it("reject NUL characters, which Postgres text cannot hold", () => {
    expect(CreateRunBody.safeParse({ run_name: "a\u0000b" }).success).toBe(false);
    expect(SearchExperimentsQuery.safeParse({ order_by: "name\u0000" }).success).toBe(false);
  });

  it("require each batch metric's key, value and timestamp", () => {
    expect(LogBatchBody.safeParse({ run_id: "r", metrics: [{ key: "a", value: "NaN", timestamp: 1 }] }).success).toBe(true);
    const missing = LogBatchBody.safeParse({ run_id: "r", metrics: [{ key: "a", value: 1 }] });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues[0]?.path).toEqual(["metrics", 0, "timestamp"]);
  });

  it("take the first of a repeated query field, except the repeated ones", () => {
    expect(GetMetricHistoryQuery.parse({ run_id: ["a", "b"], metric_key: "loss", max_results: "10" })).toEqual({ run_id: "a", metric_key: "loss", max_results: 10 });
    expect(SearchExperimentsQuery.parse({ order_by: "name" })).toEqual({ order_by: ["name"] });
    expect(SearchExperimentsQuery.parse({ order_by: ["name", "creation_time DESC"] })).toEqual({ order_by: ["name", "creation_time DESC"] });
  });
});

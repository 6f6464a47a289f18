import { describe, expect, it } from "vitest";
import { checkParamValue, checkTagValue, checkTrackingKey, TRACKING_LIMITS } from "./limits.js";

describe("checkTrackingKey", () => {
  // MLflow's own good and bad names (tests/utils/test_validation.py).
  it.each(["a", "Ab-5_", "a/b/c", "a.b.c", ".a", "b.", "a..a/._./o_O/.e.", "a b/c d", "val/loss", "train loss", "a/..b", "a./b", "a/.b/c", "eval:acc"])(
    "accepts %j",
    (key) => {
      expect(checkTrackingKey("metric", key)).toBeNull();
      expect(checkTrackingKey("param", key)).toBeNull();
      expect(checkTrackingKey("tag", key)).toBeNull();
    },
  );

  it("accepts Unicode letters and digits, as MLflow's \\w does", () => {
    expect(checkTrackingKey("metric", "准确率")).toBeNull();
    expect(checkTrackingKey("param", "größe")).toBeNull();
    expect(checkTrackingKey("tag", "x²")).toBeNull();
  });

  it.each(["a|b", "\\", "a\tb", "a\nb", "a\n", "a=b", "a'b", "a*", "😀", "a,b"])("rejects the characters in %j", (key) => {
    expect(checkTrackingKey("metric", key)).toBe(
      `invalid metric name ${JSON.stringify(key)}: names may contain letters, digits, underscores, dashes, periods, spaces, slashes and colons`,
    );
  });

  it("names the kind", () => {
    expect(checkTrackingKey("param", "a|b")).toMatch(/^invalid param name "a\|b": /);
    expect(checkTrackingKey("tag", "a|b")).toMatch(/^invalid tag name "a\|b": /);
  });

  it.each([
    [".", "."],
    ["/", "/"],
    ["..", ".."],
    ["//", "//"],
    ["a//b", "a/b"],
    ["a/./b", "a/b"],
    ["/a", "/a"],
    ["a/", "a"],
    ["./", "."],
    ["/./", "/"],
    ["./a", "a"],
    ["a/b/../c", "a/c"],
    ["../a/b", "../a/b"],
    ["/a/b/c", "/a/b/c"],
    ["..a", "..a"],
    ["...", "..."],
    ["a/..", "."],
    ["a/../..", ".."],
    ["///a", "/a"],
  ])("rejects the path escape or alias %j (resolves to %j)", (key, normal) => {
    expect(checkTrackingKey("metric", key)).toBe(
      `invalid metric name ${JSON.stringify(key)}: names are used as file paths and must not resolve to another path (this one resolves to ${JSON.stringify(normal)})`,
    );
  });

  it("rejects empty and non-string names", () => {
    expect(checkTrackingKey("metric", "")).toBe('invalid metric name "": names must not be empty');
    expect(checkTrackingKey("param", 5)).toBe("invalid param name: expected a string, got number");
    expect(checkTrackingKey("tag", null)).toBe("invalid tag name: expected a string, got null");
    expect(checkTrackingKey("tag", undefined)).toBe("invalid tag name: expected a string, got undefined");
  });

  it("allows names up to 250 characters, counted in code points", () => {
    expect(checkTrackingKey("metric", "a".repeat(TRACKING_LIMITS.keyLength))).toBeNull();
    expect(checkTrackingKey("metric", "准".repeat(250))).toBeNull();
    const long = checkTrackingKey("metric", "a".repeat(251));
    expect(long).toMatch(/names may be at most 250 characters \(got 251\)$/);
    // The name in the message is shortened.
    expect(long).toContain(`"${"a".repeat(60)}…"`);
    expect(long!.length).toBeLessThan(200);
  });
});

describe("value limits", () => {
  it("accepts param values up to 6000 characters and tag values up to 8000", () => {
    expect(checkParamValue("")).toBeNull();
    expect(checkParamValue("x".repeat(6000))).toBeNull();
    expect(checkTagValue("x".repeat(8000))).toBeNull();
    expect(checkParamValue("x".repeat(6001))).toBe("param value is too long: 6001 characters (at most 6000)");
    expect(checkTagValue("x".repeat(8001))).toBe("tag value is too long: 8001 characters (at most 8000)");
  });

  it("counts code points, not UTF-16 units", () => {
    expect(checkParamValue("😀".repeat(6000))).toBeNull();
    expect(checkParamValue("😀".repeat(6001))).toBe("param value is too long: 6001 characters (at most 6000)");
  });

  it("rejects non-strings from untyped callers", () => {
    expect(checkParamValue(5 as unknown as string)).toBe("invalid param value: expected a string, got number");
    expect(checkTagValue(null as unknown as string)).toBe("invalid tag value: expected a string, got null");
  });

  it("has MLflow's limits", () => {
    expect(TRACKING_LIMITS).toEqual({
      keyLength: 250,
      paramValueLength: 6000,
      tagValueLength: 8000,
      batchMetrics: 1000,
      batchParams: 100,
      batchTags: 100,
      batchTotal: 1000,
      runNameLength: 250,
      experimentNameLength: 500,
    });
  });
});

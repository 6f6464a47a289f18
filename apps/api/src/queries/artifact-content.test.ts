import { describe, expect, it } from "vitest";
import { downloadName, parseRange } from "./artifact-content.js";

describe("parseRange", () => {
  it("reads one byte range, clamping its end to the file", () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=50-500", 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-500", 100)).toEqual({ start: 0, end: 99 });
  });

  it("says when a range cannot be served, and ignores what it does not understand", () => {
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=9-3", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", 100)).toBe("unsatisfiable");
    // Several ranges, other units, garbage: the whole content (RFC 9110 allows ignoring Range).
    expect(parseRange("bytes=0-1,5-6", 100)).toBeNull();
    expect(parseRange("items=0-1", 100)).toBeNull();
    expect(parseRange("bytes=-", 100)).toBeNull();
  });
});

describe("downloadName", () => {
  it("adds the extension the media type implies to an output written without one", () => {
    expect(downloadName("data", "text/csv", "abc")).toBe("data.csv");
    expect(downloadName("metrics", "application/json", "abc")).toBe("metrics.json");
    expect(downloadName("model.pkl", "application/x-python-pickle", "abc")).toBe("model.pkl");
    expect(downloadName("blob", "application/octet-stream", "abc")).toBe("blob");
    expect(downloadName(null, null, "0123456789ab")).toBe("0123456789ab");
  });
});

import { describe, expect, it } from "vitest";
import {
  PREVIEW_LIMITS,
  contentDisposition,
  detectFormat,
  looksLikeText,
  mediaTypeFromName,
  parseCsvRecords,
  previewTable,
  previewText,
  sniffDelimiter,
} from "./preview.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("parseCsvRecords", () => {
  it("reads quoted fields with delimiters, doubled quotes and newlines, and CRLF line ends", () => {
    const text = 'id,text,n\r\n1,"a, b",2\r\n2,"say ""hi""\nthere",3\r\n3,,\r\n';
    expect(parseCsvRecords(text, ",", 10)).toEqual({
      rows: [
        ["id", "text", "n"],
        ["1", "a, b", "2"],
        ["2", 'say "hi"\nthere', "3"],
        ["3", "", ""],
      ],
      cut: false,
    });
  });

  it("keeps a last line without newline when the text is whole, drops it when it may be cut", () => {
    expect(parseCsvRecords("a,b\n1,2", ",", 10).rows).toEqual([["a", "b"], ["1", "2"]]);
    expect(parseCsvRecords("a,b\n1,2", ",", 10, false)).toEqual({ rows: [["a", "b"]], cut: true });
    expect(parseCsvRecords('a,b\n1,"open', ",", 10)).toEqual({ rows: [["a", "b"]], cut: true });
  });

  it("stops after maxRecords and skips a byte-order mark", () => {
    expect(parseCsvRecords("\uFEFFx\n1\n2\n3\n", ",", 2).rows).toEqual([["x"], ["1"]]);
  });
});

describe("previewTable", () => {
  it("returns the header and the first 50 rows, saying when there are more", () => {
    const lines = ["a,b", ...Array.from({ length: 80 }, (_, i) => `${i},${i * 2}`)];
    const table = previewTable(bytes(`${lines.join("\n")}\n`), ",", true);
    expect(table.columns).toEqual(["a", "b"]);
    expect(table.rows).toHaveLength(PREVIEW_LIMITS.csvRows);
    expect(table.rows[49]).toEqual(["49", "98"]);
    expect(table.truncated).toBe(true);
  });

  it("is not truncated for a small whole file; pads ragged rows and names missing headers", () => {
    expect(previewTable(bytes("a\tb\n1\t2\t3\n4\n"), "\t", true)).toEqual({
      columns: ["a", "b", "column 3"],
      rows: [
        ["1", "2", "3"],
        ["4", "", ""],
      ],
      truncated: false,
    });
  });

  it("drops a row cut by the read limit", () => {
    const table = previewTable(bytes("a,b\n1,2\n3,4\n5,"), ",", false);
    expect(table.rows).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
    expect(table.truncated).toBe(true);
  });

  it("shortens huge cells", () => {
    const table = previewTable(bytes(`a\n${"x".repeat(5000)}\n`), ",", true);
    expect(table.rows[0]![0]).toHaveLength(PREVIEW_LIMITS.cellChars + 1);
    expect(table.truncated).toBe(true);
  });
});

describe("detectFormat", () => {
  it("trusts a recorded media type, then the extension", () => {
    expect(detectFormat({ mediaType: "text/csv; charset=utf-8", head: bytes("whatever") })).toEqual({ format: "csv", mediaType: "text/csv" });
    expect(detectFormat({ name: "data/train.TSV", head: bytes("") }).format).toBe("tsv");
    expect(detectFormat({ name: "plot.png", head: bytes("") })).toEqual({ format: "image", mediaType: "image/png" });
    expect(detectFormat({ name: "model.pkl", head: bytes("\x80\x04") }).format).toBe("binary");
    expect(detectFormat({ name: "notes.md", head: bytes("# hi") }).format).toBe("text");
    expect(detectFormat({ name: "icon", mediaType: "image/tiff", head: bytes("") }).format).toBe("binary");
  });

  it("sniffs files without a known name: images, JSON, CSV, TSV, text, binary", () => {
    expect(detectFormat({ name: "plot", head: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]) }).mediaType).toBe("image/png");
    expect(detectFormat({ name: "metrics", head: bytes('{"accuracy": 0.9}\n') }).format).toBe("json");
    expect(detectFormat({ name: "data", head: bytes("a,b,c\n1,2,3\n4,5,6\n") }).format).toBe("csv");
    expect(detectFormat({ name: "data", head: bytes("a\tb\n1\t2\n3\t4\n") }).format).toBe("tsv");
    expect(detectFormat({ name: "log", head: bytes("hello world\nsecond line, with a comma\n") }).format).toBe("text");
    expect(detectFormat({ name: "blob", head: new Uint8Array([1, 0, 2, 3]) })).toEqual({ format: "binary", mediaType: "application/octet-stream" });
    // The worker records JSON Lines as application/x-ndjson; the preview must read it as text.
    expect(detectFormat({ name: "rows.jsonl", mediaType: "application/x-ndjson", head: new TextEncoder().encode('{"a":1}\n') })).toEqual({ format: "text", mediaType: "application/x-ndjson" });
    // Broken JSON is text, not JSON.
    expect(detectFormat({ name: "x", head: bytes("{ nope") }).format).toBe("text");
  });
});

describe("text helpers", () => {
  it("accepts UTF-8 cut in the middle of a character as text, rejects NUL and invalid bytes", () => {
    const euro = bytes("price: 5€");
    expect(looksLikeText(euro.subarray(0, euro.length - 1))).toBe(true);
    expect(looksLikeText(new Uint8Array([0x61, 0x00]))).toBe(false);
    expect(looksLikeText(new Uint8Array([0x61, 0xff, 0x61]))).toBe(false);
  });

  it("sniffs the delimiter only from lines that agree", () => {
    expect(sniffDelimiter("a,b\n1,2\n3,4")).toBe(",");
    expect(sniffDelimiter("just one line, with a comma\n")).toBeNull();
    expect(sniffDelimiter("a,b\n1,2,3\n4\n")).toBeNull();
  });

  it("cuts long text at a line end and says so", () => {
    const long = bytes(`${"line of text\n".repeat(10_000)}`);
    const { text, truncated } = previewText(long, false);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(PREVIEW_LIMITS.textBytes);
    expect(text.endsWith("\n")).toBe(true);
    expect(previewText(bytes("short"), true)).toEqual({ text: "short", truncated: false });
  });

  it("builds a Content-Disposition that survives quotes and non-ASCII names", () => {
    expect(contentDisposition('we"ird né.csv')).toBe(`attachment; filename="we_ird n_.csv"; filename*=UTF-8''we%22ird%20n%C3%A9.csv`);
    expect(contentDisposition("dir/model.bin", "inline")).toBe(`inline; filename="model.bin"; filename*=UTF-8''model.bin`);
  });

  it("maps extensions to media types", () => {
    expect(mediaTypeFromName("a/b/c.json")).toBe("application/json");
    expect(mediaTypeFromName("README")).toBeNull();
    expect(mediaTypeFromName(null)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { parseSse, SseParser } from "./sse.js";

describe("SseParser", () => {
  it("parses named events with JSON data", () => {
    const text = 'event: line\ndata: {"seq":1,"text":"hi"}\n\nevent: end\ndata: {"status":"succeeded"}\n\n';
    expect(parseSse(text)).toEqual([
      { event: "line", data: '{"seq":1,"text":"hi"}', id: "" },
      { event: "end", data: '{"status":"succeeded"}', id: "" },
    ]);
  });

  it("defaults the event type to message and joins data lines", () => {
    expect(parseSse("data: a\ndata:b\ndata:  c\n\n")).toEqual([{ event: "message", data: "a\nb\n c", id: "" }]);
  });

  it("ignores comments, unknown fields and events without data", () => {
    expect(parseSse(": keep-alive\n\nevent: ping\n\nfoo: bar\ndata: x\n\n")).toEqual([{ event: "message", data: "x", id: "" }]);
  });

  it("handles CRLF and CR line ends", () => {
    expect(parseSse("event: line\r\ndata: 1\r\n\r\nevent: line\rdata: 2\r\r")).toEqual([
      { event: "line", data: "1", id: "" },
      { event: "line", data: "2", id: "" },
    ]);
  });

  it("handles chunks split anywhere, including between CR and LF", () => {
    const text = 'event: line\r\ndata: {"seq":1}\r\n\r\nevent: end\r\ndata: {}\r\n\r\n';
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.feed(text.slice(i, i + size)));
      events.push(...parser.end());
      expect(events.map((e) => [e.event, e.data])).toEqual([
        ["line", '{"seq":1}'],
        ["end", "{}"],
      ]);
    }
  });

  it("does not dispatch an event whose blank line never came", () => {
    const parser = new SseParser();
    expect(parser.feed("event: line\ndata: partial\n")).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it("dispatches when a held-back CR turns out to end the stream", () => {
    const parser = new SseParser();
    expect(parser.feed("data: x\r")).toEqual([]);
    expect(parser.feed("\r")).toEqual([]);
    expect(parser.end()).toEqual([{ event: "message", data: "x", id: "" }]);
  });

  it("tracks the last event id and retry", () => {
    expect(parseSse("id: 7\nretry: 1500\ndata: a\n\ndata: b\n\nid\ndata: c\n\n")).toEqual([
      { event: "message", data: "a", id: "7", retry: 1500 },
      { event: "message", data: "b", id: "7", retry: 1500 },
      { event: "message", data: "c", id: "", retry: 1500 },
    ]);
  });

  it("strips a leading byte-order mark and keeps a field without a colon", () => {
    expect(parseSse("\ufeffdata\n\ndata: y\n\n")).toEqual([
      { event: "message", data: "", id: "" },
      { event: "message", data: "y", id: "" },
    ]);
  });
});

/**
 * An incremental Server-Sent Events parser following the WHATWG "event stream interpretation"
 * rules: lines end in CRLF, LF or CR (also split across chunks); `:` lines are comments; a
 * blank line dispatches the event; multiple `data:` lines are joined with "\n"; an event with
 * no data is not dispatched; a trailing event without its blank line is discarded at the end.
 */

export interface SseEvent {
  /** `message` when the stream gave no `event:` field. */
  event: string;
  data: string;
  /** The last event ID seen so far (it persists across events, as in EventSource). */
  id: string;
  /** Reconnection time in milliseconds, when the stream set one. */
  retry?: number;
}

export class SseParser {
  private buffer = "";
  private started = false;
  private eventType = "";
  private data: string[] = [];
  private lastEventId = "";
  private retry: number | undefined;

  /** Feeds decoded text; returns the events completed by it. */
  feed(chunk: string): SseEvent[] {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.buffer += chunk;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== "\n" && ch !== "\r") continue;
      if (ch === "\r" && i === this.buffer.length - 1) break; // may be the first half of CRLF
      const line = this.buffer.slice(start, i);
      if (ch === "\r" && this.buffer[i + 1] === "\n") i++;
      start = i + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /**
   * The stream ended. A CR held back at the end of the last chunk was a line end after all;
   * anything else pending (a line without its end, an event without its blank line) is dropped.
   */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer.endsWith("\r")) {
      const event = this.line(this.buffer.slice(0, -1));
      if (event) events.push(event);
    }
    this.buffer = "";
    this.data = [];
    this.eventType = "";
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\u0000")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    if (this.data.length === 0) {
      this.eventType = "";
      return undefined;
    }
    const event: SseEvent = { event: this.eventType || "message", data: this.data.join("\n"), id: this.lastEventId };
    if (this.retry !== undefined) event.retry = this.retry;
    this.eventType = "";
    this.data = [];
    return event;
  }
}

/** Parses a whole SSE text at once (convenience for tests and small bodies). */
export function parseSse(text: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.feed(text), ...parser.end()];
}

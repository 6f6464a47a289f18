import type { PrismaClient } from "@trellis/db";
import type { Redis } from "ioredis";
import { appendLogLines, logChannel, type LogChannelMessage, type LogLineMessage } from "@trellis/engine";

/**
 * Collects a step attempt's output lines, numbers them, and flushes them in batches to
 * Postgres (the record) and then Redis pub/sub (the live tail). Flushes are serialised so
 * lines are stored in order; `close()` flushes everything before the step is reported done.
 */
export class LogSink {
  private seq = 0;
  private buffer: LogLineMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lostLines = 0;
  private lastError: unknown = null;

  constructor(
    private readonly db: PrismaClient,
    private readonly redis: Redis,
    private readonly stepId: string,
    private readonly attempt: number,
    private readonly flushIntervalMs = 50,
    private readonly maxBatch = 500,
  ) {}

  write(stream: "stdout" | "stderr", text: string): void {
    this.buffer.push({ seq: ++this.seq, ts: new Date().toISOString(), stream, text });
    if (this.buffer.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs);
  }

  get lineCount(): number {
    return this.seq;
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await appendLogLines(this.db, this.stepId, this.attempt, batch);
      } catch (err) {
        // Later batches are still written; the gap is reported when the sink closes.
        this.lostLines += batch.length;
        this.lastError = err;
        return;
      }
      const message: LogChannelMessage = { type: "lines", lines: batch };
      await this.redis.publish(logChannel(this.stepId, this.attempt), JSON.stringify(message)).catch(() => undefined);
    });
    return this.flushing;
  }

  /** Flushes everything; rejects if some lines could not be stored. */
  async close(): Promise<void> {
    await this.flush();
    if (this.lostLines > 0) throw new Error(`${this.lostLines} log lines could not be stored: ${String(this.lastError)}`);
  }
}

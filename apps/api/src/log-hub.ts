import type { Redis } from "ioredis";
import type { LogChannelMessage } from "@trellis/engine";

type Listener = (message: LogChannelMessage) => void;

/**
 * One Redis subscriber connection for all live log streams of this API process; channels
 * are subscribed while at least one SSE client listens to them.
 */
export class LogHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on("message", (channel: string, raw: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      let message: LogChannelMessage;
      try {
        message = JSON.parse(raw) as LogChannelMessage;
      } catch {
        return;
      }
      for (const listener of set) listener(message);
    });
  }

  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        await this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber.quit().catch(() => undefined);
  }
}

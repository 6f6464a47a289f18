import type { Redis } from "ioredis";

/**
 * Redis pub/sub channels. They are a fast path only: workers also poll Postgres for
 * cancellation on every heartbeat, and log readers fall back to stored lines.
 */
export const CANCEL_CHANNEL = "trellis:cancel";

export function logChannel(stepId: string, attempt: number): string {
  return `trellis:logs:${stepId}:${attempt}`;
}

export interface LogLineMessage {
  seq: number;
  ts: string;
  stream: "stdout" | "stderr";
  text: string;
}

export type LogChannelMessage = { type: "lines"; lines: LogLineMessage[] } | { type: "end"; status: string };

export async function publishCancel(redis: Redis, stepIds: string[]): Promise<void> {
  if (stepIds.length === 0) return;
  await redis.publish(CANCEL_CHANNEL, JSON.stringify({ stepIds }));
}

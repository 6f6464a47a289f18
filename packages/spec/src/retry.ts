import type { RetryPolicy } from "./types.js";

/**
 * Delay before the next attempt after attempt `failedAttempt` (1-based) failed.
 * fixed: always delayMs. exponential: delayMs * 2^(failedAttempt - 1), capped at maxDelayMs
 * (the cap also absorbs overflow to Infinity for large attempt numbers).
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  if (policy.backoff === "fixed") return policy.delayMs;
  const exponent = Math.max(0, Math.floor(failedAttempt) - 1);
  return Math.min(policy.maxDelayMs, policy.delayMs * 2 ** exponent);
}

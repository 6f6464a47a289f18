import type { Redis } from "ioredis";
import { RateLimited } from "@trellis/engine";

/**
 * Sign-in rate limiting, shared by every API process through Redis (counters are ephemeral:
 * losing them only resets the windows). Failures count per (email, address) — so an attacker
 * elsewhere cannot lock a user out — and per address for every email, which stops guessing
 * across accounts. A success clears that email's count for the address.
 */
export interface SignInLimits {
  perAccount: number;
  perAddress: number;
  windowSeconds: number;
}

export function signInLimitsFromEnv(env = process.env): SignInLimits {
  const int = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return { perAccount: int("TRELLIS_SIGNIN_MAX_FAILURES", 5), perAddress: int("TRELLIS_SIGNIN_MAX_FAILURES_PER_ADDRESS", 50), windowSeconds: int("TRELLIS_SIGNIN_WINDOW_SECONDS", 15 * 60) };
}

export class SignInLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limits: SignInLimits = signInLimitsFromEnv(),
  ) {}

  private keys(email: string, ip: string): [string, string] {
    return [`trellis:sign-in:account:${email}:${ip}`, `trellis:sign-in:address:${ip}`];
  }

  /** Throws RateLimited while either window is full. */
  async check(email: string, ip: string): Promise<void> {
    const [account, address] = this.keys(email, ip);
    const [a, b, ttlA, ttlB] = (await this.redis.multi().get(account).get(address).ttl(account).ttl(address).exec())?.map(([, v]) => v) ?? [];
    const full = Number(a ?? 0) >= this.limits.perAccount ? Number(ttlA) : Number(b ?? 0) >= this.limits.perAddress ? Number(ttlB) : null;
    if (full !== null) {
      const seconds = Math.max(1, full);
      throw new RateLimited(`too many failed sign-in attempts; try again in ${seconds} s`, seconds);
    }
  }

  async failed(email: string, ip: string): Promise<void> {
    const multi = this.redis.multi();
    for (const key of this.keys(email, ip)) multi.incr(key).expire(key, this.limits.windowSeconds, "NX");
    await multi.exec();
  }

  async succeeded(email: string, ip: string): Promise<void> {
    await this.redis.del(this.keys(email, ip)[0]);
  }
}

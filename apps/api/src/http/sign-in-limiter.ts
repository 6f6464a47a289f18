import type { Redis } from "ioredis";
import { RateLimited } from "@trellis/engine";

/**
 * Sign-in rate limiting, shared by every API process through Redis (counters are ephemeral:
 * losing them only resets the windows). Failures count three ways:
 * - per (email, address), the tight limit, so a user who mistypes is slowed down while an
 *   attacker elsewhere cannot lock them out with it;
 * - per address, for every email, which stops guessing across accounts;
 * - per email from any address, a looser limit: addresses can be spoofed (X-Forwarded-For
 *   through a proxy) or rotated, and this bounds guessing on one account regardless.
 * A success clears that email's count for the address.
 */
export interface SignInLimits {
  perAccount: number;
  perAddress: number;
  perAccountAnyAddress: number;
  windowSeconds: number;
}

export function signInLimitsFromEnv(env = process.env): SignInLimits {
  const int = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    perAccount: int("TRELLIS_SIGNIN_MAX_FAILURES", 5),
    perAddress: int("TRELLIS_SIGNIN_MAX_FAILURES_PER_ADDRESS", 50),
    perAccountAnyAddress: int("TRELLIS_SIGNIN_MAX_FAILURES_PER_ACCOUNT", 25),
    windowSeconds: int("TRELLIS_SIGNIN_WINDOW_SECONDS", 15 * 60),
  };
}

export class SignInLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limits: SignInLimits = signInLimitsFromEnv(),
  ) {}

  private keys(email: string, ip: string): [string, string, string] {
    return [`trellis:sign-in:account:${email}:${ip}`, `trellis:sign-in:address:${ip}`, `trellis:sign-in:account:${email}`];
  }

  /** Throws RateLimited while any window is full. */
  async check(email: string, ip: string): Promise<void> {
    const keys = this.keys(email, ip);
    const limits = [this.limits.perAccount, this.limits.perAddress, this.limits.perAccountAnyAddress];
    const multi = this.redis.multi();
    for (const key of keys) multi.get(key).ttl(key);
    const values = (await multi.exec())?.map(([, v]) => Number(v ?? 0)) ?? [];
    for (let i = 0; i < keys.length; i += 1) {
      if (values[2 * i]! >= limits[i]!) {
        const seconds = Math.max(1, values[2 * i + 1]!);
        throw new RateLimited(`too many failed sign-in attempts; try again in ${seconds} s`, seconds);
      }
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

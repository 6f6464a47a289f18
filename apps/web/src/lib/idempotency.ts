/**
 * Key that makes a "start a run" request safe to repeat: the API answers a second request with
 * the same key with the first request's run. A form or button makes one when it opens/mounts
 * and sends it with every submit, so a double click (or a retry after a lost answer) starts one run.
 *
 * `crypto.randomUUID` exists only in secure contexts (https, localhost); Trellis is often served
 * over plain http on a LAN host, so fall back to `getRandomValues`, which exists everywhere.
 */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === "function") c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

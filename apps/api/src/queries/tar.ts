import type { Readable } from "node:stream";

/**
 * A streaming POSIX tar writer for downloading a directory artifact as one file. Its length is
 * known before the first byte (Content-Length), and the content of each file is pulled from the
 * store only when its turn comes. Paths over 100 bytes and files over 8 GiB get a PAX header.
 */

export interface TarEntry {
  /** Relative POSIX path inside the archive. */
  path: string;
  size: number;
  mode: number;
  open(): Promise<Readable>;
}

const BLOCK = 512;
const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;
const MAX_OCTAL_SIZE = 0o77777777777;

function paxRecords(entry: TarEntry): Buffer | null {
  const records: [string, string][] = [];
  if (Buffer.byteLength(entry.path) > 100) records.push(["path", entry.path]);
  if (entry.size > MAX_OCTAL_SIZE) records.push(["size", String(entry.size)]);
  if (records.length === 0) return null;
  // Each record is "LEN KEY=VALUE\n" where LEN counts the whole record, its own digits included.
  const text = records
    .map(([key, value]) => {
      const body = ` ${key}=${value}\n`;
      let len = Buffer.byteLength(body) + 1;
      while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
      return `${len}${body}`;
    })
    .join("");
  return Buffer.from(text, "utf8");
}

function header(name: string, size: number, mode: number, type: "0" | "x", mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const field = (offset: number, length: number, value: string) => h.write(value, offset, length, "utf8");
  const octal = (offset: number, length: number, value: number) => field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
  // Names over 100 bytes are in the PAX record; the header keeps a truncated copy for old readers.
  field(0, 100, Buffer.from(name).subarray(0, 100).toString("utf8"));
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, Math.min(size, MAX_OCTAL_SIZE));
  octal(136, 12, mtime);
  field(148, 8, "        ");
  field(156, 1, type);
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

/** Bytes of the archive of these entries. */
export function tarSize(entries: readonly TarEntry[]): number {
  let total = 2 * BLOCK;
  for (const e of entries) {
    const pax = paxRecords(e);
    if (pax) total += BLOCK + pax.length + pad(pax.length);
    total += BLOCK + e.size + pad(e.size);
  }
  return total;
}

/** The archive, streamed; fails if a file's content is not exactly its declared size. */
export async function* tarStream(entries: readonly TarEntry[], mtime = 0): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const pax = paxRecords(e);
    if (pax) {
      yield header(`PaxHeaders/${e.path}`.slice(0, 100), pax.length, 0o644, "x", mtime);
      yield Buffer.concat([pax, Buffer.alloc(pad(pax.length))]);
    }
    yield header(e.path, e.size, e.mode, "0", mtime);
    let written = 0;
    for await (const chunk of (await e.open()) as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (written > e.size) throw new Error(`${e.path} is longer than its recorded ${e.size} bytes`);
      yield chunk;
    }
    if (written !== e.size) throw new Error(`${e.path} is ${written} bytes, not its recorded ${e.size}`);
    if (pad(e.size)) yield Buffer.alloc(pad(e.size));
  }
  yield Buffer.alloc(2 * BLOCK);
}

import { randomBytes } from "node:crypto";
import type { PrismaClient } from "@trellis/db";

const cache = new WeakMap<PrismaClient, Map<string, Promise<Buffer>>>();

/**
 * A random 32-byte key shared by every API and worker process through one Setting row, created
 * on first use (the first writer wins; everyone reads the stored value), cached per client.
 */
export function sharedKey(db: PrismaClient, name: string): Promise<Buffer> {
  let keys = cache.get(db);
  if (!keys) cache.set(db, (keys = new Map()));
  let key = keys.get(name);
  if (!key) {
    key = (async () => {
      await db.setting.createMany({ data: [{ key: name, value: randomBytes(32).toString("base64") }], skipDuplicates: true });
      const row = await db.setting.findUniqueOrThrow({ where: { key: name } });
      return Buffer.from(row.value, "base64");
    })();
    key.catch(() => keys.delete(name));
    keys.set(name, key);
  }
  return key;
}

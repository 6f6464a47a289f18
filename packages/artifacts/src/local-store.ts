import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { ArtifactNotFoundError, ArtifactRangeError, checkKey, checkRange, type ArtifactStore, type ByteRange } from "./store.js";

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR";

/**
 * Artifacts on the local filesystem, by default `<TRELLIS_DATA_DIR>/artifacts`. Every write
 * goes to a temporary sibling that is renamed into place, so a reader (or a crash) never sees a
 * half-written object, and two writers of the same key both end with the complete content.
 * Only usable when the API and every worker share the directory (one host or a shared volume).
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly kind = "local" as const;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  describe(): string {
    return `local ${this.root}`;
  }

  private pathOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split("/"));
  }

  async has(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  private async writeAtomically(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${randomUUID()}`;
    try {
      await write(tmp);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    // FICLONE: a copy-on-write clone where the filesystem supports it, a plain copy elsewhere.
    await this.writeAtomically(key, (tmp) => copyFile(localPath, tmp, constants.COPYFILE_FICLONE));
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<void> {
    await this.writeAtomically(key, (tmp) => writeFile(tmp, bytes));
  }

  async getFile(key: string, localPath: string): Promise<void> {
    const source = this.pathOf(key);
    await mkdir(path.dirname(localPath), { recursive: true });
    const tmp = `${localPath}.tmp-${randomUUID()}`;
    try {
      await copyFile(source, tmp, constants.COPYFILE_FICLONE);
      await rename(tmp, localPath);
    } catch (err) {
      await rm(tmp, { force: true });
      if (isMissing(err)) throw new ArtifactNotFoundError(`no object ${key} in ${this.describe()}`);
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    checkRange(range);
    const handle = await open(this.pathOf(key), "r").catch((err: unknown) => {
      if (isMissing(err)) throw new ArtifactNotFoundError(`no object ${key} in ${this.describe()}`);
      throw err;
    });
    if (range) {
      const { size } = await handle.stat();
      if (range.start >= size) {
        await handle.close();
        throw new ArtifactRangeError(`range starts at byte ${range.start} of a ${size}-byte object`);
      }
    }
    // The stream owns the handle and closes it when it ends or is destroyed.
    return handle.createReadStream(range ? { start: range.start, ...(range.end !== undefined ? { end: range.end } : {}) } : {});
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.pathOf(key), { force: true })));
  }

  close(): void {
    // Nothing held open between calls.
  }
}

import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { ArtifactNotFoundError, ArtifactRangeError, checkKey, checkRange, type ArtifactStore, type ByteRange } from "./store.js";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Default us-east-1 (what S3-compatible servers usually expect when they ignore regions). */
  region?: string;
  /** An S3-compatible server (MinIO, Ceph, R2, …); absent: AWS S3 itself. */
  endpoint?: string;
  /** Prepended to every key ("trellis/" → "trellis/blobs/…"); slashes at either end are normalised. */
  prefix?: string;
  /** Path-style URLs (http://host/bucket/key), which most S3-compatible servers need. Default: true when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Absent: the SDK's default provider chain. artifactStoreFromEnv always passes them. */
  credentials?: S3Credentials;
  /** Files larger than this are uploaded in parts. Default 64 MiB. */
  multipartThreshold?: number;
  /** Size of each uploaded part (S3's minimum is 5 MiB). Default 16 MiB, raised when a file would need more than 10,000 parts. */
  partSize?: number;
}

const MiB = 1024 * 1024;
/** S3 allows at most 10,000 parts per upload (and wants each but the last to be at least 5 MiB). */
const MAX_PARTS = 10_000;
/** Parts in flight at once per upload; each is held in memory (so the SDK can retry it). */
const PART_CONCURRENCY = 4;
const DELETE_BATCH = 1000;

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Constructs the client with the SDK's Node-version notice silenced, through the variable the
 * SDK itself reads (AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED), unless the operator set
 * it. It is set only while the constructor runs, so step processes (which inherit the worker's
 * environment) do not get it; the SDK remembers that it has decided and does not ask again.
 */
function createClient(config: S3ClientConfig): S3Client {
  const name = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";
  if (process.env[name] !== undefined) return new S3Client(config);
  process.env[name] = "true";
  try {
    return new S3Client(config);
  } finally {
    delete process.env[name];
  }
}

/**
 * Artifacts in an S3 bucket (AWS or any S3-compatible server). Objects appear atomically on
 * S3 (a PUT or a completed multipart upload), so readers never see partial content. Checksums
 * are only sent when an operation requires them: several S3-compatible servers reject the
 * SDK's default checksum headers, and artifact content is verified against its sha256 digest
 * when it is materialized anyway.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = "s3" as const;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private readonly endpoint: string | undefined;
  private readonly multipartThreshold: number;
  private readonly partSize: number;

  constructor(options: S3ArtifactStoreOptions) {
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    this.prefix = prefix ? `${prefix}/` : "";
    this.endpoint = options.endpoint;
    this.multipartThreshold = options.multipartThreshold ?? 64 * MiB;
    this.partSize = Math.max(options.partSize ?? 16 * MiB, 1);
    this.client = createClient({
      region: options.region ?? "us-east-1",
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  describe(): string {
    return `s3://${this.bucket}/${this.prefix}${this.endpoint ? ` at ${this.endpoint}` : ""}`;
  }

  private keyOf(key: string): string {
    return this.prefix + checkKey(key);
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const { size } = await stat(localPath);
    if (size <= this.multipartThreshold) {
      // In memory (at most the threshold) so that the SDK can retry the request on its own.
      await this.putBytes(key, await readFile(localPath));
      return;
    }
    await this.putMultipart(this.keyOf(key), localPath, size);
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Body: bytes, ContentLength: bytes.byteLength }));
  }

  /** Uploads a large file in parts, a few at a time, reading each part into memory when it is sent. */
  private async putMultipart(objectKey: string, localPath: string, size: number): Promise<void> {
    const partSize = Math.max(this.partSize, Math.ceil(size / MAX_PARTS));
    const partCount = Math.ceil(size / partSize);
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey }));
    if (!UploadId) throw new Error(`S3 did not return an upload id for ${objectKey}`);
    const file = await open(localPath, "r");
    try {
      const parts: CompletedPart[] = new Array<CompletedPart>(partCount);
      let next = 0;
      const uploadParts = async () => {
        while (next < partCount) {
          const index = next++;
          const start = index * partSize;
          const length = Math.min(partSize, size - start);
          const buffer = Buffer.allocUnsafe(length);
          const { bytesRead } = await file.read(buffer, 0, length, start);
          if (bytesRead !== length) throw new Error(`${localPath} changed while it was being uploaded`);
          const res = await this.client.send(
            new UploadPartCommand({ Bucket: this.bucket, Key: objectKey, UploadId, PartNumber: index + 1, Body: buffer, ContentLength: length }),
          );
          parts[index] = { ETag: res.ETag, PartNumber: index + 1 };
        }
      };
      await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, partCount) }, uploadParts));
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      // Uploaded parts are billed until the upload is aborted.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId })).catch(() => undefined);
      throw err;
    } finally {
      await file.close();
    }
  }

  async getFile(key: string, localPath: string): Promise<void> {
    const body = await this.read(key);
    await mkdir(path.dirname(localPath), { recursive: true });
    const tmp = `${localPath}.tmp-${randomUUID()}`;
    try {
      await pipeline(body, createWriteStream(tmp));
      await rename(tmp, localPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    checkRange(range);
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), ...(range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : {}) }),
      );
      // In Node the body is an http.IncomingMessage (a Readable).
      return res.Body as Readable;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) throw new ArtifactNotFoundError(`no object ${key} in ${this.describe()}`);
      if (status === 416) throw new ArtifactRangeError(`range ${range?.start ?? 0}-${range?.end ?? ""} is outside object ${key}`);
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((k) => ({ Key: this.keyOf(k) })), Quiet: true } }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} object(s) from ${this.describe()}: ${failed[0]!.Key}: ${failed[0]!.Code} ${failed[0]!.Message ?? ""}`.trim());
    }
  }

  close(): void {
    this.client.destroy();
  }
}

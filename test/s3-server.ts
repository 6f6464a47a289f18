import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { S3ArtifactStore, type S3ArtifactStoreOptions } from "@trellis/artifacts";

/** The part of s3rver's (untyped, CommonJS) API used here. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string; configs: string[] }[];
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;

/** s3rver accepts requests signed with these (its built-in account). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/**
 * A real S3-protocol server for integration tests: s3rver on 127.0.0.1 and a free port, its
 * data in a fresh temporary directory, with one bucket already created.
 */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** The variables that make artifactStoreFromEnv select this server. */
  env: Record<string, string>;
  /** A store client for this server (closed by close()). */
  store(options?: Partial<S3ArtifactStoreOptions>): S3ArtifactStore;
  close(): Promise<void>;
}

export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  // s3rver's bucket names follow S3's rules (at least 3 characters).
  const bucket = options.bucket ?? "trellis-test";
  const directory = await mkdtemp(path.join(os.tmpdir(), "trellis-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const stores: S3ArtifactStore[] = [];
  return {
    endpoint,
    bucket,
    env: {
      TRELLIS_ARTIFACT_STORE: "s3",
      TRELLIS_S3_ENDPOINT: endpoint,
      TRELLIS_S3_BUCKET: bucket,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
    store(overrides = {}) {
      const store = new S3ArtifactStore({ bucket, endpoint, credentials: S3RVER_CREDENTIALS, ...overrides });
      stores.push(store);
      return store;
    },
    async close() {
      for (const store of stores) store.close();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

import path from "node:path";
import { LocalArtifactStore } from "./local-store.js";
import { S3ArtifactStore } from "./s3-store.js";
import type { ArtifactStore } from "./store.js";

/** The artifact store settings are missing or invalid; the message names the variable. */
export class ArtifactStoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactStoreConfigError";
  }
}

type Env = Record<string, string | undefined>;

function parseBoolean(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return undefined;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ArtifactStoreConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** The local store's root when nothing else is configured. */
export const defaultArtifactRoot = (dataDir: string) => path.join(dataDir, "artifacts");

/**
 * The store the API and workers use, from the environment:
 *   TRELLIS_ARTIFACT_STORE   local (default) | s3
 *   local: <dataDir>/artifacts
 *   s3:    TRELLIS_S3_BUCKET (required), TRELLIS_S3_ENDPOINT, TRELLIS_S3_REGION (us-east-1),
 *          TRELLIS_S3_PREFIX, TRELLIS_S3_FORCE_PATH_STYLE (default: true when an endpoint is set),
 *          AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (required), AWS_SESSION_TOKEN.
 * Every process of one installation must see the same settings: the database records digests,
 * not where the bytes are.
 */
export function artifactStoreFromEnv(dataDir: string, env: Env = process.env): ArtifactStore {
  const kind = (env.TRELLIS_ARTIFACT_STORE ?? "").trim().toLowerCase() || "local";
  if (kind === "local") return new LocalArtifactStore(defaultArtifactRoot(dataDir));
  if (kind !== "s3") throw new ArtifactStoreConfigError(`TRELLIS_ARTIFACT_STORE must be "local" or "s3", got "${env.TRELLIS_ARTIFACT_STORE}"`);

  const required = (name: string, why: string) => {
    const value = env[name]?.trim();
    if (!value) throw new ArtifactStoreConfigError(`TRELLIS_ARTIFACT_STORE=s3 needs ${name} (${why})`);
    return value;
  };
  const bucket = required("TRELLIS_S3_BUCKET", "the bucket that holds artifacts");
  const accessKeyId = required("AWS_ACCESS_KEY_ID", "the access key of the S3 credentials");
  const secretAccessKey = required("AWS_SECRET_ACCESS_KEY", "the secret key of the S3 credentials");
  const endpoint = env.TRELLIS_S3_ENDPOINT?.trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new ArtifactStoreConfigError(`TRELLIS_S3_ENDPOINT must be an http:// or https:// URL, got "${endpoint}"`);
  }
  const sessionToken = env.AWS_SESSION_TOKEN?.trim() || undefined;
  return new S3ArtifactStore({
    bucket,
    region: env.TRELLIS_S3_REGION?.trim() || "us-east-1",
    ...(endpoint ? { endpoint } : {}),
    prefix: env.TRELLIS_S3_PREFIX ?? "",
    forcePathStyle: parseBoolean(env, "TRELLIS_S3_FORCE_PATH_STYLE") ?? endpoint !== undefined,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  });
}

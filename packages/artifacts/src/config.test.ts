import { describe, expect, it } from "vitest";
import { artifactStoreFromEnv, ArtifactStoreConfigError } from "./config.js";
import { LocalArtifactStore } from "./local-store.js";
import { S3ArtifactStore } from "./s3-store.js";

const s3 = { TRELLIS_ARTIFACT_STORE: "s3", TRELLIS_S3_BUCKET: "models", AWS_ACCESS_KEY_ID: "AK", AWS_SECRET_ACCESS_KEY: "SK" };

describe("artifactStoreFromEnv", () => {
  it("defaults to the local store under the data directory", () => {
    const store = artifactStoreFromEnv("/srv/trellis", {});
    expect(store).toBeInstanceOf(LocalArtifactStore);
    expect(store.describe()).toBe("local /srv/trellis/artifacts");
    expect(artifactStoreFromEnv("/srv/trellis", { TRELLIS_ARTIFACT_STORE: " Local " }).kind).toBe("local");
  });

  it("builds an S3 store with path-style URLs by default when an endpoint is set", async () => {
    const store = artifactStoreFromEnv("/d", { ...s3, TRELLIS_S3_ENDPOINT: "http://127.0.0.1:9000", TRELLIS_S3_PREFIX: "/team/trellis/" }) as S3ArtifactStore;
    expect(store).toBeInstanceOf(S3ArtifactStore);
    expect(store.describe()).toBe("s3://models/team/trellis/ at http://127.0.0.1:9000");
    expect(await store.client.config.forcePathStyle).toBe(true);
    expect(await store.client.config.region()).toBe("us-east-1");
    expect(await store.client.config.credentials()).toMatchObject({ accessKeyId: "AK", secretAccessKey: "SK" });
    store.close();

    const aws = artifactStoreFromEnv("/d", { ...s3, TRELLIS_S3_REGION: "eu-west-1", AWS_SESSION_TOKEN: "T" }) as S3ArtifactStore;
    expect(aws.describe()).toBe("s3://models/");
    expect(await aws.client.config.forcePathStyle).toBe(false);
    expect(await aws.client.config.region()).toBe("eu-west-1");
    expect(await aws.client.config.credentials()).toMatchObject({ sessionToken: "T" });
    aws.close();

    const virtualHosted = artifactStoreFromEnv("/d", { ...s3, TRELLIS_S3_ENDPOINT: "https://s3.example.com", TRELLIS_S3_FORCE_PATH_STYLE: "false" }) as S3ArtifactStore;
    expect(await virtualHosted.client.config.forcePathStyle).toBe(false);
    virtualHosted.close();
  });

  it("names the missing or invalid variable", () => {
    const attempt = (env: Record<string, string>) => () => artifactStoreFromEnv("/d", env);
    expect(attempt({ TRELLIS_ARTIFACT_STORE: "gcs" })).toThrow(/TRELLIS_ARTIFACT_STORE must be "local" or "s3", got "gcs"/);
    expect(attempt({ ...s3, TRELLIS_S3_BUCKET: "" })).toThrow(ArtifactStoreConfigError);
    expect(attempt({ ...s3, TRELLIS_S3_BUCKET: "" })).toThrow(/needs TRELLIS_S3_BUCKET/);
    expect(attempt({ TRELLIS_ARTIFACT_STORE: "s3", TRELLIS_S3_BUCKET: "b", AWS_SECRET_ACCESS_KEY: "x" })).toThrow(/needs AWS_ACCESS_KEY_ID/);
    expect(attempt({ TRELLIS_ARTIFACT_STORE: "s3", TRELLIS_S3_BUCKET: "b", AWS_ACCESS_KEY_ID: "x" })).toThrow(/needs AWS_SECRET_ACCESS_KEY/);
    expect(attempt({ ...s3, TRELLIS_S3_ENDPOINT: "minio:9000" })).toThrow(/TRELLIS_S3_ENDPOINT must be an http/);
    expect(attempt({ ...s3, TRELLIS_S3_FORCE_PATH_STYLE: "maybe" })).toThrow(/TRELLIS_S3_FORCE_PATH_STYLE must be true or false/);
  });
});

/** @trellis/artifacts — the artifact store (local filesystem or S3-compatible), content digests and materialization. */
export {};

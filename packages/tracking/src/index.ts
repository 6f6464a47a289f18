/**
 * @trellis/tracking — pure experiment-tracking logic shared by API, worker and web:
 * the run filter language, the `::metric` line protocol, metrics files, name and size
 * limits, and the downsampled metric series kept per (run, key).
 */
export * from "./series.js";
export * from "./mlflow-status.js";
export * from "./protocol.js";
export * from "./filter.js";
export * from "./limits.js";

/** Library surface of @trellis/cli (scripts/start.mjs imports pushDirectory from dist/push.js). */
export { main, defaultIo, type Io } from "./cli.js";
export { pushDirectory, type PushOptions, type PushResult } from "./push.js";
export { parseArgs, resolveConfig, UsageError, type Command, type Config } from "./args.js";
export { SseParser, parseSse, type SseEvent } from "./sse.js";
export { collectSnapshot, findSpecFile, PushError, LIMITS, type CodeFile, type Snapshot } from "./files.js";
export { ApiClient, ApiError, ConnectionError, errorLines } from "./api.js";

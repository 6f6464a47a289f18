/** Command-line parsing for `trellis` (pure: no I/O). */

export class UsageError extends Error {
  override name = "UsageError";
}

export interface GlobalOptions {
  api?: string;
  project?: string;
}

export type Command =
  | { name: "help"; topic?: string }
  | { name: "push"; dir: string }
  | { name: "run"; pipeline: string; params: Record<string, string>; version?: number; wait: boolean }
  | { name: "status"; runId: string; json: boolean }
  | { name: "logs"; runId: string; step: string; follow: boolean; attempt?: number };

export interface ParsedArgs {
  options: GlobalOptions;
  command: Command;
}

export const COMMANDS = ["push", "run", "status", "logs", "help"] as const;

export const USAGE = `usage: trellis <command> [options]

commands:
  push DIR                       upload DIR/pipeline.yaml and the files beside it as a new version
  run PIPELINE [-p key=value]... [--version N] [--wait]
                                 start a run (--wait: follow it and exit 0 only if it succeeds)
  status RUN [--json]            show a run and its steps
  logs RUN STEP [-f] [--attempt N]
                                 print a step's log (-f: follow it live, across retries;
                                 default attempt: the latest)
  help                           show this text

options:
  --api URL                      Trellis API (env TRELLIS_API_URL, default http://localhost:4000)
  --project NAME                 project (env TRELLIS_PROJECT, default "default")
  -h, --help                     show this text

authentication: set TRELLIS_TOKEN to an API token (web UI: Account → Personal API tokens,
or a project's Settings → API tokens).`;

/** Flags that take a value, per command ("*" = every command). */
const VALUE_FLAGS: Record<string, string[]> = {
  "*": ["--api", "--project"],
  run: ["-p", "--param", "--version"],
  logs: ["--attempt"],
};
/** Boolean flags, per command. */
const BOOL_FLAGS: Record<string, string[]> = {
  "*": ["-h", "--help"],
  run: ["--wait", "-w"],
  status: ["--json"],
  logs: ["-f", "--follow"],
};

interface Token {
  flag: string;
  value?: string;
}

/** Splits `key=value` (at the first `=`); the key must be non-empty. */
export function parseParam(text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`-p expects key=value, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const options: GlobalOptions = {};
  const positionals: string[] = [];
  const flags: Token[] = [];
  let commandName: string | undefined;
  let onlyPositionals = false;

  const knows = (table: Record<string, string[]>, flag: string) =>
    (table["*"] ?? []).includes(flag) || (commandName !== undefined && (table[commandName] ?? []).includes(flag));

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || arg === "-" || !arg.startsWith("-")) {
      if (commandName === undefined) commandName = arg;
      else positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositionals = true;
      continue;
    }
    let flag = arg;
    let inline: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      flag = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    } else if (/^-[a-zA-Z]./.test(arg) && knows(VALUE_FLAGS, arg.slice(0, 2))) {
      // -pkey=value
      flag = arg.slice(0, 2);
      inline = arg.slice(2);
    }
    if (knows(VALUE_FLAGS, flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      flags.push({ flag, value });
    } else if (knows(BOOL_FLAGS, flag)) {
      if (inline !== undefined) throw new UsageError(`${flag} does not take a value`);
      flags.push({ flag });
    } else {
      throw new UsageError(`unknown option ${flag}${commandName ? ` for "${commandName}"` : ""}`);
    }
  }

  let help = false;
  for (const { flag, value } of flags) {
    if (flag === "--api") options.api = value;
    else if (flag === "--project") options.project = value;
    else if (flag === "-h" || flag === "--help") help = true;
  }
  if (options.project === "") throw new UsageError("--project must not be empty");

  if (help || commandName === undefined || commandName === "help") {
    return { options, command: { name: "help", topic: commandName === "help" ? positionals[0] : commandName } };
  }

  const expect = (names: string[]) => {
    if (positionals.length < names.length) throw new UsageError(`${commandName}: missing ${names.slice(positionals.length).join(" and ")}`);
    if (positionals.length > names.length) throw new UsageError(`${commandName}: unexpected argument "${positionals[names.length]}"`);
    for (const [i, name] of names.entries()) if (positionals[i] === "") throw new UsageError(`${commandName}: ${name} must not be empty`);
  };
  const has = (...names: string[]) => flags.some((f) => names.includes(f.flag));

  switch (commandName) {
    case "push":
      expect(["DIR"]);
      return { options, command: { name: "push", dir: positionals[0]! } };
    case "run": {
      expect(["PIPELINE"]);
      const params: Record<string, string> = {};
      let version: number | undefined;
      for (const { flag, value } of flags) {
        if (flag === "-p" || flag === "--param") {
          const [key, val] = parseParam(value!);
          params[key] = val;
        } else if (flag === "--version") {
          if (!/^[1-9]\d*$/.test(value!)) throw new UsageError(`--version expects a positive whole number, got "${value}"`);
          version = Number(value);
        }
      }
      return {
        options,
        command: { name: "run", pipeline: positionals[0]!, params, ...(version !== undefined ? { version } : {}), wait: has("--wait", "-w") },
      };
    }
    case "status":
      expect(["RUN"]);
      return { options, command: { name: "status", runId: positionals[0]!, json: has("--json") } };
    case "logs": {
      expect(["RUN", "STEP"]);
      const attemptFlag = flags.findLast((f) => f.flag === "--attempt");
      if (attemptFlag && !/^[1-9]\d*$/.test(attemptFlag.value!)) throw new UsageError(`--attempt expects a positive whole number, got "${attemptFlag.value}"`);
      return {
        options,
        command: {
          name: "logs",
          runId: positionals[0]!,
          step: positionals[1]!,
          follow: has("-f", "--follow"),
          ...(attemptFlag ? { attempt: Number(attemptFlag.value) } : {}),
        },
      };
    }
    default:
      throw new UsageError(`unknown command "${commandName}" (expected one of: ${COMMANDS.join(", ")})`);
  }
}

export interface Config {
  /** Base URL of the API server, without a trailing slash or /api/v1. */
  apiUrl: string;
  project: string;
  /** Base URL of the web UI, for links. */
  webUrl: string;
  /** API token (TRELLIS_TOKEN): from the environment only, never a flag, so it stays out of shell history and `ps`. */
  token: string | null;
}

/** Flags win over the environment, which wins over the defaults. */
export function resolveConfig(options: GlobalOptions, env: Record<string, string | undefined>): Config {
  const apiUrl = (options.api ?? env.TRELLIS_API_URL ?? "http://localhost:4000").trim().replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  try {
    const u = new URL(apiUrl);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    throw new UsageError(`the API URL "${apiUrl}" is not an http(s) URL`);
  }
  const webUrl = (env.TRELLIS_WEB_URL ?? "http://localhost:3000").trim().replace(/\/+$/, "");
  return { apiUrl, project: options.project ?? (env.TRELLIS_PROJECT || "default"), webUrl, token: env.TRELLIS_TOKEN?.trim() || null };
}

// Terminal output helpers shared by scripts/start.mjs and scripts/test.mjs.
// No dependencies: this module is loaded before `npm ci` may have run.

const useColor = (stream) =>
  process.env.FORCE_COLOR ? process.env.FORCE_COLOR !== "0" : !process.env.NO_COLOR && Boolean(stream.isTTY);

const wrap = (open, close) => (text, stream = process.stdout) =>
  useColor(stream) ? `\u001b[${open}m${text}\u001b[${close}m` : String(text);

export const c = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  blue: wrap(34, 39),
  magenta: wrap(35, 39),
  cyan: wrap(36, 39),
  gray: wrap(90, 39),
};

/** Colour names used for child-process prefixes, in order of assignment. */
export const PREFIX_COLORS = ["cyan", "magenta", "blue", "yellow", "green"];

export const info = (msg) => console.log(`${c.cyan("›")} ${msg}`);
export const ok = (msg) => console.log(`${c.green("✔")} ${msg}`);
export const warn = (msg) => console.error(`${c.yellow("!", process.stderr)} ${msg}`);
export const fail = (msg) => console.error(`${c.red("✘", process.stderr)} ${msg}`);

/** Formats milliseconds as `850ms`, `12.3s` or `2m05s`. */
export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, "0")}s`;
}

/** Hides the password of a connection URL for printing. */
export function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/** Draws a box around lines (widths ignore ANSI colour codes). */
export function box(lines) {
  // eslint-disable-next-line no-control-regex
  const visible = (s) => s.replace(/\u001b\[[0-9;]*m/g, "").length;
  const width = Math.max(...lines.map(visible));
  const out = [`┌${"─".repeat(width + 4)}┐`];
  for (const line of lines) out.push(`│  ${line}${" ".repeat(width - visible(line))}  │`);
  out.push(`└${"─".repeat(width + 4)}┘`);
  return out.join("\n");
}

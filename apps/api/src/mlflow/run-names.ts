/**
 * Readable names for runs created without one, in MLflow's form `<adjective>-<noun>-<0..999>`
 * (for example "bold-owl-123"), so runs logged from MLflow clients look the same here as on an
 * MLflow server.
 */

export const ADJECTIVES = [
  "agile", "amber", "ample", "bold", "brave", "bright", "calm", "clever", "crisp", "curious",
  "dapper", "eager", "fair", "fancy", "gentle", "glad", "golden", "grand", "happy", "honest",
  "jolly", "keen", "kind", "lively", "lucky", "merry", "mighty", "nimble", "noble", "polite",
  "proud", "quick", "quiet", "rare", "sharp", "shy", "silent", "sleek", "smart", "snappy",
  "steady", "sunny", "swift", "tidy", "upbeat", "vivid", "warm", "wise", "witty", "zesty",
] as const;

export const NOUNS = [
  "ant", "bass", "bat", "bear", "bee", "bird", "boar", "calf", "cat", "cod",
  "colt", "crab", "crane", "crow", "deer", "doe", "dove", "duck", "eel", "elk",
  "finch", "fox", "frog", "goat", "hare", "hawk", "hen", "heron", "horse", "jay",
  "kite", "koala", "lark", "lion", "lynx", "mole", "moth", "mouse", "newt", "owl",
  "ox", "panda", "quail", "ram", "robin", "seal", "shrew", "slug", "snail", "sow",
  "squid", "stag", "swan", "toad", "trout", "wasp", "whale", "wolf", "worm", "yak",
] as const;

/** `random` returns a number in [0, 1), as Math.random (the default). */
export function generateRunName(random: () => number = Math.random): string {
  const pick = <T>(list: readonly T[]): T => list[Math.min(list.length - 1, Math.floor(random() * list.length))]!;
  const number = Math.min(999, Math.floor(random() * 1000));
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${number}`;
}

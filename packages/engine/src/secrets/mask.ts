/**
 * Masking of secret values in step output. Pure: no I/O.
 *
 * Shorter values are never masked: replacing every "abc" in a log would hide ordinary text, and
 * the secrets API refuses values this short.
 */
export const MIN_MASKED_LENGTH = 4;
export const SECRET_MASK = "***";

/**
 * Returns a function that replaces every occurrence of each value with `***`. A multi-line value
 * is also masked line by line (output is stored one line at a time), skipping its lines shorter
 * than MIN_MASKED_LENGTH. Longer values are tried first, so a value containing another is
 * masked whole. With nothing to mask the function returns its input as is.
 */
export function createSecretMasker(values: readonly string[]): (text: string) => string {
  const patterns = new Set<string>();
  for (const value of values) {
    for (const part of [value, ...value.split(/\r?\n/)]) if (part.length >= MIN_MASKED_LENGTH) patterns.add(part);
  }
  if (patterns.size === 0) return (text) => text;
  const sorted = [...patterns].sort((a, b) => b.length - a.length);
  const re = new RegExp(sorted.map(escapeRegExp).join("|"), "g");
  return (text) => text.replace(re, SECRET_MASK);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Joins class names, skipping falsy values. (No tailwind-merge: callers avoid conflicting classes.) */
export function cn(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

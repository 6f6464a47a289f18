import { useLocalStorage } from "./use-local-storage";

/**
 * Who the user says they are, until authentication arrives: a name kept in localStorage and
 * sent as `X-Trellis-Actor` with every API request, so the model registry's audit trail can
 * say who promoted what. Empty: the API records "anonymous".
 */
export const ACTOR_STORAGE_KEY = "trellis.actor";
export const ACTOR_HEADER = "X-Trellis-Actor";
export const ACTOR_MAX_LENGTH = 64;

/** HTTP header values must be printable ASCII here (fetch rejects other characters). */
const ACTOR_RE = /^[\x20-\x7e]*$/;

/** Why this name cannot be used, or null. */
export function actorProblem(name: string): string | null {
  if (!ACTOR_RE.test(name)) return "Use letters, digits and plain punctuation (no accents or emoji).";
  if (name.trim().length > ACTOR_MAX_LENGTH) return `At most ${ACTOR_MAX_LENGTH} characters.`;
  return null;
}

/** The stored name, trimmed; null when none (or unusable). */
export function readActor(): string | null {
  if (typeof window === "undefined") return null;
  let value: string | null = null;
  try {
    value = window.localStorage.getItem(ACTOR_STORAGE_KEY);
  } catch {
    return null;
  }
  const name = value?.trim() ?? "";
  return name && actorProblem(name) === null ? name : null;
}

export function useActor(): [string | null, (name: string | null) => void] {
  const [value, set] = useLocalStorage(ACTOR_STORAGE_KEY);
  const name = value?.trim() || null;
  return [name && actorProblem(name) === null ? name : null, (next) => set(next?.trim() ? next.trim() : null)];
}

"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => undefined;

/**
 * False while React hydrates the server's HTML, true from then on (and at once for anything
 * mounted later). Queries shared by parts of the page that hydrate at different times (the top
 * bar, the project gate, the page itself) can answer between two of them; what they show must
 * not differ from the server's HTML until hydration is over, or React throws away the page.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}

"use client";

import { useEffect, useState } from "react";

/**
 * Current time that re-renders the caller every `intervalMs` (for live durations and
 * relative times). Pass `active = false` to stop ticking once nothing is changing.
 */
export function useNow(intervalMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs, active]);
  return now;
}

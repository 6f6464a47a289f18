import { useEffect, type RefObject } from "react";

/**
 * Popovers and menus: while `open`, a mouse press outside `rootRef` or the Escape key closes it
 * (`setOpen(false)`; pass the state setter, which is stable, so listeners change only with `open`).
 */
export function useDismiss(open: boolean, rootRef: RefObject<HTMLElement | null>, setOpen: (open: boolean) => void): void {
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open, rootRef, setOpen]);
}

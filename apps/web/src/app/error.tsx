"use client";

import { ErrorState } from "@/components/ui/feedback";

/** Last-resort boundary for unexpected render errors; API errors are handled inline by each view. */
export default function RouteError({ error, retry }: { error: Error & { digest?: string }; retry: () => void }) {
  return (
    <div className="mx-auto max-w-2xl px-6 py-16">
      <ErrorState error={error} title="This page crashed" onRetry={retry} />
    </div>
  );
}

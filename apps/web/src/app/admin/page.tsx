import type { Metadata } from "next";
import { Suspense } from "react";
import { AdminView } from "@/components/settings/admin-view";

export const metadata: Metadata = { title: "Administration" };

export default function AdminPage() {
  // The tab lives in the query string (useSearchParams).
  return (
    <Suspense>
      <AdminView />
    </Suspense>
  );
}

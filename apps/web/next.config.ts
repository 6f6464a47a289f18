import type { NextConfig } from "next";

// The browser always talks to the same origin (`/api/v1/*`). The route handler in
// src/app/api/v1/[...path]/route.ts forwards those requests to TRELLIS_API_URL, read at request
// time, so one build can be pointed at any API (no CORS, nothing baked in at build time).
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
};

export default nextConfig;

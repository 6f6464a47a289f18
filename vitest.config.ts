import { defineConfig } from "vitest/config";

// Vitest 5's reporter uses Node 22 built-ins (Map.groupBy, ...); this shims them on Node 20.
import "./scripts/lib/node20-polyfills.mjs";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["packages/*/src/**/*.int.test.ts", "apps/{api,worker,cli}/src/**/*.int.test.ts", "test/**/*.int.test.ts"],
          globalSetup: ["./test/integration-setup.ts"],
          env: {
            DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/trellis_test",
            // Test-only credentials: the API creates this instance-wide admin token at start
            // (test/http.ts sends it), and secrets are encrypted with this key.
            TRELLIS_BOOTSTRAP_TOKEN: "trl_test_bootstrap_token_not_for_production",
            TRELLIS_SECRETS_KEY: "dGVzdC1vbmx5LXNlY3JldHMta2V5LTMyLWJ5dGVzISE=",
            // Cheaper password hashing (2^14 instead of 2^17) so tests that sign in stay fast.
            TRELLIS_SCRYPT_LOG_N: "14",
          },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

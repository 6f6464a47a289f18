import { expect, test } from "./support/fixtures";
import { DEAD_API_URL, WEB_DOWN_URL } from "./support/env";

test("an unreachable API is reported clearly", async ({ page, consoleGuard }, testInfo) => {
  // This web server's TRELLIS_API_URL points at a closed port: every /api/v1 call gets the proxy's 502.
  consoleGuard.allow(/status of 502 \(Bad Gateway\) @ http:\/\/localhost:3101\/api\/v1\//);

  const direct = await page.request.get(`${WEB_DOWN_URL}/api/v1/projects/default/runs`);
  expect(direct.status()).toBe(502);
  expect(await direct.json()).toEqual({
    error: { code: "API_UNREACHABLE", message: `cannot reach the Trellis API at ${DEAD_API_URL}` },
  });

  await page.goto(`${WEB_DOWN_URL}/projects/default/runs`);
  const alert = page.getByRole("alert").filter({ hasText: "Can't reach the Trellis API" });
  await expect(alert.getByRole("heading", { name: "Can't reach the Trellis API" })).toBeVisible();
  await expect(alert).toContainText(`cannot reach the Trellis API at ${DEAD_API_URL}`);
  await expect(alert).toContainText("Check that the API server is running");
  await expect(alert).toContainText("502 · API_UNREACHABLE");
  await expect(alert.getByRole("button", { name: "Try again" })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("api-unreachable.png") });
});

test("an unknown run says so", async ({ page, consoleGuard }) => {
  const id = "00000000-0000-4000-8000-000000000000";
  consoleGuard.allow(new RegExp(`status of 404 \\(Not Found\\) @ http://localhost:3100/api/v1/projects/default/runs/${id}$`));
  await page.goto(`/projects/default/runs/${id}`);
  await expect(page.getByRole("heading", { name: "Run not found" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Try again" })).toBeHidden();
  await page.getByRole("link", { name: "← Back to runs" }).click();
  await expect(page).toHaveURL(/\/projects\/default\/runs$/);
});

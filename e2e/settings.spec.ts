import { randomBytes } from "node:crypto";
import { expect, test } from "./support/fixtures";
import { API_URL, PROJECT, authHeaders } from "./support/env";

/**
 * A project's settings from the browser, as the instance admin (the default storage state):
 * a service token made in the UI is shown once, works against the API, and after being revoked
 * in the UI is refused (401) while its row stays listed; a secret added in the UI is listed
 * without its value, anywhere; the audit log records all of it.
 */

const settings = (tab?: string) => `/projects/${PROJECT}/settings${tab ? `?tab=${tab}` : ""}`;

async function status(route: string, token: string): Promise<number> {
  const res = await fetch(`${API_URL}${route}`, { headers: { authorization: `Bearer ${token}` } });
  await res.body?.cancel();
  return res.status;
}

test("a service token is shown once, works, and stops working when revoked", async ({ page }) => {
  const name = `e2e-ci-${randomBytes(4).toString("hex")}`;
  await page.goto(settings("tokens"));
  await expect(page.getByRole("tab", { name: "API tokens" })).toHaveAttribute("aria-selected", "true");

  await page.getByRole("button", { name: "New service token" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New service token" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("radio", { name: /^viewer/i }).check();
  await dialog.getByLabel("Expires").selectOption("30");
  await dialog.getByRole("button", { name: "Create token" }).click();

  const created = page.getByRole("dialog", { name: "Token created" });
  await expect(created.getByText("you will not see it again")).toBeVisible();
  const secret = (await created.getByTestId("token-secret-value").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^trl_svc_\S{20,}$/);
  // The usage examples carry the secret, ready to paste.
  await expect(created.getByTestId("token-snippet-curl")).toContainText(`Authorization: Bearer ${secret}`);
  await expect(created.getByTestId("token-snippet-mlflow")).toContainText(`MLFLOW_TRACKING_TOKEN=${secret}`);
  await created.getByRole("button", { name: "I've copied it" }).click();
  await expect(created).toBeHidden();

  const row = page.locator(`[data-testid="token-row"][data-token="${name}"]`);
  await expect(row).toHaveAttribute("data-status", "active");
  await expect(row).toContainText(secret.slice(0, 12));
  // Shown once: nowhere on the page any more, and not after a reload either.
  expect(await page.content()).not.toContain(secret);
  await page.reload();
  await expect(row).toBeVisible();
  expect(await page.content()).not.toContain(secret);

  // Not used yet; then it works against the API, as the viewer it was made.
  await expect(row).toContainText("never");
  expect(await status(`/projects/${PROJECT}/runs`, secret)).toBe(200);
  const me = await fetch(`${API_URL}/auth/me`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.json());
  expect(me.token).toMatchObject({ name, kind: "service", project: PROJECT, role: "viewer" });
  await expect(async () => {
    await page.reload();
    await expect(row).not.toContainText("never", { timeout: 1000 });
  }).toPass();

  await row.getByRole("button", { name: `Revoke token ${name}` }).click();
  await row.getByTestId("confirm").getByRole("button", { name: "Revoke" }).click();
  await expect(row).toHaveAttribute("data-status", "revoked");
  await expect(row.getByRole("button", { name: /Revoke/ })).toHaveCount(0);

  expect(await status(`/projects/${PROJECT}/runs`, secret)).toBe(401);

  // The audit log names both changes.
  await page.getByRole("tab", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/tab=audit/);
  const events = page.getByTestId("audit-row").filter({ hasText: name });
  await expect(events.filter({ hasText: "revoked token" })).toHaveCount(1);
  await expect(events.filter({ hasText: "created token" })).toHaveCount(1);
});

test("a secret added in the UI is listed without its value", async ({ page }) => {
  const name = `E2E_SECRET_${randomBytes(4).toString("hex").toUpperCase()}`;
  const value = `value-${randomBytes(12).toString("hex")}`;
  try {
    await page.goto(settings("secrets"));
    await expect(page.getByText("secrets: [DB_PASSWORD]")).toBeVisible();
    await page.getByRole("button", { name: "Add secret" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Add secret" });
    // Typed names are written as environment variables are.
    await dialog.getByLabel("Name").fill(name.toLowerCase());
    await expect(dialog.getByLabel("Name")).toHaveValue(name);
    const field = dialog.getByLabel("Value");
    await expect(field).toHaveAttribute("type", "password");
    await field.fill(value);
    await dialog.getByRole("button", { name: "Add secret" }).click();
    await expect(dialog).toBeHidden();

    const row = page.locator(`[data-testid="secret-row"][data-secret="${name}"]`);
    await expect(row).toBeVisible();
    await expect(row).toContainText(/by /);
    expect(await page.content()).not.toContain(value);

    const listed = await fetch(`${API_URL}/projects/${PROJECT}/secrets`, { headers: authHeaders() }).then((r) => r.text());
    expect(listed).toContain(name);
    expect(listed).not.toContain(value);

    // Replacing keeps the name; deleting asks first.
    await row.getByRole("button", { name: `Replace the value of ${name}` }).click();
    const replace = page.getByRole("dialog", { name: `Replace ${name}` });
    await expect(replace.getByLabel("Name")).toHaveValue(name);
    await replace.getByLabel("Value").fill(`${value}-2`);
    await replace.getByRole("button", { name: "Replace value" }).click();
    await expect(replace).toBeHidden();
    await row.getByRole("button", { name: `Delete secret ${name}` }).click();
    await row.getByTestId("confirm").getByRole("button", { name: "Delete" }).click();
    await expect(row).toHaveCount(0);
  } finally {
    await fetch(`${API_URL}/projects/${PROJECT}/secrets/${name}`, { method: "DELETE", headers: authHeaders() });
  }
});

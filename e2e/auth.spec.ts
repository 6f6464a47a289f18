import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { ADMIN_EMAIL, adminStorageState } from "./support/env";
import { apiCall, expect, registerModelVersion, test } from "./support/fixtures";

/**
 * Signing in, and what a role may see and do: a viewer of project A sees A (not B), has no
 * Start run or Promote button, and is refused by the API when it tries anyway; an editor has
 * them. Everything is set up through the API with the bootstrap token; the browser signs in
 * through the sign-in page (these tests start signed out, unlike the others).
 */
test.use({ storageState: { cookies: [], origins: [] } });

const nonce = randomBytes(4).toString("hex");
const A = `e2e-auth-a-${nonce}`;
const B = `e2e-auth-b-${nonce}`;
const PASSWORD = "correct horse battery";
const viewer = { email: `viewer-${nonce}@trellis.test`, name: "Vera Viewer" };
const editor = { email: `editor-${nonce}@trellis.test`, name: "Ed Editor" };
const newcomer = { email: `newcomer-${nonce}@trellis.test`, name: "Nia Newcomer" };
const pipeline = `auth-${nonce}`;
const model = `auth-model-${nonce}`;

interface Run {
  id: string;
  status: string;
}

test.beforeAll(async () => {
  test.setTimeout(90_000);
  for (const name of [A, B]) await apiCall("POST", "/projects", { name, description: `Access-control test project ${name === A ? "A" : "B"}` });
  for (const user of [viewer, editor, newcomer]) await apiCall("POST", "/users", { ...user, password: PASSWORD });
  await apiCall("POST", `/projects/${A}/members`, { email: viewer.email, role: "viewer" });
  await apiCall("POST", `/projects/${A}/members`, { email: editor.email, role: "editor" });

  // A pipeline in A whose run makes a model artifact, registered as v1 of a model.
  await apiCall("POST", `/projects/${A}/pipelines`, {
    spec: `name: ${pipeline}
steps:
  train:
    run: |
      mkdir -p "\${{ outputs.model }}"
      echo '{"nonce": "${nonce}"}' > "\${{ outputs.model }}/weights.json"
    outputs: { model: { type: model } }
`,
  });
  const started = await apiCall<Run>("POST", `/projects/${A}/runs`, { pipeline, params: {} });
  let run: Run = started;
  await expect
    .poll(async () => (run = await apiCall<Run>("GET", `/projects/${A}/runs/${started.id}`)).status, { timeout: 30_000 })
    .toMatch(/^(succeeded|failed|cancelled)$/);
  expect(run.status).toBe("succeeded");
  await registerModelVersion(model, { runId: run.id, stepName: "train", outputName: "model", createModel: true }, undefined, A);
});

async function signIn(page: Page, who: { email: string }, password = PASSWORD): Promise<void> {
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Waits until the page has the caller's role on `project` (the buttons a role allows depend on it). */
function roleLoaded(page: Page, project: string) {
  return page.waitForResponse((r) => r.url().endsWith(`/api/v1/projects/${project}`) && r.status() === 200);
}

test("a viewer sees only its projects, has no Start run or Promote button, and the API refuses it", async ({ page, context, consoleGuard }, testInfo) => {
  test.setTimeout(90_000);
  // Signed out: any page goes to the sign-in page, which comes back to it afterwards.
  await page.goto(`/projects/${A}/pipelines/${pipeline}`);
  await expect(page).toHaveURL(new RegExp(`/sign-in\\?next=${encodeURIComponent(`/projects/${A}/pipelines/${pipeline}`)}$`));
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  let role = roleLoaded(page, A);
  await signIn(page, viewer);
  await expect(page).toHaveURL(new RegExp(`/projects/${A}/pipelines/${pipeline}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(pipeline);
  await role;
  await expect(page.locator('[data-testid^="dag-node-"]')).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Start run" })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("viewer-pipeline.png") });

  // Home: project A with the viewer's role; not B, nor the default project.
  await page.goto("/");
  const cards = page.getByTestId("project-card");
  await expect(cards.filter({ hasText: A })).toHaveCount(1);
  await expect(page.locator(`[data-testid="project-card"][data-project="${A}"]`).getByTestId("role-badge")).toHaveText("Viewer");
  await expect(page.locator(`[data-testid="project-card"][data-project="${B}"]`)).toHaveCount(0);
  await expect(page.locator('[data-testid="project-card"][data-project="default"]')).toHaveCount(0);
  // The project switcher lists the same.
  await page.getByTestId("project-switcher").click();
  const options = page.getByRole("listbox", { name: "Projects" }).getByTestId("project-option");
  await expect(options.filter({ hasText: A })).toHaveCount(1);
  await expect(options.filter({ hasText: B })).toHaveCount(0);
  await page.keyboard.press("Escape");

  // Project B does not exist for the viewer.
  consoleGuard.allow(new RegExp(`status of 404 \\(Not Found\\) @ http://localhost:3100/api/v1/projects/${B}`));
  await page.goto(`/projects/${B}/runs`);
  await expect(page.getByRole("heading", { name: "Project not found" })).toBeVisible();

  // The model page: no promotion, no alias editing, no settings tab.
  role = roleLoaded(page, A);
  await page.goto(`/projects/${A}/models/${model}`);
  await expect(page.getByTestId("model-name")).toHaveText(model);
  await role;
  await expect(page.getByTestId("version-row")).toHaveCount(1);
  await expect(page.getByRole("button", { name: /Promote|Change stage|Change the stage/ })).toHaveCount(0);
  await expect(page.getByRole("form", { name: "Set alias" })).toHaveCount(0);
  await expect(page.getByRole("tab", { name: /Policy & settings|Webhooks/ })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("viewer-model.png") });

  // The same pages on a phone.
  await page.setViewportSize({ width: 360, height: 780 });
  await page.screenshot({ path: testInfo.outputPath("viewer-model-360.png"), fullPage: true });
  await page.goto(`/projects/${A}/pipelines/${pipeline}`);
  await expect(page.locator('[data-testid^="dag-node-"]')).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath("viewer-pipeline-360.png"), fullPage: true });
  await page.getByTestId("user-menu-button").click();
  await expect(page.getByTestId("user-menu")).toContainText(viewer.email);
  await expect(page.getByTestId("instance-admin-badge")).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("viewer-user-menu-360.png") });
  await page.keyboard.press("Escape");
  await page.setViewportSize({ width: 1440, height: 900 });

  // Trying anyway, with the browser's own cookies: the API refuses the role (403), and a change
  // without the CSRF header is refused before that.
  const csrf = (await context.cookies()).find((c) => c.name === "trellis_csrf")?.value;
  expect(csrf, "the CSRF cookie").toBeTruthy();
  const start = { pipeline, params: {} };
  const withCsrf = await page.request.post(`/api/v1/projects/${A}/runs`, { data: start, headers: { "X-CSRF-Token": csrf! } });
  expect(withCsrf.status()).toBe(403);
  expect((await withCsrf.json()).error.code).toBe("FORBIDDEN");
  const withoutCsrf = await page.request.post(`/api/v1/projects/${A}/runs`, { data: start });
  expect(withoutCsrf.status()).toBe(403);
  expect((await withoutCsrf.json()).error.code).toBe("FORBIDDEN");
  const runs = await apiCall<{ items: Run[] }>("GET", `/projects/${A}/runs?pipeline=${pipeline}`);
  expect(runs.items).toHaveLength(1);

  // Sign out: back to the sign-in page, and pages need signing in again.
  await page.goto(`/projects/${A}/runs`);
  await page.getByTestId("user-menu-button").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  expect((await context.cookies()).map((c) => c.name)).not.toContain("trellis_session");
  await page.goto(`/projects/${A}/runs`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test("a wrong password is refused on the sign-in page", async ({ page, consoleGuard }, testInfo) => {
  consoleGuard.allow(/status of 401 \(Unauthorized\) @ http:\/\/localhost:3100\/api\/v1\/auth\/sign-in$/);
  await page.goto("/sign-in");
  await signIn(page, viewer, "not the password");
  const error = page.getByTestId("sign-in-error");
  await expect(error).toHaveText("Email or password is wrong.");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByLabel("Password")).toHaveValue("");
  await page.screenshot({ path: testInfo.outputPath("sign-in-wrong-password.png") });
});

test("an expired session goes to the sign-in page, which comes back afterwards", async ({ page, context, consoleGuard }) => {
  // The cookie is there (so no redirect before the page loads) but the API does not know it.
  consoleGuard.allow(/status of 401 \(Unauthorized\) @ http:\/\/localhost:3100\/api\/v1\//);
  await context.addCookies([{ name: "trellis_session", value: "expired", domain: "localhost", path: "/", httpOnly: true, sameSite: "Lax" }]);
  await page.goto(`/projects/${A}/runs?status=succeeded`);
  await expect(page).toHaveURL(new RegExp(`/sign-in\\?next=${encodeURIComponent(`/projects/${A}/runs?status=succeeded`)}$`));
  await signIn(page, viewer);
  await expect(page).toHaveURL(new RegExp(`/projects/${A}/runs\\?status=succeeded$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Runs");
});

test("a user in no project is told how to get one", async ({ page }, testInfo) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await signIn(page, newcomer);
  const empty = page.getByTestId("no-projects");
  await expect(empty).toContainText("You are not a member of any project yet. Ask a project admin to add you, or create one.");
  await expect(empty.getByRole("button", { name: "Create project" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("no-projects.png") });
  await page.setViewportSize({ width: 360, height: 780 });
  await page.screenshot({ path: testInfo.outputPath("no-projects-360.png") });

  // Anyone signed in may create a project, and administers it.
  await page.setViewportSize({ width: 1440, height: 900 });
  const own = `e2e-auth-own-${nonce}`;
  await empty.getByRole("button", { name: "Create project" }).click();
  const dialog = page.getByRole("dialog", { name: "New project" });
  await dialog.getByLabel("Name").fill("Not Valid");
  await expect(dialog.getByRole("alert")).toContainText("Use lowercase letters, digits and dashes");
  await dialog.getByLabel("Name").fill(own);
  await page.screenshot({ path: testInfo.outputPath("new-project.png") });
  await dialog.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${own}/pipelines$`));
  await expect(page.getByTestId("project-settings-link")).toBeVisible();
  await page.getByTestId("project-switcher").click();
  await expect(page.locator(`[data-testid="project-option"][data-project="${own}"]`).getByTestId("role-badge")).toHaveText("Admin");
});

test("an editor has Start run and Promote", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  await signIn(page, editor);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(`[data-testid="project-card"][data-project="${A}"]`).getByTestId("role-badge")).toHaveText("Editor");

  await page.goto(`/projects/${A}/pipelines/${pipeline}`);
  await expect(page.getByRole("button", { name: "Start run" })).toBeVisible();
  await page.goto(`/projects/${A}/models/${model}`);
  await expect(page.getByRole("button", { name: "Change the stage of v1" })).toBeVisible();
  // Settings are for project admins; webhooks too.
  await expect(page.getByTestId("project-settings-link")).toHaveCount(0);
  await expect(page.getByRole("tab", { name: /Webhooks/ })).toHaveCount(0);
  await expect(page.getByRole("tab", { name: /Policy & settings/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("editor-model.png") });
});

test("the sign-in and setup pages, and the admin's user menu", async ({ page, browser }, testInfo) => {
  for (const width of [1440, 360]) {
    await page.setViewportSize({ width, height: width > 400 ? 900 : 780 });
    await page.goto("/sign-in");
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`sign-in-${width}.png`) });
  }

  // The setup page is open only while no account exists; this server has one, so it says so.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/setup");
  await expect(page.getByRole("heading", { name: "Trellis is set up" })).toBeVisible();
  await page.getByRole("link", { name: "Go to sign in" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  // Its form, as a fresh server shows it (the status answer stands in for one without accounts).
  await page.route("**/api/v1/auth/status", (route) => route.fulfill({ json: { setupRequired: true, oidc: { enabled: false, label: "" } } }));
  for (const width of [1440, 360]) {
    await page.setViewportSize({ width, height: width > 400 ? 1000 : 900 });
    await page.goto("/setup?code=abc123");
    await expect(page.getByLabel("Setup code")).toHaveValue("abc123");
    await page.getByRole("button", { name: "Create admin account" }).click();
    await expect(page.getByText("Use at least 10 characters.")).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`setup-${width}.png`), fullPage: true });
  }
  // …and the sign-in page sends a fresh server there, with single sign-on offered when configured.
  await page.unroute("**/api/v1/auth/status");
  await page.route("**/api/v1/auth/status", (route) => route.fulfill({ json: { setupRequired: false, oidc: { enabled: true, label: "Acme SSO" } } }));
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/sign-in?next=${encodeURIComponent("/projects/x")}&error=${encodeURIComponent("your identity provider refused: access_denied")}`);
  await expect(page.getByTestId("sign-in-error")).toHaveText("Single sign-on failed: your identity provider refused: access_denied.");
  await expect(page.getByTestId("sso-button")).toHaveText("Sign in with Acme SSO");
  await expect(page.getByTestId("sso-button")).toHaveAttribute("href", `/api/v1/auth/oidc/start?next=${encodeURIComponent("/projects/x")}`);
  await page.screenshot({ path: testInfo.outputPath("sign-in-sso.png") });

  // The admin: name, email, the instance-admin badge, Account and Admin.
  const admin = await browser.newContext({ storageState: adminStorageState(), viewport: { width: 1440, height: 900 } });
  try {
    const adminPage = await admin.newPage();
    await adminPage.goto("/projects/default/runs");
    await adminPage.getByTestId("user-menu-button").click();
    const menu = adminPage.getByTestId("user-menu");
    await expect(menu).toContainText(ADMIN_EMAIL);
    await expect(menu.getByTestId("instance-admin-badge")).toHaveText("Instance admin");
    await expect(menu.getByRole("menuitem", { name: "Account" })).toHaveAttribute("href", "/account");
    await expect(menu.getByRole("menuitem", { name: "Admin" })).toHaveAttribute("href", "/admin");
    await expect(adminPage.getByTestId("project-settings-link")).toBeVisible();
    await adminPage.screenshot({ path: testInfo.outputPath("admin-user-menu.png") });
    // An instance admin is an admin of every project.
    await adminPage.goto("/");
    await expect(adminPage.locator(`[data-testid="project-card"][data-project="${A}"]`).getByTestId("role-badge")).toHaveText("Admin");
    await adminPage.screenshot({ path: testInfo.outputPath("admin-home.png") });
  } finally {
    await admin.close();
  }
});

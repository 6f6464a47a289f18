import { dagNode, expect, expectAllNodesInView, runStatus, test } from "./support/fixtures";

const SPEC = `
params:
  greeting: { type: string, default: "hi" }
  count: { type: integer }
steps:
  a:
    run: 'echo "\${{ params.greeting }}"; for i in $(seq 1 \${{ params.count }}); do echo "line $i"; done; echo 3 > "\${{ outputs.n }}"'
    outputs: { n: { type: number } }
  b: { run: 'echo "b got \${{ steps.a.outputs.n }}"' }
  c: { run: 'echo c; echo oops >&2', needs: [a] }
  d: { run: 'echo done', needs: [b, c] }
`;

test("start a run from the pipeline page and follow it to success", async ({ page, api }, testInfo) => {
  const pipeline = await api.pushPipeline("start", SPEC);

  await page.goto(`/projects/default/pipelines/${pipeline}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(pipeline);
  // The definition preview shows the four steps before any run exists.
  await expect(page.locator('[data-testid^="dag-node-"]')).toHaveCount(4);
  await page.screenshot({ path: testInfo.outputPath("pipeline-page.png") });

  await page.getByRole("button", { name: "Start run" }).click();
  const dialog = page.getByRole("dialog", { name: "Start a run" });
  await expect(dialog).toBeVisible();

  // The form is generated from the param schema: greeting has its default, count is required.
  const greeting = dialog.locator('[data-param="greeting"]');
  const count = dialog.locator('[data-param="count"]');
  await expect(greeting.getByRole("textbox")).toHaveValue("hi");
  await expect(count.getByRole("spinbutton")).toHaveValue("");

  // Submitting without the required param gives a field error, and no run is started.
  await dialog.getByRole("button", { name: "Start run" }).click();
  await expect(count.getByText("This parameter is required.")).toBeVisible();
  await expect(count.getByRole("spinbutton")).toHaveAttribute("aria-invalid", "true");
  await expect(count.getByRole("spinbutton")).toBeFocused();
  await expect(page).toHaveURL(new RegExp(`/pipelines/${pipeline}$`));
  await page.screenshot({ path: testInfo.outputPath("start-run-form-error.png") });

  await greeting.getByRole("textbox").fill("hello from e2e");
  await count.getByRole("spinbutton").fill("3");
  await expect(count.getByText("This parameter is required.")).toBeHidden();
  await dialog.getByRole("button", { name: "Start run" }).click();

  // Lands on the new run's page.
  await expect(page).toHaveURL(/\/projects\/default\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(pipeline);
  await expect(page.getByText("count=3")).toBeVisible();

  // Every node of the DAG turns green.
  const nodes = page.locator('[data-testid^="dag-node-"]');
  await expect(nodes).toHaveCount(4);
  await expect(page.locator('[data-testid^="dag-node-"][data-status="succeeded"]')).toHaveCount(4, { timeout: 30_000 });
  await expect(runStatus(page)).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByRole("button", { name: "Cancel run" })).toBeHidden();

  // Open step a: its log lines (stored log, the step has finished) in the step panel.
  await dagNode(page, "a").click();
  await expect(page).toHaveURL(/\?step=a$/);
  const panel = page.getByRole("complementary", { name: "Step a" });
  await expect(panel.getByRole("heading", { name: "a", exact: true })).toBeVisible();
  // The graph got narrower to make room for the panel and was re-fitted: no step is cut off.
  await expectAllNodesInView(page);
  const log = panel.getByRole("log", { name: "Step log" });
  await expect(log).toContainText("hello from e2e");
  for (const line of ["line 1", "line 2", "line 3"]) await expect(log.getByText(line, { exact: true })).toBeVisible();
  await expect(panel.getByText("4 lines", { exact: true })).toBeVisible(); // greeting + 3
  // Its declared output is shown too.
  const outputs = panel.locator("section").filter({ has: page.getByRole("heading", { name: "Outputs", exact: true }) });
  await expect(outputs.getByRole("term")).toHaveText("n");
  await expect(outputs.getByRole("definition")).toHaveText("3");
  await page.screenshot({ path: testInfo.outputPath("run-succeeded-step-a.png") });

  // b consumed a's output; c wrote to stderr (shown, and countable via the stream filter).
  await dagNode(page, "b").click();
  await expect(page.getByRole("complementary", { name: "Step b" }).getByRole("log")).toContainText("b got 3");
  await dagNode(page, "c").click();
  const panelC = page.getByRole("complementary", { name: "Step c" });
  await expect(panelC.getByRole("button", { name: "stderr (1)" })).toBeVisible();
  await expect(panelC.locator('[data-stream="stderr"]')).toHaveText(/oops/);
});

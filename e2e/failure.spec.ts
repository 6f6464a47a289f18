import { dagNode, expect, runStatus, test } from "./support/fixtures";

// Two independent failures: `crash` exits non-zero (retryable, no retries left) and
// `no_output` exits 0 without writing its declared output (terminal). Their dependents are
// skipped; the unrelated branch still succeeds (failFast is off).
const SPEC = `
steps:
  crash: { run: 'echo "about to fail"; echo "disk on fire" >&2; exit 3' }
  after_crash: { run: 'echo never', needs: [crash] }
  no_output:
    run: 'echo "forgot to write the output"'
    outputs: { model: { type: string } }
  after_no_output: { run: 'echo "\${{ steps.no_output.outputs.model }}"' }
  fine: { run: 'echo fine' }
`;

test("a failing step shows why it failed and its downstream step is skipped", async ({ page, api }, testInfo) => {
  const pipeline = await api.pushPipeline("fail", SPEC);
  const run = await api.startRun(pipeline);

  await page.goto(`/projects/default/runs/${run.id}`);
  await expect(runStatus(page)).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await expect(dagNode(page, "crash")).toHaveAttribute("data-status", "failed");
  await expect(dagNode(page, "after_crash")).toHaveAttribute("data-status", "skipped");
  await expect(dagNode(page, "no_output")).toHaveAttribute("data-status", "failed");
  await expect(dagNode(page, "after_no_output")).toHaveAttribute("data-status", "skipped");
  await expect(dagNode(page, "fine")).toHaveAttribute("data-status", "succeeded");
  await expect(dagNode(page, "crash")).toContainText("Failed");
  await expect(dagNode(page, "after_crash")).toContainText("Skipped");

  // The crashed step: failed, exit code 3, the kind of failure in plain words, and its stderr.
  await dagNode(page, "crash").click();
  const crash = page.getByRole("complementary", { name: "Step crash" });
  await expect(crash.getByRole("heading", { name: "crash", exact: true }).locator("..").locator("[data-status]")).toHaveAttribute(
    "data-status",
    "failed",
  );
  await expect(crash.getByText("Exit code")).toBeVisible();
  await expect(crash.locator("dd", { hasText: /^3$/ })).toBeVisible();
  const crashKind = crash.getByTestId("failure-kind");
  await expect(crashKind).toContainText("Retryable — could be retried");
  await expect(crashKind).toContainText("Running it again may succeed, but all retry attempts were used");
  await expect(crash.getByRole("log")).toContainText("about to fail");
  await expect(crash.locator('[data-stream="stderr"]')).toHaveText(/disk on fire/);
  await page.screenshot({ path: testInfo.outputPath("failed-step-crash.png") });

  // The missing output: a terminal failure, explained as such.
  await dagNode(page, "no_output").click();
  const noOutput = page.getByRole("complementary", { name: "Step no_output" });
  await expect(noOutput.getByTestId("failure-kind")).toContainText("Terminal — retrying won't help");
  await expect(noOutput.getByRole("alert")).toContainText("model");

  // Downstream of a failure: skipped, and the panel says why; it has no log.
  await dagNode(page, "after_crash").click();
  const skipped = page.getByRole("complementary", { name: "Step after_crash" });
  await expect(skipped.getByText("Skipped: a step it depends on failed or was skipped, so this step did not run.")).toBeVisible();
  await expect(skipped.getByText("This attempt never ran, so it has no log.")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("failed-run-skipped-step.png") });
});

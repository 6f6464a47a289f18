import { dagNode, expect, Gate, runStatus, test } from "./support/fixtures";

// `work` runs until cancelled (or, as a safety net, until its gate opens after the test);
// `after` is waiting on it.
const SPEC = `
params:
  gate: { type: string }
steps:
  work:
    run: |
      echo "working"
      for _ in $(seq 1 600); do [ -e "\${{ params.gate }}" ] && break; sleep 0.1; done
  after: { run: 'echo never', needs: [work] }
`;

test("cancel a running run from the run page", async ({ page, api }, testInfo) => {
  const pipeline = await api.pushPipeline("cancel", SPEC);
  const gate = new Gate("cancel");
  const run = await api.startRun(pipeline, { gate: gate.path });
  try {
    await page.goto(`/projects/default/runs/${run.id}`);
    await expect(dagNode(page, "work")).toHaveAttribute("data-status", "running");
    await expect(runStatus(page)).toHaveAttribute("data-status", "running");

    // The confirmation dialog can be dismissed without cancelling anything.
    await page.getByRole("button", { name: "Cancel run" }).click();
    const confirm = page.getByRole("dialog", { name: "Cancel this run?" });
    await expect(confirm).toBeVisible();
    await expect(confirm).toContainText("will be stopped");
    await confirm.getByRole("button", { name: "Keep running" }).click();
    await expect(confirm).toBeHidden();
    await expect(runStatus(page)).toHaveAttribute("data-status", "running");

    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect(confirm).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("cancel-confirm.png") });
    await confirm.getByRole("button", { name: "Cancel run" }).click();
    await expect(confirm).toBeHidden();

    await expect(runStatus(page)).toHaveAttribute("data-status", "cancelled");
    await expect(dagNode(page, "work")).toHaveAttribute("data-status", "cancelled");
    await expect(dagNode(page, "after")).toHaveAttribute("data-status", "cancelled");
    await expect(page.getByRole("alert").filter({ hasText: /cancel/i })).toBeVisible();
    await expect(page.getByRole("button", { name: "Cancel run" })).toBeHidden();
    await page.screenshot({ path: testInfo.outputPath("cancelled-run.png") });

    // The API agrees.
    const after = await api.getRun(run.id);
    expect(after.status).toBe("cancelled");
    expect(after.steps.map((s) => [s.name, s.status])).toEqual(
      expect.arrayContaining([
        ["work", "cancelled"],
        ["after", "cancelled"],
      ]),
    );
  } finally {
    await gate.open();
  }
});

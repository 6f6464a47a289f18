import { dagNode, expect, Gate, runStatus, test } from "./support/fixtures";

// `tail` prints a line every 0.25 s for ~2 s, then waits for the test to open its gate (at most
// 60 s), so the test can look at the log while the step is provably still running.
const SPEC = `
params:
  gate: { type: string }
steps:
  tail:
    run: |
      for i in $(seq 1 8); do echo "tick $i"; sleep 0.25; done
      for _ in $(seq 1 600); do [ -e "\${{ params.gate }}" ] && break; sleep 0.1; done
      echo "released"
  after: { run: 'echo after', needs: [tail] }
`;

test("a running step's log streams live, then shows its end state", async ({ page, api }, testInfo) => {
  const pipeline = await api.pushPipeline("live", SPEC);
  const gate = new Gate("live");
  const run = await api.startRun(pipeline, { gate: gate.path });

  await page.goto(`/projects/default/runs/${run.id}`);
  const node = dagNode(page, "tail");
  await expect(node).toHaveAttribute("data-status", "running");
  await node.click();

  const panel = page.getByRole("complementary", { name: "Step tail" });
  const log = panel.getByRole("log", { name: "Step log" });
  // Tailing over SSE: the "Live" marker, and lines arriving one after the other.
  await expect(panel.getByTestId("log-view").getByText("Live", { exact: true })).toBeVisible();
  await expect(log.getByText("tick 1", { exact: true })).toBeVisible();
  await expect(log.getByText("tick 8", { exact: true })).toBeVisible();
  // All of that arrived while the step was still running (it cannot end before the gate opens).
  await expect(node).toHaveAttribute("data-status", "running");
  await expect(runStatus(page)).toHaveAttribute("data-status", "running");
  await expect(log.getByText("released")).toHaveCount(0);
  await expect(panel.getByText("8 lines", { exact: true })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("live-log-running.png") });

  // Let the step finish: its last line arrives on the same live view, followed by the end event.
  await gate.open();
  await expect(log.getByText("released", { exact: true })).toBeVisible();
  await expect(panel.getByTestId("log-view").getByText("Finished · succeeded")).toBeVisible();
  await expect(panel.getByText("9 lines", { exact: true })).toBeVisible();
  await expect(node).toHaveAttribute("data-status", "succeeded");
  await expect(dagNode(page, "after")).toHaveAttribute("data-status", "succeeded");
  await expect(runStatus(page)).toHaveAttribute("data-status", "succeeded");
  // Lines are in order, nothing duplicated by the switch from live to finished.
  await expect(log.locator("[data-stream]")).toHaveText([
    ...Array.from({ length: 8 }, (_, i) => new RegExp(`tick ${i + 1}$`)),
    /released$/,
  ]);
  await page.screenshot({ path: testInfo.outputPath("live-log-finished.png") });
});

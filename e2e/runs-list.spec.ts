import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";

const PAGE_SIZE = 50; // RUNS_PAGE_SIZE in apps/web/src/lib/queries.ts
const OK_RUNS = 52;
const FAILED_RUNS = 3;

const SPEC = `
params:
  ok: { type: boolean, default: true }
steps:
  only: { run: '[ "\${{ params.ok }}" = "true" ] || exit 1' }
`;

function rows(page: Page) {
  return page.getByTestId("run-row");
}

test("runs list: filter by status and pipeline, paginate", async ({ page, api }, testInfo) => {
  test.setTimeout(120_000);
  // Two pipelines so the pipeline filter has something to filter out.
  const [pipeline, other] = await Promise.all([api.pushPipeline("list", SPEC), api.pushPipeline("list-other", SPEC)]);
  const otherRun = await api.startRun(other);
  // 55 runs of `pipeline`, 3 of them failing; started in small concurrent batches.
  const plan = [...Array.from({ length: OK_RUNS }, () => true), ...Array.from({ length: FAILED_RUNS }, () => false)];
  for (let i = 0; i < plan.length; i += 10) {
    await Promise.all(plan.slice(i, i + 10).map((ok) => api.startRun(pipeline, { ok })));
  }
  await api.waitForEnd(otherRun.id);
  await expect
    .poll(async () => (await api.listRuns({ pipeline, status: "succeeded,failed", limit: "100" })).items.length, {
      timeout: 60_000,
      message: "all runs should end",
    })
    .toBe(plan.length);
  // The server's order (newest first), which the pages must follow without gaps or overlap.
  const ids = (await api.listRuns({ pipeline, limit: "100" })).items.map((r) => r.id);
  expect(ids).toHaveLength(plan.length);
  const rowIds = (page: Page) => rows(page).evaluateAll((els) => els.map((el) => el.getAttribute("data-run-id")));

  // Filter by pipeline with the select: every row is that pipeline, 50 on the first page.
  await page.goto("/projects/default/runs");
  await expect(rows(page).first()).toBeVisible();
  await page.getByLabel("Pipeline", { exact: true }).selectOption(pipeline);
  await expect(page).toHaveURL(new RegExp(`[?&]pipeline=${pipeline}(&|$)`));
  await expect(rows(page)).toHaveCount(PAGE_SIZE);
  await expect(rows(page).getByRole("link", { name: pipeline, exact: true })).toHaveCount(PAGE_SIZE);
  await expect(page.getByText(`Runs 1–${PAGE_SIZE}`)).toBeVisible();
  await expect(page.getByText("Page 1")).toBeVisible();
  // Newest first, in the server's order.
  await expect.poll(() => rowIds(page)).toEqual(ids.slice(0, PAGE_SIZE));
  await page.screenshot({ path: testInfo.outputPath("runs-list-page-1.png"), fullPage: true });

  // Pagination: older, then back to newer.
  const newer = page.getByRole("button", { name: "Newer" });
  const older = page.getByRole("button", { name: "Older" });
  await expect(newer).toBeDisabled();
  await older.click();
  await expect(page.getByText("Page 2")).toBeVisible();
  await expect(rows(page)).toHaveCount(plan.length - PAGE_SIZE);
  await expect(page.getByText(`Runs ${PAGE_SIZE + 1}–${plan.length}`)).toBeVisible();
  await expect(older).toBeDisabled();
  // Page 2 continues exactly where page 1 stopped, down to the oldest run.
  await expect.poll(() => rowIds(page)).toEqual(ids.slice(PAGE_SIZE));
  await newer.click();
  await expect(page.getByText("Page 1")).toBeVisible();
  await expect(rows(page)).toHaveCount(PAGE_SIZE);
  await expect.poll(() => rowIds(page)).toEqual(ids.slice(0, PAGE_SIZE));

  // Status filter on top of the pipeline filter: only the 3 failed runs, no pagination needed.
  const statusFilters = page.getByRole("group", { name: "Filter by status" });
  await statusFilters.getByRole("button", { name: "Failed" }).click();
  await expect(page).toHaveURL(/[?&]status=failed(&|$)/);
  await expect(rows(page)).toHaveCount(FAILED_RUNS);
  await expect(rows(page).locator('[data-status="failed"]')).toHaveCount(FAILED_RUNS);
  await expect(older).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath("runs-list-failed.png"), fullPage: true });

  // Two statuses: failed or succeeded = all of them again (paginated).
  await statusFilters.getByRole("button", { name: "Succeeded" }).click();
  await expect(page).toHaveURL(/[?&]status=succeeded%2Cfailed|status=succeeded,failed/);
  await expect(rows(page)).toHaveCount(PAGE_SIZE);

  // Only succeeded.
  await statusFilters.getByRole("button", { name: "Failed" }).click();
  await expect(rows(page)).toHaveCount(PAGE_SIZE);
  await expect(rows(page).locator('[data-status="succeeded"]')).toHaveCount(PAGE_SIZE);
  await older.click();
  await expect(rows(page)).toHaveCount(OK_RUNS - PAGE_SIZE);

  // A filter that matches nothing, then clearing the filters.
  await statusFilters.getByRole("button", { name: "All statuses" }).click();
  await statusFilters.getByRole("button", { name: "Cancelled" }).click();
  await expect(page.getByText("No runs match these filters")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(page).toHaveURL(/\/projects\/default\/runs$/);
  await expect(rows(page)).toHaveCount(PAGE_SIZE);

  // The other pipeline's run is listed under its own filter only.
  await page.getByLabel("Pipeline", { exact: true }).selectOption(other);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toHaveAttribute("data-run-id", otherRun.id);
});

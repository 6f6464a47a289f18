import { randomBytes } from "node:crypto";
import {
  createSchedule,
  deleteSchedule,
  expect,
  getSchedule,
  maxOverlap,
  runStatus,
  scheduledRuns,
  test,
  type RunDetail,
} from "./support/fixtures";

/**
 * Recurring runs and backfills from the browser: a once-a-minute schedule made in the form
 * (with its live "next 5 runs" preview) starts a run on its own, then is paused; a backfill of
 * five days with parallelism 2 is previewed, started, and finishes with no more than two of its
 * runs overlapping.
 *
 * The e2e worker ticks schedules (BullMQ job schedulers plus a sweep every few seconds). The
 * nonce keeps cache keys new: the e2e database, and so its cache, outlives a session.
 */
function spec(nonce: string, sleep: number): string {
  return `
params:
  day: { type: string, default: "none" }
steps:
  work:
    run: |
      echo "day=\${{ params.day }} (${nonce})"
      sleep ${sleep}
`;
}

const ISO_MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00(\.000)?Z$/;
const created: string[] = [];

test.afterAll(async () => {
  // A schedule left behind would fire in the next session.
  for (const id of created) await deleteSchedule(id);
});

test("a once-a-minute schedule made in the UI starts a run, and is paused", async ({ page, api }, testInfo) => {
  test.setTimeout(180_000);
  const nonce = randomBytes(6).toString("hex");
  const pipeline = await api.pushPipeline("every-minute", spec(nonce, 0));
  const name = `e2e-every-minute-${nonce}`;

  await page.goto("/projects/default/schedules");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Schedules" })).toHaveAttribute("aria-current", "page");
  await page.getByRole("button", { name: "New schedule" }).first().click();
  const form = page.getByRole("dialog", { name: "New schedule" });

  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Pipeline", { exact: true }).selectOption(pipeline);
  // Latest, not pinned, by default; the version runs will use is named.
  const version = form.getByLabel("Version", { exact: true });
  await expect(version).toHaveValue("latest");
  await expect(version.locator("option:checked")).toHaveText("Latest (currently v1) — each run uses the newest version");

  await form.getByLabel("Repeat").selectOption("minute");
  await expect(form.getByLabel("Cron expression")).toHaveValue("* * * * *");
  const zone = form.getByRole("combobox", { name: "Time zone" });
  await zone.fill("UTC");
  await form.getByRole("option", { name: "UTC", exact: true }).click();
  await expect(zone).toHaveValue("UTC");

  // The live preview: five fire times a minute apart, in UTC, and the trigger in words.
  const preview = form.getByTestId("schedule-preview");
  await expect(preview.getByTestId("preview-description")).toHaveText(/every minute/i);
  const times = preview.getByTestId("preview-fire-times").locator("time");
  await expect(times).toHaveCount(5);
  const fireTimes = await times.evaluateAll((els) => els.map((e) => e.getAttribute("datetime") ?? ""));
  for (let i = 1; i < fireTimes.length; i++) expect(Date.parse(fireTimes[i]!) - Date.parse(fireTimes[i - 1]!)).toBe(60_000);
  await expect(times.first()).toHaveText(/^\w{3} \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC$/);
  await preview.getByText("How daylight-saving changes are handled").click();
  await expect(preview).toContainText("wall-clock");

  // A string param takes the run's logical date.
  const day = form.getByRole("textbox", { name: /^day\b/ });
  await day.fill("");
  await form.getByRole("button", { name: "Insert ${{ schedule.logical_date }} into day" }).click();
  await expect(day).toHaveValue("${{ schedule.logical_date }}");
  await page.screenshot({ path: testInfo.outputPath("schedule-form.png") });

  await form.getByRole("button", { name: "Create schedule" }).click();
  await expect(page).toHaveURL(/\/projects\/default\/schedules\/[0-9a-f-]{36}$/);
  const id = page.url().split("/").pop()!;
  created.push(id);
  await expect(page.getByTestId("schedule-name")).toHaveText(name);
  await expect(page.getByTestId("schedule-description")).toHaveText(/every minute/i);
  await expect(page.getByTestId("version-badge")).toHaveAttribute("data-version", "latest");
  await expect(page.getByTestId("schedule-next-fire-times").locator("time")).toHaveCount(5);

  // The next minute boundary fires it: a run appears in the history (no reload), linked to its run.
  const runLink = page.getByTestId("scheduled-run-link").first();
  await expect(runLink).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId("scheduled-run-row").first()).toHaveAttribute("data-state", /^(starting|started)$/);
  await page.screenshot({ path: testInfo.outputPath("schedule-page.png") });
  await runLink.click();
  await expect(page).toHaveURL(/\/projects\/default\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split("/").pop()!;
  await expect(runStatus(page)).toBeVisible();
  const run = await api.waitForEnd(runId, 60_000);
  expect(run.status).toBe("succeeded");
  expect(run.pipeline).toBe(pipeline);
  expect(String(run.params.day)).toMatch(ISO_MINUTE);

  // Pause it from its page: no further runs.
  await page.goBack();
  await expect(page.getByTestId("schedule-name")).toHaveText(name);
  await page.getByRole("button", { name: `Pause ${name}` }).click();
  await expect(page.getByTestId("paused-badge")).toBeVisible();
  await expect(page.getByRole("button", { name: `Resume ${name}` })).toBeVisible();
  expect((await getSchedule(id)).paused).toBe(true);

  // The list shows it paused, with its last run.
  await page.goto("/projects/default/schedules");
  const row = page.locator(`[data-testid="schedule-row"][data-schedule="${name}"]`);
  await expect(row.getByTestId("paused-badge")).toBeVisible();
  await expect(row.getByTestId("version-badge")).toHaveText("latest");
  await expect(row.getByRole("link", { name: /succeeded|running|queued/i })).toBeVisible();
});

test("a five-day backfill with parallelism 2: preview, start, progress, no more than 2 at once", async ({ page, api }, testInfo) => {
  test.setTimeout(180_000);
  const nonce = randomBytes(6).toString("hex");
  const pipeline = await api.pushPipeline("backfill", spec(nonce, 2));
  // Daily at midnight UTC, paused: it never fires on its own during the test.
  const schedule = await createSchedule({
    name: `e2e-daily-${nonce}`,
    pipeline,
    trigger: { kind: "cron", cron: "0 0 * * *", timezone: "UTC" },
    params: { day: "${{ schedule.logical_date }}" },
    paused: true,
  });
  created.push(schedule.id);

  await page.goto(`/projects/default/schedules/${schedule.id}`);
  await expect(page.getByTestId("paused-badge")).toBeVisible();
  await page.getByRole("button", { name: "Backfill…" }).click();
  const dialog = page.getByRole("dialog", { name: "Backfill" });
  await dialog.getByLabel("First day").fill("2025-06-01");
  await dialog.getByLabel("Last day (inclusive)").fill("2025-06-05");
  await dialog.getByLabel("Parallel runs").fill("2");
  await expect(dialog.getByLabel("Intervals that already ran")).toHaveValue("skip-succeeded");
  await expect(dialog.getByRole("button", { name: "Start backfill" })).toBeDisabled();

  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByTestId("backfill-preview-count")).toContainText("5 intervals: 5 to run");
  const intervals = dialog.getByTestId("backfill-interval");
  await expect(intervals).toHaveCount(5);
  await expect(dialog.locator('[data-testid="backfill-interval"][data-action="run"]')).toHaveCount(5);
  await expect(intervals.first()).toContainText("Sun 1 Jun 2025, 00:00 UTC");
  await expect(intervals.last()).toContainText("Thu 5 Jun 2025, 00:00 UTC");
  await page.screenshot({ path: testInfo.outputPath("backfill-preview.png") });

  await dialog.getByRole("button", { name: "Start backfill" }).click();
  await expect(dialog).toBeHidden();
  const card = page.getByTestId("backfill-card").first();
  await expect(card).toBeVisible();
  await expect(card.getByTestId("backfill-progress")).toContainText("5 succeeded", { timeout: 120_000 });
  await expect(card).toHaveAttribute("data-state", "succeeded");
  await expect(card.getByTestId("backfill-progress")).toContainText("5/5 done");
  await expect(page.locator('[data-testid="scheduled-run-row"][data-backfill]')).toHaveCount(5);
  await page.screenshot({ path: testInfo.outputPath("backfill-done.png"), fullPage: true });

  // One run per interval, and never more than two running at the same time.
  const rows = (await scheduledRuns(schedule.id)).filter((r) => r.backfillId);
  expect(rows.map((r) => r.logicalTime).sort()).toEqual(["2025-06-01", "2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05"].map((d) => `${d}T00:00:00.000Z`));
  const runIds = new Set(rows.map((r) => r.run?.id));
  expect(runIds.size).toBe(5);
  const runs = await Promise.all([...runIds].map((rid) => api.getRun(rid!) as Promise<RunDetail & { startedAt: string | null }>));
  expect(runs.map((r) => r.status)).toEqual(Array(5).fill("succeeded"));
  expect(runs.map((r) => r.params.day).sort()).toEqual(rows.map((r) => r.logicalTime).sort());
  expect(runs.every((r) => r.startedAt && r.finishedAt)).toBe(true);
  expect(maxOverlap(runs)).toBeLessThanOrEqual(2);
});

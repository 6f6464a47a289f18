import { randomBytes } from "node:crypto";
import { API_URL, PROJECT, authHeaders } from "./support/env";
import { dagNode, expect, runStatus, test } from "./support/fixtures";

/**
 * Containers, resource requests, GPUs and recorded environments, as the UI shows them.
 *
 * Needs the e2e worker to offer two GPUs (`TRELLIS_WORKER_GPUS=0,1`) and the container executor
 * (a Docker API at DOCKER_HOST or a local socket, e.g. Podman's /run/podman/podman.sock), with
 * the image `trellis-python:latest` (scripts/build-python-image.sh).
 *
 * The nonce keeps cache keys new: the e2e database, and so its cache, outlives a session.
 */
function spec(nonce: string): string {
  return `
steps:
  featurize:
    executor: container
    image: trellis-python:latest
    resources: { memory: 256Mi, cpu: 1 }
    run: |
      python3 - <<'PY'
      import time
      buf = bytearray(50 * 1024 * 1024)
      for i in range(0, len(buf), 4096):
          buf[i] = 1
      # Hold the memory for a moment so the usage sampler sees it.
      time.sleep(1.5)
      print("allocated %d MiB (${nonce})" % (len(buf) // 2**20))
      PY
  train:
    needs: [featurize]
    resources: { gpu: 1 }
    run: echo "gpus=$CUDA_VISIBLE_DEVICES (${nonce})"
`;
}

interface WorkerView {
  id: string;
  capacity: { executors: string[]; gpus: string[] };
}

async function workers(): Promise<WorkerView[]> {
  const res = await fetch(`${API_URL}/workers`, { headers: authHeaders() });
  expect(res.ok, `GET /workers: HTTP ${res.status}`).toBe(true);
  return ((await res.json()) as { items: WorkerView[] }).items;
}

async function cancelRun(id: string): Promise<void> {
  // 409: it already ended.
  const res = await fetch(`${API_URL}/projects/${PROJECT}/runs/${id}/cancel`, { method: "POST", headers: authHeaders() });
  if (!res.ok && res.status !== 409) throw new Error(`cancel ${id}: HTTP ${res.status} ${await res.text()}`);
}

test.beforeAll(async () => {
  const live = await workers();
  expect(
    live.some((w) => w.capacity.gpus.length === 2 && w.capacity.executors.includes("container")),
    "the e2e worker should offer 2 GPUs (TRELLIS_WORKER_GPUS=0,1) and the container executor",
  ).toBe(true);
});

test("a container step shows its image, request, peak and environment; a GPU step its device; the workers page its GPUs", async ({ page, api }, testInfo) => {
  test.setTimeout(120_000);
  const pipeline = await api.pushPipeline("resources", spec(randomBytes(6).toString("hex")));
  const run = await api.waitForEnd((await api.startRun(pipeline)).id, 90_000);
  expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");

  await page.goto(`/projects/default/runs/${run.id}?step=featurize`);
  await expect(runStatus(page)).toHaveAttribute("data-status", "succeeded");
  // A small container marker on the DAG node, none on the shared step; the GPU step shows its request.
  await expect(page.getByTestId("dag-container-featurize")).toBeVisible();
  await expect(page.getByTestId("dag-container-train")).toHaveCount(0);
  await expect(page.getByTestId("dag-gpu-train")).toHaveText("1");

  // Where it ran and what it asked for, next to what it used.
  const panel = page.getByRole("complementary", { name: "Step featurize" });
  await expect(panel.getByTestId("step-executor")).toHaveAttribute("data-executor", "container");
  await expect(panel.getByTestId("step-image")).toHaveText("trellis-python:latest");
  const resources = panel.getByTestId("step-resources");
  await expect(resources.getByTestId("resource-memory-request")).toHaveText("256Mi");
  await expect(resources.getByTestId("resource-memory-peak")).toHaveText(/^\d+(\.\d)?(B|Ki|Mi|Gi)$/);
  await expect(resources.getByTestId("resource-memory-bar")).toBeVisible();
  await expect(resources.getByTestId("resource-cpu-request")).toHaveText("1 core");
  await expect(panel.getByRole("log", { name: "Step log" })).toContainText("allocated 50 MiB");

  // The environment is fetched when the section opens: the image's id and its Python.
  const environment = panel.getByTestId("step-environment");
  await expect(environment.getByTestId("env-details")).toHaveCount(0);
  await environment.getByRole("button", { name: /Environment/ }).click();
  await expect(environment.getByTestId("env-details")).toHaveAttribute("data-executor", "container");
  await expect(environment.getByTestId("env-image-id")).toHaveText(/^sha256:[0-9a-f]{12}$/);
  await expect(environment.getByTestId("env-python")).toContainText(/^3\.\d+\.\d+/);
  await page.screenshot({ path: testInfo.outputPath("container-step-panel.png") });

  // The shared GPU step got one of the worker's two devices, and saw it in CUDA_VISIBLE_DEVICES.
  await dagNode(page, "train").click();
  const trainPanel = page.getByRole("complementary", { name: "Step train" });
  await expect(trainPanel.getByTestId("step-executor")).toHaveAttribute("data-executor", "shared");
  const device = trainPanel.getByTestId("resource-gpu-devices").getByTestId("gpu-device");
  await expect(device).toHaveCount(1);
  await expect(device).toHaveText(/^[01]$/);
  const id = (await device.textContent())!.trim();
  await expect(trainPanel.getByRole("log", { name: "Step log" })).toContainText(`gpus=${id}`);
  await page.screenshot({ path: testInfo.outputPath("gpu-step-panel.png") });

  // The workers page, from the top nav: a live worker with two GPU devices.
  await page.getByRole("link", { name: "Workers", exact: true }).click();
  await expect(page).toHaveURL(/\/workers$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Workers");
  const card = page.getByTestId("worker-card").filter({ has: page.getByTestId("worker-gpus") }).first();
  await expect(card.getByTestId("worker-gpu")).toHaveCount(2);
  await expect(card.getByTestId("worker-executors")).toContainText("container");
  await expect(card.getByTestId("worker-slots")).toHaveText(/^\d+ \/ \d+ running$/);
  await page.screenshot({ path: testInfo.outputPath("workers-page.png") });
});

test("a step no worker can run says why, on the DAG and in its panel", async ({ page, api }, testInfo) => {
  const pipeline = await api.pushPipeline("resources-gpu4", `
steps:
  big:
    resources: { gpu: 4 }
    run: echo "never runs here (${randomBytes(6).toString("hex")})"
`);
  const run = await api.startRun(pipeline);
  try {
    await page.goto(`/projects/default/runs/${run.id}`);
    const node = dagNode(page, "big");
    await expect(node).toHaveAttribute("data-status", "queued");
    await expect(node).toHaveAttribute("data-waiting", /^no worker can run it: .*needs 4/);
    await expect(page.getByTestId("dag-waiting-big")).toHaveText("no worker can run it");

    await node.click();
    const panel = page.getByRole("complementary", { name: "Step big" });
    await expect(panel.getByTestId("step-waiting")).toBeVisible();
    await expect(panel.getByTestId("step-waiting-reason")).toContainText("No worker can run it");
    await expect(panel.getByTestId("step-waiting-reason")).toContainText("the step needs 4");
    await expect(panel.getByTestId("resource-gpu")).toContainText("4 requested");
    await page.screenshot({ path: testInfo.outputPath("waiting-step.png") });

    // Leave nothing queued behind.
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.getByRole("dialog", { name: "Cancel this run?" }).getByRole("button", { name: "Cancel run" }).click();
    await expect(runStatus(page)).toHaveAttribute("data-status", "cancelled");
    await expect(panel.getByTestId("step-waiting")).toBeHidden();
  } finally {
    await cancelRun(run.id);
  }
});

test("an out-of-memory kill is retried with more memory, and the attempts say so", async ({ page, api }, testInfo) => {
  test.setTimeout(120_000);
  const pipeline = await api.pushPipeline("resources-oom", `
steps:
  hungry:
    executor: container
    resources: { memory: 64Mi }
    retries: { onOOM: { memoryFactor: 2, maxMemory: 256Mi } }
    run: |
      python3 - <<'PY'
      buf = bytearray(100 * 1024 * 1024)
      for i in range(0, len(buf), 4096):
          buf[i] = 1
      print("fitted (${randomBytes(6).toString("hex")})")
      PY
`);
  const run = await api.waitForEnd((await api.startRun(pipeline)).id, 90_000);
  expect(run.status, JSON.stringify(run.steps)).toBe("succeeded");

  await page.goto(`/projects/default/runs/${run.id}?step=hungry`);
  const panel = page.getByRole("complementary", { name: "Step hungry" });
  // The latest attempt had twice the memory; the first one was killed at its limit.
  await expect(panel.getByTestId("step-resources").getByTestId("resource-memory-request")).toHaveText("128Mi");
  const attempts = panel.getByTestId("step-attempts");
  await expect(attempts.locator('[data-attempt="1"]').getByTestId("attempt-memory")).toHaveText("64Mi");
  await expect(attempts.locator('[data-attempt="1"]').getByTestId("attempt-oom")).toBeVisible();
  await expect(attempts.locator('[data-attempt="1"]')).toContainText("exceeded memory limit 64Mi");
  await expect(attempts.locator('[data-attempt="2"]').getByTestId("attempt-memory")).toHaveText("128Mi");
  await expect(attempts.locator('[data-attempt="2"]').getByTestId("attempt-oom")).toHaveCount(0);

  // Showing attempt 1: its memory bar is full and red.
  await attempts.getByRole("button", { name: "Show log of attempt 1" }).click();
  const resources = panel.getByTestId("step-resources");
  await expect(resources.getByTestId("resource-memory-request")).toHaveText("64Mi");
  await expect(resources.getByTestId("resource-memory-bar")).toHaveAttribute("data-tone", "red");
  await expect(resources.getByTestId("resource-oom")).toContainText("Killed for memory");
  await page.screenshot({ path: testInfo.outputPath("oom-retry.png") });
});

import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { ADMIN_EMAIL } from "./support/env";
import { createServiceToken, expect, getModel, modelEvents, registerModelVersion, runOutputs, test } from "./support/fixtures";

/**
 * The model registry from the browser: register a run's model artifact, set a promotion gate,
 * promote with a comment, see a promotion blocked by the gate (and by how much), override it
 * with a reason, and find all of it in the audit trail; webhooks and their delivery log.
 *
 * `train` writes a model directory and logs its accuracy (the `acc` param). The nonce keeps
 * every cache key new (the e2e database, and so its cache, outlives a session).
 */
function spec(nonce: string): string {
  return `
params:
  acc: { type: number, default: 0.9 }
steps:
  train:
    run: |
      mkdir -p "\${{ outputs.model }}"
      echo '{"acc": \${{ params.acc }}, "nonce": "${nonce}"}' > "\${{ outputs.model }}/weights.json"
      echo "::metric name=accuracy value=\${{ params.acc }}"
    outputs: { model: { type: model } }
`;
}

/** A tab of the model page (the audit trail has its own filter tabs). */
function section(page: Page, name: RegExp) {
  return page.getByRole("tablist", { name: "Model sections" }).getByRole("tab", { name });
}

const versionRow = (page: Page, version: number) => page.locator(`[data-testid="version-row"][data-version="${version}"]`);

test("register, gate, promote, blocked promotion, override, and the audit trail", async ({ page, api, consoleGuard }, testInfo) => {
  test.setTimeout(120_000);
  const nonce = randomBytes(6).toString("hex");
  const model = `e2e-model-${nonce}`;
  const pipeline = await api.pushPipeline("registry", spec(nonce));
  const [first, second] = await Promise.all([api.startRun(pipeline, { acc: 0.9 }), api.startRun(pipeline, { acc: 0.8 })]);
  const [run1, run2] = await Promise.all([api.waitForEnd(first!.id), api.waitForEnd(second!.id)]);
  expect(run1.status).toBe("succeeded");
  expect(run2.status).toBe("succeeded");
  const artifact1 = (await runOutputs(run1.id)).find((a) => a.step === "train" && a.name === "model");
  expect(artifact1?.type).toBe("model");

  // Who acts: the audit trail records the signed-in user (the browser is the admin) and tokens by name.
  const admin = ADMIN_EMAIL;
  const ciBot = await createServiceToken("default", `ci-bot-${nonce}`, "editor");
  const ciBotActor = `token "ci-bot-${nonce}"`;

  // v1 from the UI: "Register model" on the model artifact, creating the model.
  await page.goto(`/projects/default/artifacts/${artifact1!.id}`);
  await page.getByTestId("register-model").click();
  let dialog = page.getByRole("dialog", { name: "Register model" });
  await expect(dialog).toContainText(`train.model of run`);
  await dialog.getByLabel("Model", { exact: true }).fill(model);
  await expect(dialog).toContainText(`New model: ${model} is created with this artifact as v1.`);
  await page.screenshot({ path: testInfo.outputPath("register-model.png") });
  await dialog.getByRole("button", { name: "Register", exact: true }).click();
  await expect(dialog.getByTestId("register-done")).toContainText(`Registered as ${model} v1`);
  await dialog.getByRole("link", { name: "Open v1" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/default/models/${model}\\?version=1$`));
  await expect(page.getByTestId("model-name")).toHaveText(model);
  await expect(page.getByTestId("version-detail")).toHaveAttribute("data-version", "1");

  // v2 through the API, with a service token.
  expect(await registerModelVersion(model, { runId: run2.id, stepName: "train", outputName: "model" }, ciBot)).toMatchObject({
    version: 2,
    stage: "None",
    createdBy: ciBotActor,
  });

  // The policy: a bad gate is answered on its line; then the real one.
  await section(page, /^Policy/).click();
  const gates = page.getByLabel("Gates for promotion to Production");
  await gates.fill("accuracy >> production.accuracy");
  consoleGuard.allow(/status of 400 .*\/models\//);
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByTestId("gate-errors")).toContainText('Line 1: cannot read gate "accuracy >> production.accuracy"');
  await page.screenshot({ path: testInfo.outputPath("policy-error.png") });
  await gates.fill("accuracy >= production.accuracy");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByTestId("policy-editor")).toContainText("Saved");
  expect((await getModel(model)).policy.gates).toEqual(["accuracy >= production.accuracy"]);

  // Promote v1 to Production with a comment: no Production version yet, so the gate passes.
  await section(page, /^Versions/).click();
  await expect(versionRow(page, 2)).toBeVisible();
  await expect(versionRow(page, 1).locator('[data-metric="accuracy"]')).toHaveText("0.9");
  await versionRow(page, 1).getByRole("button", { name: "Change the stage of v1" }).click();
  dialog = page.getByRole("dialog", { name: "Change the stage of v1" });
  await expect(dialog.getByLabel("Target stage")).toHaveValue("Production");
  await expect(dialog.getByTestId("gate-dry-run").getByTestId("gate-result")).toHaveAttribute("data-passed", "true");
  await expect(dialog.getByTestId("gate-dry-run")).toContainText("no Production version to compare with");
  await expect(dialog.getByTestId("override")).toHaveCount(0);
  await dialog.getByLabel("Comment").fill("First model to serve: validated on the March holdout");
  await dialog.getByRole("button", { name: "Promote to Production" }).click();
  await expect(page.getByTestId("promotion-notice")).toContainText("v1 moved from None to Production.");
  await expect(versionRow(page, 1)).toHaveAttribute("data-stage", "Production");
  await expect(versionRow(page, 1).getByTestId("version-stage")).toHaveText("Production");
  await expect(page.getByTestId("summary-production")).toContainText("v1");

  await section(page, /^Audit trail/).click();
  let event = page.getByTestId("audit-event").first();
  await expect(event).toHaveAttribute("data-kind", "stage_changed");
  await expect(event).toHaveAttribute("data-version", "1");
  await expect(event).toContainText(`${admin} promoted v1 to Production`);
  await expect(event.getByTestId("audit-comment")).toHaveText("First model to serve: validated on the March holdout");

  // Promote v2 (accuracy 0.8 against Production's 0.9): the dry run shows the failing gate before anything is sent.
  await section(page, /^Versions/).click();
  await versionRow(page, 2).getByRole("button", { name: "Change the stage of v2" }).click();
  dialog = page.getByRole("dialog", { name: "Change the stage of v2" });
  const failing = dialog.getByTestId("gate-dry-run").locator('[data-testid="gate-result"][data-passed="false"]');
  await expect(failing).toContainText("accuracy >= production.accuracy");
  await expect(failing).toContainText("accuracy is 0.8 against 0.9, short by 0.1");
  await expect(dialog.getByTestId("gates-summary")).toHaveText("1 of 1 failing");
  await expect(dialog.getByRole("checkbox", { name: /Override the failing gates/ })).not.toBeChecked();
  await page.screenshot({ path: testInfo.outputPath("promote-dry-run.png") });

  // Submitted anyway: the API blocks it and says by how much.
  consoleGuard.allow(/status of 409 .*\/versions\/2\/stage/);
  await dialog.getByLabel("Comment").fill("Smaller and faster");
  await dialog.getByRole("button", { name: "Promote to Production" }).click();
  const blocked = dialog.getByTestId("promotion-blocked");
  await expect(blocked).toContainText("Promotion blocked: a gate failed");
  await expect(blocked).toContainText("accuracy >= production.accuracy: failed, accuracy is 0.8 against 0.9, short by 0.1");
  expect((await getModel(model)).versions.map((v) => [v.version, v.stage])).toEqual([
    [2, "None"],
    [1, "Production"],
  ]);
  await page.screenshot({ path: testInfo.outputPath("promote-blocked.png") });

  // The override needs a reason.
  await dialog.getByRole("checkbox", { name: /Override the failing gates/ }).check();
  await expect(dialog.getByTestId("override")).toContainText("Admin action");
  const reason = "Latency SLO matters more this quarter; the 0.1 accuracy drop was accepted (ML-42)";
  await dialog.getByLabel("Reason for overriding").fill(reason);
  await page.screenshot({ path: testInfo.outputPath("promote-override.png") });
  await dialog.getByRole("button", { name: "Override and promote" }).click();
  await expect(dialog).toBeHidden();
  const notice = page.getByTestId("promotion-notice");
  await expect(notice).toContainText("v2 moved from None to Production. v1 was archived.");
  await expect(notice).toContainText("Failing gates were overridden");
  await expect(versionRow(page, 2)).toHaveAttribute("data-stage", "Production");
  await expect(versionRow(page, 1)).toHaveAttribute("data-stage", "Archived");
  await page.screenshot({ path: testInfo.outputPath("promoted-v2.png") });

  // The audit trail: the archiving of v1, the overridden promotion with its reason and gate results.
  await section(page, /^Audit trail/).click();
  event = page.getByTestId("audit-event").first();
  await expect(event).toHaveAttribute("data-version", "1");
  await expect(event).toContainText(`${admin} archived v1`);
  const override = page.locator('[data-testid="audit-event"][data-version="2"][data-kind="stage_changed"]');
  await expect(override).toContainText(`${admin} promoted v2 to Production, overriding failed gates`);
  await expect(override.getByTestId("audit-comment")).toHaveText("Smaller and faster");
  await expect(override.getByTestId("audit-override")).toContainText(reason);
  await expect(override.locator('[data-testid="gate-result"][data-passed="false"]')).toContainText("short by 0.1");
  await expect(page.locator('[data-testid="audit-event"][data-kind="version_created"][data-version="2"]')).toContainText(`${ciBotActor} registered v2`);
  await expect(page.locator('[data-testid="audit-event"][data-kind="version_created"][data-version="1"]')).toContainText(`${admin} registered v1`);
  await page.screenshot({ path: testInfo.outputPath("audit-trail.png"), fullPage: true });
  const events = await modelEvents(model);
  expect(events.find((e) => e.kind === "stage_changed" && e.version === 2)).toMatchObject({
    actor: admin,
    fromStage: "None",
    toStage: "Production",
    comment: "Smaller and faster",
    overrideReason: reason,
    gateResults: [{ gate: "accuracy >= production.accuracy", passed: false }],
  });

  // Candidate versus Production: v1 is better on accuracy by 0.1.
  await section(page, /^Compare/).click();
  await page.getByLabel("Candidate version").selectOption("1");
  const accuracy = page.getByTestId("metric-comparison").locator('tr[data-metric="accuracy"]');
  await expect(accuracy).toHaveAttribute("data-verdict", "better");
  await expect(accuracy.getByTestId("metric-delta")).toHaveText("+0.1");
  await expect(page.getByTestId("metric-bars")).toBeVisible();

  // The models list.
  await page.goto("/projects/default/models");
  await page.getByRole("searchbox", { name: "Search models" }).fill(nonce);
  await expect(page.getByTestId("model-row")).toHaveCount(1);
  await expect(page.getByTestId("model-row")).toContainText("v2");
  await expect(page.locator(`[data-testid="model-row"][data-model="${model}"]`)).toContainText("Production");
});

test("webhooks: the secret shown once, HMAC-signed deliveries and the delivery log", async ({ page, api }, testInfo) => {
  test.setTimeout(90_000);
  const received: { event: string; signature: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ event: String(req.headers["x-trellis-event"]), signature: String(req.headers["x-trellis-signature"]), body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  try {
    const nonce = randomBytes(6).toString("hex");
    const model = `e2e-hooks-${nonce}`;
    const pipeline = await api.pushPipeline("hooks", spec(nonce));
    const run = await api.waitForEnd((await api.startRun(pipeline, { acc: 0.7 })).id);
    expect(run.status).toBe("succeeded");
    await registerModelVersion(model, { runId: run.id, outputName: "model", createModel: true });

    await page.goto(`/projects/default/models/${model}?tab=webhooks`);
    await page.getByRole("button", { name: "Add webhook" }).click();
    const dialog = page.getByRole("dialog", { name: "Add webhook" });
    await dialog.getByLabel("Payload URL").fill(url);
    await dialog.getByRole("checkbox", { name: /version_created/ }).uncheck();
    await dialog.getByRole("button", { name: "Add webhook" }).click();
    const created = page.getByRole("dialog", { name: "Webhook created" });
    await expect(created).toContainText("it is shown only this once");
    const secret = (await created.getByTestId("webhook-secret-value").textContent())!.trim();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    await page.screenshot({ path: testInfo.outputPath("webhook-secret.png") });
    await created.getByRole("button", { name: "I've copied it" }).click();
    const hook = page.getByTestId("webhook");
    await expect(hook).toContainText(url);
    await expect(hook).toContainText("this model");

    // An event: promoting v1 to Staging (stage_changed) from the page.
    await section(page, /^Versions/).click();
    await versionRow(page, 1).getByRole("button", { name: "Change the stage of v1" }).click();
    const promote = page.getByRole("dialog", { name: "Change the stage of v1" });
    await promote.getByLabel("Target stage").selectOption("Staging");
    await promote.getByRole("button", { name: "Move to Staging" }).click();
    await expect(versionRow(page, 1)).toHaveAttribute("data-stage", "Staging");
    await expect.poll(() => received.length, { message: "the receiver should get the event", timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    const delivery = received[0]!;
    expect(delivery.event).toBe("stage_changed");
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.signature) ?? [];
    expect(v1, "signature header").toBe(createHmac("sha256", secret).update(`${t}.${delivery.body}`).digest("hex"));
    expect(JSON.parse(delivery.body)).toMatchObject({ event: "stage_changed", model, version: 1, fromStage: "None", toStage: "Staging" });

    // The delivery log: status, the attempt with its HTTP status, the payload; Redeliver sends it again.
    await section(page, /^Webhooks/).click();
    await expect(page.getByTestId("webhook-last-delivery")).toContainText("succeeded", { ignoreCase: true });
    await page.getByTestId("webhook").getByTestId("webhook-toggle").click();
    const row = page.getByTestId("delivery-log").getByTestId("delivery");
    await expect(row).toHaveAttribute("data-status", "succeeded");
    await row.getByRole("button", { name: "stage_changed" }).click();
    await expect(page.getByTestId("delivery-attempt")).toHaveCount(1);
    await expect(page.getByTestId("delivery-attempt")).toContainText("200");
    await expect(page.getByTestId("delivery-payload")).toContainText(`"model": "${model}"`);
    await row.getByRole("button", { name: "Redeliver" }).click();
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId("delivery-attempt")).toHaveCount(2, { timeout: 20_000 });
    await page.screenshot({ path: testInfo.outputPath("webhook-delivery-log.png"), fullPage: true });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

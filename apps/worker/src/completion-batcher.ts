import { completeSucceededSteps, type EngineContext, type SucceededStep } from "@trellis/engine";

interface Pending {
  step: SucceededStep;
  resolve(applied: boolean): void;
  reject(err: unknown): void;
}

/**
 * Group commit for successful steps: while one batch is being written, newly finished steps
 * wait and go together in the next one. An idle worker writes a lone step at once.
 */
export class CompletionBatcher {
  private pending: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly maxBatch = 100,
  ) {}

  /** Resolves to whether the report was applied (false: the attempt was no longer ours). */
  submit(step: SucceededStep): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ step, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const applied = await completeSucceededSteps(
          this.ctx,
          batch.map((p) => p.step),
        );
        for (const p of batch) p.resolve(applied.has(p.step.stepId));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.flushing = false;
  }
}

import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUE_PREFIX, sweepSchedules, tickSchedule, type EngineContext } from "@trellis/engine";

interface TickJob {
  scheduleId: string;
}

/** Next to the step queue, so installations (and test suites) that share a Redis stay apart. */
export function scheduleQueueName(stepQueueName: string): string {
  return `${stepQueueName}-schedules`;
}

export interface ScheduleDriverHandle {
  close(): Promise<void>;
}

/**
 * Drives schedules: one BullMQ job scheduler per active schedule fires a tick at each cron time
 * (in the schedule's time zone) or interval, and every `sweepMs` a sweep ticks every schedule
 * (ticks missed while Trellis was down or lost in Redis), finishes interrupted run creation and
 * advances backfills. What a tick does is decided in Postgres (tickSchedule), so the ticks of
 * several workers, or of a worker and the sweep, never create a run twice.
 */
export function startScheduleDriver(options: {
  ctx: EngineContext;
  connection: Redis;
  queueName: string;
  log: (message: string, fields?: Record<string, unknown>) => void;
  sweepMs?: number;
}): ScheduleDriverHandle {
  const { ctx, log } = options;
  const name = scheduleQueueName(options.queueName);
  const queue = new Queue<TickJob>(name, { connection: options.connection, prefix: QUEUE_PREFIX, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const worker = new Worker<TickJob>(
    name,
    async (job: Job<TickJob>) => {
      // The tick's own due time: a worker whose clock runs a little behind Redis's still sees it due.
      const due = job.timestamp + (job.delay ?? 0);
      await tickSchedule(ctx, job.data.scheduleId, new Date(Math.max(Date.now(), due)));
    },
    { connection: options.connection, prefix: QUEUE_PREFIX, concurrency: 4 },
  );
  worker.on("error", (err) => log("schedule queue error", { error: String(err) }));

  /** What each job scheduler was last set to, so unchanged schedules cost nothing. */
  const synced = new Map<string, string>();
  async function syncJobSchedulers(): Promise<void> {
    const schedules = await ctx.db.schedule.findMany({ select: { id: true, kind: true, cron: true, timezone: true, intervalSeconds: true, startAt: true, paused: true } });
    const wanted = new Set<string>();
    for (const s of schedules) {
      if (s.paused) continue;
      const id = `schedule-${s.id}`;
      wanted.add(id);
      const repeat = s.kind === "interval" ? { every: (s.intervalSeconds ?? 60) * 1000, startDate: s.startAt } : { pattern: s.cron ?? "", tz: s.timezone };
      const signature = JSON.stringify(repeat);
      if (synced.get(id) === signature) continue;
      await queue.upsertJobScheduler(id, repeat, { name: "tick", data: { scheduleId: s.id } });
      synced.set(id, signature);
    }
    for (const scheduler of await queue.getJobSchedulers(0, -1)) {
      if (!wanted.has(scheduler.key)) {
        await queue.removeJobScheduler(scheduler.key);
        synced.delete(scheduler.key);
      }
    }
  }

  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await syncJobSchedulers();
      await sweepSchedules(ctx);
    } catch (err) {
      log("schedule sweep failed", { error: String(err) });
    } finally {
      sweeping = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), options.sweepMs ?? 5_000);

  return {
    async close() {
      clearInterval(timer);
      await worker.close();
      await queue.close();
    },
  };
}

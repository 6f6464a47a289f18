-- CreateTable
CREATE TABLE "Schedule" (
    "id" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "pipelineId" UUID NOT NULL,
    "pipelineVersion" INTEGER,
    "kind" TEXT NOT NULL,
    "cron" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "intervalSeconds" INTEGER,
    "params" JSONB NOT NULL DEFAULT '{}',
    "startAt" TIMESTAMP(3) NOT NULL,
    "endAt" TIMESTAMP(3),
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "concurrency" TEXT NOT NULL DEFAULT 'allow',
    "maxConcurrent" INTEGER NOT NULL DEFAULT 1,
    "catchup" BOOLEAN NOT NULL DEFAULT false,
    "lastFireAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScheduledRun" (
    "id" UUID NOT NULL,
    "scheduleId" UUID NOT NULL,
    "backfillId" UUID,
    "logicalTime" TIMESTAMP(3) NOT NULL,
    "intervalStart" TIMESTAMP(3) NOT NULL,
    "intervalEnd" TIMESTAMP(3) NOT NULL,
    "state" TEXT NOT NULL,
    "runId" UUID,
    "reason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ScheduledRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Backfill" (
    "id" UUID NOT NULL,
    "scheduleId" UUID NOT NULL,
    "rangeStart" TIMESTAMP(3) NOT NULL,
    "rangeEnd" TIMESTAMP(3) NOT NULL,
    "maxParallel" INTEGER NOT NULL,
    "reprocess" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'running',
    "total" INTEGER NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Backfill_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_projectId_name_key" ON "Schedule"("projectId", "name");

-- CreateIndex
CREATE INDEX "ScheduledRun_scheduleId_logicalTime_idx" ON "ScheduledRun"("scheduleId", "logicalTime");

-- CreateIndex
CREATE INDEX "ScheduledRun_backfillId_state_idx" ON "ScheduledRun"("backfillId", "state");

-- CreateIndex
CREATE INDEX "ScheduledRun_state_updatedAt_idx" ON "ScheduledRun"("state", "updatedAt");

-- AddForeignKey
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScheduledRun" ADD CONSTRAINT "ScheduledRun_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScheduledRun" ADD CONSTRAINT "ScheduledRun_backfillId_fkey" FOREIGN KEY ("backfillId") REFERENCES "Backfill"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Backfill" ADD CONSTRAINT "Backfill_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Exactly once: one row per logical time of a schedule's own ticks, and per backfill.
CREATE UNIQUE INDEX "ScheduledRun_tick_key" ON "ScheduledRun" ("scheduleId", "logicalTime") WHERE "backfillId" IS NULL;
CREATE UNIQUE INDEX "ScheduledRun_backfill_key" ON "ScheduledRun" ("backfillId", "logicalTime") WHERE "backfillId" IS NOT NULL;

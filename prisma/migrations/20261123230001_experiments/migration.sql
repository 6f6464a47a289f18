-- CreateEnum
CREATE TYPE "RunSource" AS ENUM ('pipeline', 'mlflow');

-- CreateEnum
CREATE TYPE "RunOrigin" AS ENUM ('rerun', 'retry');

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "experimentId" INTEGER,
ADD COLUMN     "idempotencyKey" TEXT,
ADD COLUMN     "name" TEXT,
ADD COLUMN     "note" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "origin" "RunOrigin",
ADD COLUMN     "originRunId" UUID,
ADD COLUMN     "source" "RunSource" NOT NULL DEFAULT 'pipeline',
ADD COLUMN     "tags" JSONB NOT NULL DEFAULT '{}',
ALTER COLUMN "pipelineId" DROP NOT NULL,
ALTER COLUMN "pipelineVersionId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "Step" ADD COLUMN     "reusedFromRunId" UUID;

-- CreateTable
CREATE TABLE "Experiment" (
    "id" SERIAL NOT NULL,
    "projectId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "tags" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Experiment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetricPoint" (
    "id" BIGSERIAL NOT NULL,
    "runId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "step" BIGINT NOT NULL,
    "timestamp" BIGINT NOT NULL,

    CONSTRAINT "MetricPoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetricSummary" (
    "runId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "last" DOUBLE PRECISION NOT NULL,
    "lastStep" BIGINT NOT NULL,
    "lastTimestamp" BIGINT NOT NULL,
    "min" DOUBLE PRECISION,
    "max" DOUBLE PRECISION,
    "count" INTEGER NOT NULL,
    "bucketWidth" DOUBLE PRECISION NOT NULL,
    "buckets" BYTEA NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MetricSummary_pkey" PRIMARY KEY ("runId","key")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "Experiment_projectId_name_key" ON "Experiment"("projectId", "name");

-- CreateIndex
CREATE INDEX "MetricPoint_runId_key_step_timestamp_idx" ON "MetricPoint"("runId", "key", "step", "timestamp");

-- CreateIndex
CREATE INDEX "MetricSummary_key_last_idx" ON "MetricSummary"("key", "last");

-- CreateIndex
CREATE INDEX "Run_experimentId_createdAt_id_idx" ON "Run"("experimentId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "Run_projectId_idempotencyKey_key" ON "Run"("projectId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "Experiment" ADD CONSTRAINT "Experiment_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_originRunId_fkey" FOREIGN KEY ("originRunId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MetricPoint" ADD CONSTRAINT "MetricPoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MetricSummary" ADD CONSTRAINT "MetricSummary_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Existing runs: each goes to an experiment named after its pipeline.
INSERT INTO "Experiment" ("projectId", "name", "updatedAt")
SELECT DISTINCT p."projectId", p."name", CURRENT_TIMESTAMP FROM "Run" r JOIN "Pipeline" p ON p."id" = r."pipelineId";
UPDATE "Run" r SET "experimentId" = e."id"
FROM "Pipeline" p, "Experiment" e
WHERE p."id" = r."pipelineId" AND e."projectId" = p."projectId" AND e."name" = p."name";
ALTER TABLE "Run" ALTER COLUMN "experimentId" SET NOT NULL;

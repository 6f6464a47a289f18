-- AlterTable
ALTER TABLE "Step" ADD COLUMN     "placement" JSONB;

-- AlterTable
ALTER TABLE "StepAttempt" ADD COLUMN     "environmentDigest" TEXT,
ADD COLUMN     "gpuDevices" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "placement" JSONB,
ADD COLUMN     "usage" JSONB;

-- AlterTable
ALTER TABLE "Worker" ADD COLUMN     "capacity" JSONB;

-- CreateTable
CREATE TABLE "Environment" (
    "digest" TEXT NOT NULL,
    "info" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Environment_pkey" PRIMARY KEY ("digest")
);

-- AlterTable
ALTER TABLE "StepAttempt" ADD COLUMN     "oomKilled" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "MetricPoint" ADD COLUMN     "stepName" TEXT;

-- AlterTable
ALTER TABLE "Step" ADD COLUMN     "dependents" TEXT[];

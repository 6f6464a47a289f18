-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "noCache" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Step" ADD COLUMN     "cacheKey" TEXT,
ADD COLUMN     "cacheKeyParts" JSONB,
ADD COLUMN     "cachedFromRunId" UUID,
ADD COLUMN     "cachedFromStep" TEXT,
ADD COLUMN     "runReason" JSONB;

-- CreateTable
CREATE TABLE "Artifact" (
    "id" UUID NOT NULL,
    "digest" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "fileCount" INTEGER NOT NULL DEFAULT 1,
    "storageKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Artifact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArtifactLink" (
    "id" UUID NOT NULL,
    "artifactId" UUID NOT NULL,
    "runId" UUID NOT NULL,
    "stepId" UUID NOT NULL,
    "stepName" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArtifactLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CacheEntry" (
    "key" TEXT NOT NULL,
    "projectId" UUID NOT NULL,
    "outputs" JSONB NOT NULL,
    "artifactIds" UUID[],
    "runId" UUID NOT NULL,
    "stepName" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CacheEntry_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "Artifact_digest_key" ON "Artifact"("digest");

-- CreateIndex
CREATE INDEX "ArtifactLink_artifactId_direction_idx" ON "ArtifactLink"("artifactId", "direction");

-- CreateIndex
CREATE INDEX "ArtifactLink_runId_idx" ON "ArtifactLink"("runId");

-- CreateIndex
CREATE UNIQUE INDEX "ArtifactLink_stepId_direction_name_key" ON "ArtifactLink"("stepId", "direction", "name");

-- CreateIndex
CREATE INDEX "CacheEntry_projectId_idx" ON "CacheEntry"("projectId");

-- CreateIndex
CREATE INDEX "Step_template_cacheKey_idx" ON "Step"("template", "cacheKey");

-- AddForeignKey
ALTER TABLE "ArtifactLink" ADD CONSTRAINT "ArtifactLink_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArtifactLink" ADD CONSTRAINT "ArtifactLink_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step"("id") ON DELETE CASCADE ON UPDATE CASCADE;

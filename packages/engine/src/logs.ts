import type { PrismaClient } from "@trellis/db";
import type { LogLineMessage } from "./signals.js";

/** Step logs are stored per (step, attempt) with a dense sequence number starting at 1. */
export async function appendLogLines(db: PrismaClient, stepId: string, attempt: number, lines: LogLineMessage[]): Promise<void> {
  if (lines.length === 0) return;
  await db.logLine.createMany({
    data: lines.map((l) => ({ stepId, attempt, seq: l.seq, ts: new Date(l.ts), stream: l.stream, text: l.text })),
    skipDuplicates: true,
  });
}

export async function readLogLines(
  db: PrismaClient,
  input: { stepId: string; attempt: number; after: number; limit: number },
): Promise<LogLineMessage[]> {
  const rows = await db.logLine.findMany({
    where: { stepId: input.stepId, attempt: input.attempt, seq: { gt: input.after } },
    orderBy: { seq: "asc" },
    take: input.limit,
    select: { seq: true, ts: true, stream: true, text: true },
  });
  return rows.map((r) => ({ seq: r.seq, ts: r.ts.toISOString(), stream: r.stream as LogLineMessage["stream"], text: r.text }));
}

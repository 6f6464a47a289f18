import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.js";

export { PrismaClient, Prisma } from "./generated/prisma/client.js";
export type * from "./generated/prisma/models.js";
export * from "./generated/prisma/enums.js";

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/trellis";

export function databaseUrl(): string {
  return process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

/** One Prisma client per process; `max` bounds the pg pool. */
export function createPrismaClient(options: { url?: string; max?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: options.url ?? databaseUrl(), max: options.max ?? 10 });
  return new PrismaClient({ adapter });
}

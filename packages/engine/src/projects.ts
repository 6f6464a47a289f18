import type { PrismaClient } from "@trellis/db";
import { notFound } from "./errors.js";

export const DEFAULT_PROJECT = "default";

export async function ensureProject(db: PrismaClient, name: string, description = ""): Promise<{ id: string; name: string }> {
  return db.project.upsert({ where: { name }, create: { name, description }, update: {}, select: { id: true, name: true } });
}

export async function projectByName(db: PrismaClient, name: string): Promise<{ id: string; name: string }> {
  const project = await db.project.findUnique({ where: { name }, select: { id: true, name: true } });
  if (!project) throw notFound(`project "${name}"`);
  return project;
}

import type { PrismaClient } from "@trellis/db";
import { formatPath, MAX_SECRET_NAME_LENGTH, SECRET_NAME_RE, type PipelineSpec } from "@trellis/spec";
import { recordAudit } from "../access/audit.js";
import { notFound, validationFailed, type Issue } from "../errors.js";
import { decryptSecret, encryptSecret, type SecretsKey } from "./crypto.js";
import { MIN_MASKED_LENGTH } from "./mask.js";

/**
 * Project secrets: values stored encrypted (see crypto.ts) and never read back except by
 * `resolveSecrets`, which the worker calls for the secrets a step declares. Every change is
 * audited in the transaction that makes it; audit details never hold the value.
 */

/** Values shorter than the masking minimum could not be hidden in logs; longer ones are not credentials. */
export const SECRET_VALUE_LIMITS = { min: MIN_MASKED_LENGTH, max: 65_536 } as const;

/** What the API shows of a secret: never its value. */
export interface SecretItem {
  name: string;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

export interface SecretChange {
  projectId: string;
  name: string;
  /** Who makes the change, as the audit log shows it. */
  actor: string;
  actorUserId?: string | null;
  ip?: string | null;
}

const itemSelect = { name: true, createdAt: true, updatedAt: true, updatedBy: true } as const;

function checkSecretName(name: string): void {
  if (!SECRET_NAME_RE.test(name) || name.length > MAX_SECRET_NAME_LENGTH) {
    throw validationFailed(`invalid secret name`, [
      { path: "name", message: `upper-case letters, digits and "_", not starting with a digit, at most ${MAX_SECRET_NAME_LENGTH} characters` },
    ]);
  }
}

function checkSecretValue(value: string): void {
  const message =
    value.length < SECRET_VALUE_LIMITS.min || value.length > SECRET_VALUE_LIMITS.max
      ? `must be ${SECRET_VALUE_LIMITS.min} to ${SECRET_VALUE_LIMITS.max} characters (shorter values could not be masked in logs)`
      : value.includes("\0")
        ? "must not contain NUL characters (environment variables cannot hold them)"
        : null;
  if (message) throw validationFailed("invalid secret value", [{ path: "value", message }]);
}

/** Creates or replaces a secret's value; `created` says which. */
export async function putSecret(
  db: PrismaClient,
  input: SecretChange & { value: string; key: SecretsKey },
): Promise<{ created: boolean; item: SecretItem }> {
  checkSecretName(input.name);
  checkSecretValue(input.value);
  const { projectId, name, actor } = input;
  const encrypted = { ...encryptSecret(input.key.key, { projectId, name }, input.value), keyId: input.key.keyId };
  return db.$transaction(async (tx) => {
    // ON CONFLICT DO NOTHING: of two concurrent creations one inserts, the other updates.
    const inserted = await tx.secret.createMany({ data: [{ projectId, name, ...encrypted, createdBy: actor, updatedBy: actor }], skipDuplicates: true });
    const created = inserted.count === 1;
    const item = created
      ? await tx.secret.findUniqueOrThrow({ where: { projectId_name: { projectId, name } }, select: itemSelect })
      : await tx.secret.update({ where: { projectId_name: { projectId, name } }, data: { ...encrypted, updatedBy: actor }, select: itemSelect });
    await recordAudit(tx, {
      action: created ? "secret.created" : "secret.updated",
      actor,
      actorUserId: input.actorUserId ?? null,
      projectId,
      target: name,
      details: { keyId: input.key.keyId },
      ip: input.ip ?? null,
    });
    return { created, item };
  });
}

export async function deleteSecret(db: PrismaClient, input: SecretChange): Promise<void> {
  await db.$transaction(async (tx) => {
    const deleted = await tx.secret.deleteMany({ where: { projectId: input.projectId, name: input.name } });
    if (deleted.count === 0) throw notFound(`secret "${input.name}"`);
    await recordAudit(tx, {
      action: "secret.deleted",
      actor: input.actor,
      actorUserId: input.actorUserId ?? null,
      projectId: input.projectId,
      target: input.name,
      ip: input.ip ?? null,
    });
  });
}

/** A project's secrets by name: names and change times, never values. */
export async function listSecrets(db: PrismaClient, projectId: string): Promise<SecretItem[]> {
  return db.secret.findMany({ where: { projectId }, select: itemSelect, orderBy: { name: "asc" } });
}

/** A stored secret that this process's key cannot decrypt: a configuration problem, not a transient one. */
export class SecretUnreadable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretUnreadable";
  }
}

/**
 * Decrypts the named secrets of a project; names with no secret are listed in `missing`.
 * Throws SecretUnreadable (naming the secret) when one was stored with another key or does not
 * authenticate with this one.
 */
export async function resolveSecrets(
  db: PrismaClient,
  key: SecretsKey,
  projectId: string,
  names: readonly string[],
): Promise<{ values: Record<string, string>; missing: string[] }> {
  if (names.length === 0) return { values: {}, missing: [] };
  const rows = await db.secret.findMany({
    where: { projectId, name: { in: [...names] } },
    select: { name: true, ciphertext: true, iv: true, authTag: true, keyId: true },
  });
  const byName = new Map(rows.map((r) => [r.name, r]));
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const row = byName.get(name);
    if (!row) {
      missing.push(name);
      continue;
    }
    if (row.keyId !== key.keyId) {
      throw new SecretUnreadable(
        `secret ${name} was stored with secrets key ${row.keyId}, but this process has key ${key.keyId}: give the API and every worker the same TRELLIS_SECRETS_KEY, or set the secret again`,
      );
    }
    try {
      values[name] = decryptSecret(key.key, { projectId, name }, row);
    } catch {
      throw new SecretUnreadable(`secret ${name} cannot be decrypted with secrets key ${key.keyId} (the stored value does not authenticate): set the secret again`);
    }
  }
  return { values, missing };
}

/**
 * Issues for steps about to run that declare secrets the project does not have, at
 * `steps.S.secrets[i]`; `skip` are steps that will not run (carried over by a retry).
 */
export async function undefinedSecretIssues(db: PrismaClient, projectId: string, spec: PipelineSpec, skip: ReadonlySet<string> = new Set()): Promise<Issue[]> {
  const declared = Object.values(spec.steps).filter((s) => !skip.has(s.name) && (s.secrets?.length ?? 0) > 0);
  if (declared.length === 0) return [];
  const names = [...new Set(declared.flatMap((s) => s.secrets ?? []))];
  const defined = new Set((await db.secret.findMany({ where: { projectId, name: { in: names } }, select: { name: true } })).map((r) => r.name));
  if (names.every((n) => defined.has(n))) return [];
  const project = await db.project.findUniqueOrThrow({ where: { id: projectId }, select: { name: true } });
  return declared.flatMap((s) =>
    (s.secrets ?? []).flatMap((name, i) =>
      defined.has(name)
        ? []
        : [{ path: formatPath(["steps", s.name, "secrets", i]), message: `secret ${name} is not defined in project "${project.name}"; an admin can add it under Settings → Secrets` }],
    ),
  );
}

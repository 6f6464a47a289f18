#!/usr/bin/env node
// Database migrations without Prisma's native schema-engine binary (which cannot be
// downloaded here): the WASM schema engine applies prisma/migrations/* and records them in
// _prisma_migrations exactly as `prisma migrate deploy` would, so either tool works.
//
//   node --experimental-wasm-modules scripts/migrate.mjs deploy        apply pending migrations
//   node --experimental-wasm-modules scripts/migrate.mjs new <name>    write a migration for schema changes
//
// `new` diffs prisma/migrations/schema.snapshot.prisma (the schema as of the last migration)
// against prisma/schema.prisma, because diffing from the migrations folder needs a shadow
// database the WASM engine cannot create.
import { readFileSync, writeFileSync, mkdirSync, readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const schemaPath = path.join(root, "prisma/schema.prisma");
const migrationsDir = path.join(root, "prisma/migrations");
const snapshotPath = path.join(migrationsDir, "schema.snapshot.prisma");
const databaseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/trellis";
const filters = { externalTables: [], externalEnums: [] };

/** Creates the database named in the URL when it does not exist yet. */
async function ensureDatabase(url) {
  const target = new URL(url);
  const dbName = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [dbName]);
    if (!rowCount) await client.query(`CREATE DATABASE "${dbName.replaceAll('"', '""')}"`);
  } catch (err) {
    // Two processes may race to create the same database; the loser sees 42P04.
    if (err.code !== "42P04" && err.code !== "23505") throw err;
  } finally {
    await client.end();
  }
}

async function engine() {
  const { SchemaEngine } = await import("@prisma/schema-engine-wasm");
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const { bindMigrationAwareSqlAdapterFactory } = await import("@prisma/driver-adapter-utils");
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: databaseUrl }));
  const log = () => {};
  return SchemaEngine.new({ datamodels: [[schemaPath, readFileSync(schemaPath, "utf8")]] }, log, adapter);
}

function migrationList() {
  const dirs = existsSync(migrationsDir)
    ? readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((dir) => ({
      path: dir,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: readFileSync(path.join(migrationsDir, dir, "migration.sql"), "utf8") } },
    })),
  };
}

async function deploy() {
  await ensureDatabase(databaseUrl);
  const schemaEngine = await engine();
  const { appliedMigrationNames } = await schemaEngine.applyMigrations({ migrationsList: migrationList(), filters });
  return appliedMigrationNames;
}

async function createMigration(name) {
  if (!/^[a-z0-9_]+$/.test(name ?? "")) throw new Error("usage: migrate.mjs new <snake_case_name>");
  await ensureDatabase(databaseUrl);
  const schemaEngine = await engine();
  const current = readFileSync(schemaPath, "utf8");
  const from = existsSync(snapshotPath)
    ? { tag: "schemaDatamodel", files: [{ path: snapshotPath, content: readFileSync(snapshotPath, "utf8") }] }
    : { tag: "empty" };
  const to = { tag: "schemaDatamodel", files: [{ path: schemaPath, content: current }] };
  const { stdout } = await schemaEngine.diff({ from, to, script: true, exitCode: null, filters });
  const sql = stdout ?? "";
  if (!sql.trim() || sql.includes("This is an empty migration")) {
    console.log("schema unchanged: no migration written");
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
  writeFileSync(snapshotPath, current);
  if (!existsSync(path.join(migrationsDir, "migration_lock.toml"))) {
    writeFileSync(path.join(migrationsDir, "migration_lock.toml"), 'provider = "postgresql"\n');
  }
  console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, name] = process.argv.slice(2);
  try {
    if (command === "deploy") {
      const applied = await deploy();
      console.log(applied.length ? `applied migrations: ${applied.join(", ")}` : "database is up to date");
    } else if (command === "new") {
      await createMigration(name);
    } else {
      console.error("usage: migrate.mjs deploy | new <name>");
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(`migration failed: ${err?.message ?? err}`);
    process.exitCode = 1;
  }
}

"""The plan store's schema: ordered migrations, written once for both SQLite and PostgreSQL.

Migration N (1-based) is `MIGRATIONS[N - 1]`: one SQL string of `;`-separated statements with
`{bytes}` and `{json}` standing for the dialect's blob and JSON column types. Never edit a
released migration; append a new one. `schema_version` records each applied version; migrations
run in the same transaction as their version row, under a lock (BEGIN IMMEDIATE on SQLite, an
advisory transaction lock on PostgreSQL), so replicas starting together apply each one once.

Tables:
- `plans`: one row per record, everything but the blobs (what `list()` reads), with its tenant.
- `plan_payloads`: the serialized request and response, 1:1 with `plans` (what `get()` adds).
Splitting the blobs off keeps listing cheap however large the plans are.
"""

from __future__ import annotations

from dataclasses import dataclass

MIGRATIONS: tuple[str, ...] = (
    # 1: plans, their payloads, idempotency and listing indexes.
    """
    CREATE TABLE plans (
        plan_id            TEXT PRIMARY KEY,
        kind               TEXT NOT NULL CHECK (kind IN ('plan', 'comparison', 'replan')),
        request_id         TEXT NOT NULL DEFAULT '',
        status             TEXT NOT NULL,
        created_at_us      BIGINT NOT NULL,
        failure_reason     TEXT NOT NULL DEFAULT '',
        parent_plan_id     TEXT NOT NULL DEFAULT '',
        summary            {json} NOT NULL,
        model_versions     {json} NOT NULL,
        solver_parameters  {json} NOT NULL
    );
    CREATE TABLE plan_payloads (
        plan_id   TEXT PRIMARY KEY REFERENCES plans (plan_id) ON DELETE CASCADE,
        request   {bytes} NOT NULL,
        response  {bytes} NOT NULL
    );
    CREATE UNIQUE INDEX plans_idempotency ON plans (kind, request_id)
        WHERE request_id <> '' AND status <> 'FAILED';
    CREATE INDEX plans_by_time ON plans (created_at_us DESC, plan_id);
    CREATE INDEX plans_by_kind_time ON plans (kind, created_at_us DESC, plan_id);
    CREATE INDEX plans_by_parent ON plans (parent_plan_id) WHERE parent_plan_id <> ''
    """,
    # 2: every record belongs to a tenant (records from before belong to 'default'); request ids are
    # unique per tenant, so one tenant's id never collides with, or reveals, another's.
    """
    ALTER TABLE plans ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
    DROP INDEX plans_idempotency;
    CREATE UNIQUE INDEX plans_idempotency_by_tenant ON plans (tenant, kind, request_id)
        WHERE request_id <> '' AND status <> 'FAILED';
    CREATE INDEX plans_by_tenant_time ON plans (tenant, created_at_us DESC, plan_id)
    """,
)

SCHEMA_VERSION_DDL = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at_us BIGINT)"

# The predicate of the partial unique index; an upsert must repeat it to name that index.
IDEMPOTENCY_PREDICATE = "request_id <> '' AND status <> 'FAILED'"


@dataclass(frozen=True)
class ColumnTypes:
    """Column types that differ between the databases."""

    bytes: str
    json: str


SQLITE_TYPES = ColumnTypes(bytes="BLOB", json="TEXT")
POSTGRES_TYPES = ColumnTypes(bytes="BYTEA", json="JSONB")


def migration_statements(version: int, types: ColumnTypes) -> list[str]:
    """The statements of migration `version` for one dialect (SQLite executes one statement per call)."""
    script = MIGRATIONS[version - 1].format(bytes=types.bytes, json=types.json)
    return [statement.strip() for statement in script.split(";") if statement.strip()]


LATEST_VERSION = len(MIGRATIONS)

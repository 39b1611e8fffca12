"""Server settings: command-line flags override environment variables (PRODPLAN_*), which override defaults."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRODPLAN_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=50051, ge=0, le=65535, description="Port; 0 picks a free one.")
    max_message_bytes: int = Field(default=16 * 1024 * 1024, gt=0, description="Largest request/response.")
    max_orders: int = Field(default=2000, gt=0, description="Most orders in one plan request.")
    max_operations: int = Field(default=20000, gt=0, description="Most operations (orders x routing steps).")
    # One process per core, each with one CP-SAT worker by default: on 2 cores this halved CreatePlan's
    # p95 at 4 users against one process (docs/PERFORMANCE.md).
    solver_processes: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        gt=0,
        description="Solves running at once, each in its own process.",
    )
    solver_niceness: int = Field(
        default=10, ge=0, le=19,
        description="Scheduling niceness added to every solver process (os.nice): when solves and forecast calls "
                    "compete for the cores, the kernel gives the server process (health checks, the MES's "
                    "forecast calls, request mapping) the CPU first; a solve alone still gets every idle core. "
                    "0: solves compete on equal terms.")
    # SCHED_IDLE by default: with plans solving beside the MES's polling, three paired 60 s runs on 2 cores gave
    # forecast p99 14.1-18.9 ms in the idle class against 14.5-29.1 ms at niceness 10, with as many plans done
    # (docs/PERFORMANCE.md, "Solver processes in the idle class").
    solver_scheduling: Literal["normal", "idle"] = Field(
        default="idle",
        description="Linux scheduling class of the solver processes: 'idle' (SCHED_IDLE: a solve runs only on CPU "
                    "time that no other process wants, so a forecast call or health check that wakes up takes the "
                    "core at once; a solve alone still gets every idle core, but other busy processes in the "
                    "container can hold a solve back until its time limit) or 'normal' (the niceness above applies).")
    max_queued_solves: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        ge=0,
        description="Solves waiting for a process; beyond: refused. Kept near the process count so an accepted "
                    "call never waits behind many solves.",
    )
    max_queued_forecasts: int = Field(
        default=256, gt=0,
        description="ForecastService calls waiting for the inference thread (about 4 full batches); beyond: "
                    "refused at once with RESOURCE_EXHAUSTED and a retry hint, so memory and latency stay bounded.",
    )
    default_workers: int = Field(default=1, gt=0, description="CP-SAT workers when the request says 0.")
    max_workers: int = Field(default=os.cpu_count() or 2, gt=0, description="Cap on CP-SAT workers per solve.")
    default_time_limit_s: float = Field(default=10.0, gt=0, description="Solver limit when the request has none.")
    max_time_limit_s: float = Field(default=300.0, gt=0, description="Cap on any solver time limit.")
    deadline_margin_s: float = Field(
        default=0.25, ge=0, description="Time kept back from the RPC deadline for mapping and the reply."
    )
    log_level: str = Field(default="INFO", description="Logging level.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as key=value text, or one JSON object per line for log collectors.")
    replicas: int = Field(
        default=1, ge=1, le=64,
        description="Server processes sharing the port (SO_REUSEPORT; service/replicas.py). Each has its own "
                    "interpreter lock, so forecast calls scale over cores; solver processes are split over them.",
    )
    db: str = Field(
        default="prodplan.db",
        description="Plan store: an SQLite file path (default ./prodplan.db) or a postgresql:// URL.",
    )
    model_dir: str = Field(
        default="prodplan-models",
        description="Model registry (ModelService): one folder per tenant, plant, kind and version, and each "
                    "plant's active pointer (service/model_registry.py).")
    retention_days: float | None = Field(
        default=None, gt=0,
        description="Delete stored plans, comparisons and re-plans older than this many days (checked hourly); "
                    "unset: keep everything.")
    metrics_port: int | None = Field(
        default=None, ge=0, le=65535,
        description="Serve Prometheus metrics on http://metrics_host:PORT/metrics (0: a free port); unset: off.")
    metrics_host: str = Field(default="127.0.0.1", description="Address of the metrics endpoint.")
    otlp_endpoint: str = Field(
        default="",
        description="Export OpenTelemetry traces by OTLP/gRPC to this collector (e.g. http://otel-collector:4317; "
                    "http:// plaintext, https:// TLS); unset: the standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or "
                    "OTEL_EXPORTER_OTLP_ENDPOINT, and with neither, tracing is off (service/tracing.py).")
    tls_cert_file: str = Field(
        default="", description="PEM certificate chain of the server; with tls_key_file the server speaks TLS.")
    tls_key_file: str = Field(default="", description="PEM private key of tls_cert_file.")
    tls_client_ca_file: str = Field(
        default="", description="PEM CA bundle: clients must present a certificate it signed (mutual TLS).")
    allow_insecure: bool = Field(
        default=False, description="Serve plaintext on an address other than loopback (refused otherwise).")
    tokens_file: str = Field(
        default="", description="JSON file of token hashes with tenant and role (service/auth.py); empty: no "
                                "authentication, every call is the admin of tenant 'default'.")
    jwks_file: str = Field(
        default="", description="JWKS file of an OIDC provider's public keys: bearer JWTs signed by them are "
                                "accepted beside the tokens file (service/jwt_auth.py); read once, no network.")
    jwt_issuer: str = Field(default="", description="The `iss` a JWT must carry; empty: not checked.")
    jwt_audience: str = Field(default="", description="The `aud` a JWT must carry; empty: not checked.")
    jwt_tenant_claim: str = Field(default="tenant", min_length=1, description="The JWT claim naming the tenant.")
    jwt_role_claim: str = Field(
        default="role", min_length=1,
        description="The JWT claim naming the role (viewer, planner, admin), or a list of which the highest counts.")
    jwt_leeway_s: float = Field(default=30.0, ge=0, le=600, description="Clock skew allowed on exp/nbf/iat.")

    @model_validator(mode="after")
    def _tls_files_come_together(self) -> Settings:
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ValueError("tls_cert_file and tls_key_file are set together (TLS needs both)")
        if self.tls_client_ca_file and not self.tls_cert_file:
            raise ValueError("tls_client_ca_file (mutual TLS) needs tls_cert_file and tls_key_file")
        return self

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert_file)

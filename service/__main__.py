"""`python -m service`: run the planning server (flags override PRODPLAN_* environment variables)."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from service.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    parser.add_argument("--host", help="address to listen on (PRODPLAN_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port, 0 for any free one (PRODPLAN_PORT, default 50051)")
    parser.add_argument("--solver-processes", type=int, help="solves at once (PRODPLAN_SOLVER_PROCESSES)")
    parser.add_argument("--replicas", type=int,
                        help="server processes sharing the port (PRODPLAN_REPLICAS, default 1; service/replicas.py)")
    parser.add_argument("--log-level", help="logging level (PRODPLAN_LOG_LEVEL, default INFO)")
    parser.add_argument("--db", help="plan store: SQLite file or postgresql:// URL (PRODPLAN_DB, default prodplan.db)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as error:  # flags and PRODPLAN_* variables: name each bad one, no traceback
        parser.error("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()))
    from service.logging_setup import configure_logging

    configure_logging(settings.log_level)
    if settings.replicas > 1:
        from service.replicas import run_replicas  # the supervisor never loads torch or the models

        sys.exit(run_replicas(settings, settings.replicas))
    import asyncio

    from service.server import serve

    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()

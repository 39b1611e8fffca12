"""Locust file for interactive runs with Locust's own CLI and web UI, with the default traffic mix and sizes:

    .venv/bin/locust -f loadtests/locustfile.py --host 127.0.0.1:50051

(`python -m loadtests.run` is the bounded, headless way that writes the JSON results.)
"""

from __future__ import annotations

from loadtests.payloads import PayloadSizes, build_payloads
from loadtests.users import TrafficConfig, user_classes

HealthCheck, MesPolling, Planner = user_classes(TrafficConfig(), build_payloads(PayloadSizes()))

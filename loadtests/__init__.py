"""Load tests for the prodplan gRPC service: Locust users that speak gRPC, traffic profiles, and a CLI.

`python -m loadtests.run` starts a server (or targets `--host`), drives it with Locust headless for a
bounded time, and writes per-RPC throughput, latency percentiles and failures by status code next to
a `grpc.health.v1.Health/Check` baseline (the transport floor). See docs/PERFORMANCE.md.
"""

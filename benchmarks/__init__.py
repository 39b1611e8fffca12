"""Benchmarks that read public instances through the production code paths and compare against peers."""

"""Loaders for the public data sets the models are trained and benchmarked on (read from disk or PyPI)."""

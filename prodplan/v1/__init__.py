"""prodplan.v1: generated from proto/prodplan/v1. Never edited by hand; run `make gen`."""

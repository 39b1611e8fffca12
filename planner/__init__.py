"""Planning domain: validated pydantic types, CP-SAT scheduling, HiGHS lot sizing, KPIs.

This package never imports grpc, protobuf or torch: the service maps the API onto these types and
the forecaster hands over predictions as plain values.
"""

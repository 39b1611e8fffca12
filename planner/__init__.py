"""Planning domain: validated pydantic types, CP-SAT scheduling, HiGHS lot sizing, KPIs.

Layout: the domain (`domain`, `validation`, `solution`, `status`) and the entry point (`plan.create_plan`) at the
top, with the solver-independent `checker`, `kpis`, calendars and risk policies; `scheduling` (the CP-SAT model,
its start, the local searches and one module per rule in `scheduling.rules`), `lotsizing` (HiGHS) with `lots` (the
hierarchical plan), `explanations` (late orders, typed fixes, what the predictions did) and `replanning` (what-if
scenarios and re-plans after disruptions).

This package never imports grpc, protobuf or torch: the service maps the API onto these types and
the forecaster hands over predictions as plain values.
"""

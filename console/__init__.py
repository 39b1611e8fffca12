"""The planners' web console: a browser workbench that is a client of the prodplan gRPC API and nothing else.

It never imports `planner/` or `forecaster/`: everything it shows or changes goes through PlanningService
calls (CreatePlan, StreamPlan, GetPlan, ListPlans, Replan, CompareScenarios, DeletePlan), so whatever the
console does, an ERP could do too. Modules:

- `client`: the gRPC channel (bearer token, TLS) and the calls, with errors turned into field violations;
- `excel`: Excel/CSV templates for orders and master data in, dispatch lists per machine and shift out;
- `i18n`: the page's strings in English and Korean;
- `app`: the Starlette application (a small JSON API plus the page's own static JS/CSS);
- `deltas`: scenario changes written into a plan request (keep a scenario as a new plan);
- `launch`: `python -m console.launch start|stop`: server and console detached in the background (`make demo`);
- `__main__`: `python -m console --grpc 127.0.0.1:50051 --port 8080`.
"""

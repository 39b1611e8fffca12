"""Plant rules of the detailed schedule, one module per rule, named in the plant's words.

- `time_lags`: minimum and maximum time between consecutive operations of a routing;
- `transfer_batches`: the next operation starts once the first batch of the previous one is done;
- `work_in_progress`: operations done or running at plan start, as the MES reports them.

Each module owns its rule's CP-SAT constraint (one function whose docstring says "Hard:" and why the
plant cares) and the helpers the scheduler, the dispatching start and the explanations use to respect
or detect it. The solver-independent checks live in `planner.checker`, which re-derives every rule
from the request; the explanations' words live in `planner.explain`.
"""

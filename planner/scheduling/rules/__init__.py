"""Rules of the detailed schedule, one module per rule, named in the plant's words ("where is the furnace rule":
`batching`).

- `base`: what every rule sees of the model: the task variables and the cost scale;
- `predictions`: rules from the predictions: scrap cost and the defect-rate cap (yields), the risk penalty and
  preventive maintenance (equipment risk);
- `changeovers`: family changeovers (sequence-dependent setups between product families);
- `time_lags`: minimum and maximum time between consecutive operations of a routing;
- `precedence`: the precedence graph of a routing (predecessors with end-to-start or start-to-start lags);
- `transfer_batches`: the next operation starts once the first batch of the previous one is done;
- `work_in_progress`: operations done or running at plan start, as the MES reports them;
- `batching`: batch machines (furnaces) run loads of lots of one recipe, for the recipe's cycle time;
- `oven_rules`: load-length windows, a minimum fill, recipe changeovers and the batch-cost objective of ovens;
- `skills` (and `staffing`, its side outside CP-SAT): named people with skills, given to operations that need
  people by skill (each unit a different person who masters it, one operation at a time, on shift);
- `resources`: secondary resources (setters by shift, dies) held for a whole run or a setup, and manual work
  (operations on no machine, bound only by the people and tools they hold).
- `dies`: dies (moulds, fixtures) mounted on one machine at a time; changing the die is a setup before the operation
  (`die_mounts`: the changes a schedule implies, the checker's part and the bad input).
- `materials`: on-hand stock and receipts of bought-in materials, taken at an operation's start;
- `bom`: bills of materials: components made in-house, whose orders fill their stock when they complete;
- `stock`: semi-finished parts that operations put into stock at their end, for later operations to take;
- `modes`: operation modes (multi-mode), each with its own machine or none, times, resources and materials.
- `pausing`: operations (machining) that pause over breaks, nights and maintenance and resume, holding the machine.
- `sequence`: sequence rules of the request: one order's operation before another's on a machine.
- `lot_splitting`: lots split into sub-lots of a minimum size that run side by side on the eligible machines.

Each module owns its rule's CP-SAT constraint (one function whose docstring says "Hard:" and why the
plant cares) and the helpers the scheduler, the dispatching start and the explanations use to respect
or detect it. The solver-independent checks live in `planner.checker`, which re-derives every rule
from the request; the explanations' words live in `planner.explanations.late_orders`.
"""

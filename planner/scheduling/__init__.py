"""The detailed schedule: the CP-SAT model (`model`), the tasks it schedules (`tasks`), its start
(`dispatching`, the tabu search of `search` and `tabu_kernel`), large-neighbourhood search for plant
scale (`lns`), infeasibility proofs before any solve (`feasibility`), and one module per plant rule in
`rules` ("where is the furnace rule": `planner.scheduling.rules.batching`)."""

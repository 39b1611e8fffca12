"""Changing a plan: what-if scenarios and their comparison (`scenarios`), the typed changes they apply
(`deltas`), and re-planning a released plan after disruptions (`replan`)."""

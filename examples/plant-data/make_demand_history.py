"""Write examples/plant-data/demand_history.csv: 6 simulated monthly series (2 smooth, 2 intermittent, 2
lumpy) over 36 months, from forecaster.plantdemand.simulated (seed 0).

    .venv/bin/python examples/plant-data/make_demand_history.py
"""

from pathlib import Path

from forecaster.plantdemand.simulated import simulated_history

if __name__ == "__main__":
    simulated_history().to_csv(Path(__file__).resolve().parent / "demand_history.csv", index=False)

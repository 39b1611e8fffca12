"""Bad input is reported completely: every problem with its field path, never only the first."""

from __future__ import annotations

import math

import pytest

from forecaster.defect import validate_records
from forecaster.demand import DemandEnsemble
from forecaster.demand_forecast import DemandModel, validate_demand_request
from forecaster.risk import validate_telemetry
from forecaster.types import DemandHistory, ForecastInputError, MachineTelemetry, ProcessRecord, TelemetrySample


def _demand_model() -> DemandModel:
    net = DemandEnsemble(members=1, context_length=12, max_horizon=6, n_quantiles=11, hidden=8, blocks=1)
    return DemandModel(net, "demand-test", (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95), 1.0, 12, 6)


def _fields(error: pytest.ExceptionInfo[ForecastInputError]) -> set[str]:
    return {p.field for p in error.value.problems}


def test_demand_lists_every_problem() -> None:
    histories = [DemandHistory("a", (1.0, 2.0, 3.0, 4.0, 5.0)), DemandHistory("b", (1.0, 2.0)),
                 DemandHistory("c", (1.0, math.nan, 3.0, math.inf, 5.0)),
                 DemandHistory("a", (1.0,) * 6, season_length=0)]
    with pytest.raises(ForecastInputError) as error:
        validate_demand_request(_demand_model(), histories, horizon=7, quantiles=(0.5, 0.99))
    assert _fields(error) == {"horizon", "quantiles[1]", "series[1].history", "series[2].history[1]",
                              "series[2].history[3]", "series[3].series_id", "series[3].season_length"}


def test_empty_demand_request() -> None:
    with pytest.raises(ForecastInputError) as error:
        validate_demand_request(_demand_model(), [], horizon=0, quantiles=())
    assert _fields(error) == {"series", "horizon", "quantiles"}


def test_yield_unknown_missing_and_nan_parameters() -> None:
    good = {"melt_temperature_c": 680.0, "die_temperature_c": 220.0, "injection_pressure_mpa": 80.0,
            "cycle_time_s": 60.0, "shot_velocity_m_s": 4.0}
    records = [
        ProcessRecord("1", "motor_housing", "DC-1", "die_casting", good),
        ProcessRecord("2", "motor_housing", "DC-1", "die_casting",
                      {**good, "melt_temperature_c": math.nan, "humidity_pct": 40.0}),
        ProcessRecord("3", "motor_housing", "", "painting", {}),
        ProcessRecord("4", "battery_tray", "CNC-1", "cnc_machining", {"spindle_speed_rpm": 9000.0}),
    ]
    with pytest.raises(ForecastInputError) as error:
        validate_records(records)
    fields = _fields(error)
    assert {"items[1].parameters.melt_temperature_c", "items[1].parameters.humidity_pct",
            "items[2].process", "items[2].machine_id", "items[3].parameters.tool_wear_min"} <= fields
    assert not any(f.startswith("items[0]") for f in fields)


def test_telemetry_problems() -> None:
    ok = TelemetrySample(300.0, 310.0, 1500.0, 40.0, 100.0)
    bad = TelemetrySample(math.nan, 310.0, -5.0, 40.0, 100.0)
    machines = [MachineTelemetry("M1", ok), MachineTelemetry("M2", bad, duty_class="X", utilization=1.5,
                                                             history=(ok, bad)),
                MachineTelemetry("M3", ok, tool_change_wear_min=0.0), MachineTelemetry("M4", ok,
                                                                               tool_change_wear_min=math.nan)]
    with pytest.raises(ForecastInputError) as error:
        validate_telemetry(machines, bucket_hours=0.0, n_buckets=0)
    assert _fields(error) == {"bucket_hours", "n_buckets", "machines[1].duty_class", "machines[1].utilization",
                              "machines[1].current.air_temperature_k", "machines[1].current.rotational_speed_rpm",
                              "machines[1].history[1].air_temperature_k",
                              "machines[1].history[1].rotational_speed_rpm", "machines[2].tool_change_wear_min",
                              "machines[3].tool_change_wear_min"}

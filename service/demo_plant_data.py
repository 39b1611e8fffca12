"""Raw plant data for the demo plant, in the API's messages: what an MES would send along with a plan.

The forecaster's demo generator (`forecaster.demo`) speaks in its own product names and machines;
this module keys its data to the demo factory (`planner.demo_factory`): every factory product takes
the process data of the forecaster product it resembles, on the machines both know; telemetry is
sent for the machines both know (or, for the demo plant's own risk model, the plant's timestamped sensor,
alarm, failure and maintenance history from forecaster/plantrisk/demo_history.py); demand history (scaled
to this plant's make-to-stock share) is sent for the housings this plant also builds to stock.
"""

from __future__ import annotations

import numpy as np
from google.protobuf import duration_pb2

from forecaster import demo_inputs
from forecaster.plantrisk.demo_history import demo_history_frames
from forecaster.types import MachineTelemetry, ProcessRecord, TelemetrySample
from planner.demo_factory import demo_factory
from prodplan.v1 import forecast_service_pb2 as fpb
from prodplan.v1 import planning_service_pb2 as pb

# factory product -> the forecaster demo product whose process data it shares
PROCESS_TWIN = {"MH-800": "motor_housing", "MH-400": "motor_housing", "GBX-H": "motor_housing",
                "INV-H": "inverter_housing", "CPH": "inverter_housing", "REP": "inverter_housing",
                "BT-L": "battery_tray", "BT-S": "battery_tray", "CP-1": "battery_tray", "BMB": "battery_tray",
                "SUB-F": "battery_tray"}
# make-to-stock products: factory product -> (forecaster demand series, share of it this plant builds to stock)
STOCK_DEMAND = {"MH-800": ("motor_housing", 0.04), "INV-H": ("inverter_housing", 0.03)}
_PROCESS = {"die_casting": fpb.PROCESS_TYPE_DIE_CASTING, "cnc_machining": fpb.PROCESS_TYPE_CNC_MACHINING,
            "heat_treatment": fpb.PROCESS_TYPE_HEAT_TREATMENT}
_DUTY = {"L": fpb.DUTY_CLASS_LOW, "M": fpb.DUTY_CLASS_MEDIUM, "H": fpb.DUTY_CLASS_HIGH}


def _quality(records: list[ProcessRecord]) -> fpb.PredictYieldRequest:
    by_twin = {(r.product, r.machine_id): r for r in records}
    machines_of = {p.id: {e.machine_id for op in p.routing for e in op.eligible_machines}
                   for p in demo_factory().products}
    items = []
    for product, twin in PROCESS_TWIN.items():
        for machine in sorted(machines_of[product]):
            record = by_twin.get((twin, machine))
            if record is not None:
                items.append(fpb.YieldItem(item_id=f"{product}@{machine}", product=product, machine_id=machine,
                                           process=_PROCESS[record.process], parameters=dict(record.parameters)))
    return fpb.PredictYieldRequest(items=items)


def _sample(sample: TelemetrySample) -> fpb.TelemetrySample:
    return fpb.TelemetrySample(air_temperature_k=sample.air_temperature_k,
                               process_temperature_k=sample.process_temperature_k,
                               rotational_speed_rpm=sample.rotational_speed_rpm, torque_nm=sample.torque_nm,
                               tool_wear_min=sample.tool_wear_min)


def _telemetry(machines: list[MachineTelemetry]) -> fpb.AssessEquipmentRiskRequest:
    message = fpb.AssessEquipmentRiskRequest()
    for machine in machines:
        since = duration_pb2.Duration()
        since.FromSeconds(int(machine.hours_since_maintenance * 3600))
        message.machines.add(machine_id=machine.machine_id, current=_sample(machine.current),
                             history=[_sample(s) for s in machine.history], time_since_maintenance=since,
                             duty_class=_DUTY[machine.duty_class], utilization=machine.utilization,
                             tool_wear_rate_min_per_h=machine.tool_wear_rate_min_per_h,
                             tool_change_wear_min=machine.tool_change_wear_min)
    return message


def _plant_telemetry(plant_id: str) -> fpb.AssessEquipmentRiskRequest:
    """The demo plant's own history (forecaster/plantrisk/demo_history.py), whole, by its own sensor names:
    the features read the machines' early telemetry as their baseline, so the history is not cut."""
    telemetry, events, machines = demo_history_frames()
    sensors = [c for c in telemetry.columns if c not in ("time", "machine")]
    message = fpb.AssessEquipmentRiskRequest(plant_id=plant_id)
    values = telemetry[sensors].to_numpy(dtype=float)
    present = np.isfinite(values)
    for index, (machine, time) in enumerate(zip(telemetry["machine"], telemetry["time"], strict=True)):
        row = message.plant_telemetry.add(machine_id=machine, sensors={
            sensors[j]: float(values[index, j]) for j in np.flatnonzero(present[index])})
        row.time.FromNanoseconds(time.value)
    for event in events.itertuples(index=False):
        added = message.plant_events.add(machine_id=event.machine, event=event.event, component=event.component)
        added.time.FromNanoseconds(event.time.value)
    for machine in machines.itertuples(index=False):
        message.plant_machines.add(machine_id=machine.machine, attributes={
            "type": machine.type, "age_years": f"{machine.age_years:g}"})
    return message


def demo_plant_data(risk_plant: str = "") -> pb.PlantData:
    """The demo plant's MES data. With `risk_plant`, the telemetry is the plant's own history (sensors,
    alarms, failures, maintenance) for that plant's risk model (the demo registers the shipped one,
    forecaster/weights/plant_risk_demo/, under this id); without, AI4I-style readings for the shipped default."""
    inputs = demo_inputs()
    histories = {h.series_id: h for h in inputs.demand}
    month = duration_pb2.Duration()
    month.FromSeconds(int(365.25 / 12 * 86400))
    demand = fpb.ForecastDemandRequest(series=[
        fpb.DemandSeries(series_id=product, history=[round(v * share) for v in histories[twin].values],
                         season_length=histories[twin].season_length, period=month)
        for product, (twin, share) in STOCK_DEMAND.items()])
    repair = {m: duration_pb2.Duration(seconds=hours * 3600) for m, hours in
              (("DC-1", 4), ("DC-2", 4), ("CNC-1", 6), ("CNC-2", 6), ("CNC-3", 6), ("HT-1", 8), ("INS-1", 2))}
    telemetry = _plant_telemetry(risk_plant) if risk_plant else _telemetry(inputs.telemetry)
    return pb.PlantData(quality=_quality(inputs.process_records), telemetry=telemetry, demand=demand,
                        mean_time_to_repair=repair)

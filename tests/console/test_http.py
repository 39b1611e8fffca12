"""The console over HTTP against a real gRPC server on port 0: plans streamed, listed, compared, kept, re-planned,
imported and exported, with the service's field violations passed on."""

from __future__ import annotations

import ast
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ServerHandle, ServerThread
from openpyxl import Workbook, load_workbook
from starlette.testclient import TestClient

from console.app import create_app
from console.client import ChannelConfig
from console.i18n import LOCALES, strings
from service.auth import token_hash
from service.settings import Settings

CONSOLE = Path(__file__).resolve().parents[2] / "console"
HANGUL = re.compile("[\uac00-\ud7a3]")


def ndjson(text: str) -> list[dict[str, Any]]:
    """The lines of a streamed (newline-delimited JSON) answer."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_create_streams_progress_then_the_stored_plan(console: TestClient, demo_request: dict[str, Any]) -> None:
    response = console.post("/api/plans", json={"request": demo_request, "locale": "ko"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = ndjson(response.text)
    assert all("progress" in line for line in lines[:-1]) and "result" in lines[-1]
    for line in lines[:-1]:
        assert line["progress"]["objective"] >= line["progress"].get("bestBound", 0) - 1e-6
    plan_id = lines[-1]["result"]["planId"]
    stored = console.get(f"/api/plans/{plan_id}").json()
    assert stored["kind"] == "plan" and stored["request"]["options"]["locale"] == "ko"
    assert stored["plan"]["assignments"]
    assert all(HANGUL.search(e["reason"]) for e in stored["plan"].get("lateOrders", []))
    listed = console.get("/api/plans").json()["plans"]
    assert plan_id in [p["planId"] for p in listed]


def test_bad_input_comes_back_with_the_services_field_violations(console: TestClient,
                                                                  demo_request: dict[str, Any]) -> None:
    request = demo_request
    request["orders"][3]["quantity"] = "-5"
    request["orders"][5]["productId"] = "NO-SUCH"
    lines = ndjson(console.post("/api/plans", json={"request": request}).text)
    error = lines[-1]["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    fields = {v["field"] for v in error["violations"]}
    assert {"orders[3].quantity", "orders[5].product_id"} <= fields


def test_malformed_bodies_are_refused_with_a_reason(console: TestClient, demo_plan_id: str,
                                                    demo_request: dict[str, Any]) -> None:
    response = console.post("/api/plans", json={"request": {"orders": "many"}})
    assert response.status_code == 400 and "request" in response.json()["error"]["message"]
    response = console.post("/api/plans", json={"request": demo_request, "locale": "fr"})
    assert response.status_code == 400 and "locale" in response.json()["error"]["message"]
    response = console.post(f"/api/plans/{demo_plan_id}/compare", json={"scenarios": []})
    assert response.status_code == 400
    assert console.get("/api/plans/no-such-plan").status_code == 404


def test_compare_keep_and_a_change_that_cannot_be_kept(console: TestClient, demo_plan_id: str) -> None:
    stored = console.get(f"/api/plans/{demo_plan_id}").json()
    start = stored["plan"]["planStart"]
    down = {"machineDown": {"machineId": "CNC-2", "window": {"start": start, "end": "2026-03-04T21:00:00Z",
                                                             "reason": "spindle"}}}
    comparison = console.post(f"/api/plans/{demo_plan_id}/compare",
                              json={"scenarios": [{"name": "CNC-2 down", "deltas": [down]}], "time_limit_s": 2}).json()
    assert [r["name"] for r in comparison["results"]] == ["base", "CNC-2 down"]
    assert "kpis" in comparison["results"][1] and comparison["comparisonId"]

    lines = ndjson(console.post(f"/api/plans/{demo_plan_id}/keep", json={"deltas": [down], "time_limit_s": 2}).text)
    kept = console.get(f"/api/plans/{lines[-1]['result']['planId']}").json()
    windows = next(m for m in kept["request"]["factory"]["machines"] if m["id"] == "CNC-2")["maintenanceWindows"]
    assert any(w.get("reason") == "spindle" for w in windows)
    assert not any(a["machineId"] == "CNC-2" and start <= a["start"] < "2026-03-04T21:00:00Z"
                   for a in kept["plan"]["assignments"])

    overtime = {"extraWorkingTime": {"machineId": "CNC-2", "window": {"start": start, "end": "2026-03-02T05:00:00Z"}}}
    response = console.post(f"/api/plans/{demo_plan_id}/keep", json={"deltas": [overtime]})
    assert response.status_code == 400
    assert "cannot be written into a plan request" in response.json()["error"]["message"]


def test_replan_after_a_breakdown_then_discard_it(console: TestClient, demo_plan_id: str) -> None:
    stored = console.get(f"/api/plans/{demo_plan_id}").json()
    on_cnc3 = sorted((a for a in stored["plan"]["assignments"] if a["machineId"] == "CNC-3"), key=lambda a: a["start"])
    busy = on_cnc3[1]  # CNC-3 breaks down a minute before this operation starts and is repaired after it would end
    start = datetime.fromisoformat(busy["start"].replace("Z", "+00:00")) - timedelta(minutes=1)
    end = datetime.fromisoformat(busy["end"].replace("Z", "+00:00")) + timedelta(hours=1)
    breakdown = {"machineBreakdown": {"machineId": "CNC-3", "start": start.isoformat(),
                                      "expectedRepairEnd": end.isoformat()}}
    result = console.post(f"/api/plans/{demo_plan_id}/replan",
                          json={"disruptions": [breakdown], "frozen_window_min": 0, "time_limit_s": 10}).json()
    assert "error" not in result, result
    assert result["parentPlanId"] == demo_plan_id and result["summary"]
    assert any(c["orderId"] == busy["orderId"] for c in result.get("changes", [])), result["summary"]
    assert console.get(f"/api/plans/{result['planId']}").json()["kind"] == "replan"
    assert console.delete(f"/api/plans/{result['planId']}").status_code == 200
    assert console.get(f"/api/plans/{result['planId']}").status_code == 404


def _orders_book(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "orders"
    for row in [["order_id", "product_id", "quantity", "due_time", "release_time", "weight", "customer"], *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_names_row_problems_and_unknown_products(console: TestClient, demo_plan_id: str) -> None:
    data = _orders_book([["A-1", "MH-800", 10, "2026-03-05 14:00"], ["A-2", "NOPE", 5, "2026-03-05 14:00"],
                         ["A-3", "MH-800", -1, "2026-03-05 14:00"]])
    answer = console.post(f"/api/import?kind=orders&filename=o.xlsx&base_plan_id={demo_plan_id}", content=data).json()
    assert answer["orders"] == []
    assert {(p["row"], p["column"]) for p in answer["problems"]} == {(3, "product_id"), (4, "quantity")}
    good = _orders_book([["A-1", "MH-800", 10, "2026-03-05 14:00", None, 1, "Kia"]])
    answer = console.post(f"/api/import?kind=orders&filename=o.xlsx&base_plan_id={demo_plan_id}", content=good).json()
    assert answer["problems"] == [] and answer["rows"] == {"A-1": 2}
    assert answer["orders"][0]["dueTime"] == "2026-03-05T05:00:00Z"  # 14:00 in the plant's +09:00
    broken = console.post("/api/import?kind=orders&filename=o.xlsx", content=b"not excel").json()
    assert "not a readable Excel workbook" in broken["problems"][0]["message"]


def test_master_data_import_from_the_exported_template(console: TestClient, demo_plan_id: str) -> None:
    template = console.get(f"/api/plans/{demo_plan_id}/export/master")
    assert template.status_code == 200
    answer = console.post("/api/import?kind=master&filename=m.xlsx", content=template.content).json()
    assert answer["problems"] == []
    assert len(answer["factory"]["machines"]) == 11


def test_dispatch_export_lists_every_operation_once(console: TestClient, demo_plan_id: str) -> None:
    stored = console.get(f"/api/plans/{demo_plan_id}").json()
    response = console.get(f"/api/plans/{demo_plan_id}/export/dispatch")
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    listed = []
    for machine in stored["request"]["factory"]["machines"]:
        rows = book[machine["id"]].iter_rows(min_row=3, values_only=True)
        listed += [(row[1], row[4], machine["id"]) for row in rows if isinstance(row[0], int)]
    expected = [(a["orderId"], a["operationId"], a["machineId"]) for a in stored["plan"]["assignments"]]
    assert sorted(listed) == sorted(expected)


def test_token_is_passed_to_the_service(tmp_path: Path, demo_request: dict[str, Any]) -> None:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"tokens": [{"sha256": token_hash("s3cret"), "tenant": "plant", "role": "viewer"}]}))
    server = ServerThread(Settings(solver_processes=1, db=str(tmp_path / "plans.db"), tokens_file=str(tokens)))
    handle: ServerHandle = server.start()
    try:
        with TestClient(create_app(ChannelConfig(handle.address, token="s3cret"))) as allowed:
            assert allowed.get("/api/plans").status_code == 200
            refused = allowed.post("/api/plans", json={"request": demo_request})
            assert ndjson(refused.text)[-1]["error"]["code"] == "PERMISSION_DENIED"  # a viewer may not plan
        with TestClient(create_app(ChannelConfig(handle.address))) as anonymous:
            response = anonymous.get("/api/plans")
            assert response.status_code == 401 and response.json()["error"]["code"] == "UNAUTHENTICATED"
    finally:
        server.stop()


def test_page_strings_exist_in_both_languages_for_every_key_the_page_uses(console: TestClient) -> None:
    english, korean = strings("en"), strings("ko")
    assert set(english) == set(korean) and LOCALES == ("en", "ko")
    used = {key for script in (CONSOLE / "static").glob("*.js")
            for key in re.findall(r'\bT\("([a-zA-Z_]+)"', script.read_text())}
    assert used and used <= set(english)
    assert all(HANGUL.search(korean[key]) for key in ("plans", "late_orders", "whatif", "replan"))
    assert console.get("/api/i18n/ko").json() == korean
    assert console.get("/api/i18n/xx").status_code == 404


def test_the_console_is_only_a_client_and_loads_nothing_from_the_network(console: TestClient) -> None:
    for path in CONSOLE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] in {"planner", "forecaster", "service"} for n in names), (path, names)
    page = console.get("/").text
    assert [link for link in re.findall(r'(?:src|href)="([^"]+)"', page) if not link.startswith("#")] == \
        ["/static/style.css", "/static/gantt.js", "/static/app.js", "/static/whatif.js", "/static/replan.js"]
    for asset in (CONSOLE / "static").iterdir():
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", asset.read_text()), asset


@pytest.mark.parametrize("config", [ChannelConfig("x:1", tls_ca_file="/no/such.pem"),
                                    ChannelConfig("x:1", tls_cert_file=__file__)])
def test_tls_settings_are_checked(config: ChannelConfig) -> None:
    with pytest.raises(ValueError, match=r"no such file|go together"):
        config.check()


def _choice_of_machines(stored: dict[str, Any]) -> tuple[str, str, str]:
    """An order, an operation of its product with several eligible machines, and one it does not run on now."""
    products = {p["id"]: p for p in stored["request"]["factory"]["products"]}
    used = {(a["orderId"], a["operationId"]): a.get("machineId", "") for a in stored["plan"]["assignments"]}
    for order in stored["request"]["orders"]:
        for operation in products[order["productId"]]["routing"]:
            others = [e["machineId"] for e in operation["eligibleMachines"]
                      if e["machineId"] != used.get((order["id"], operation["id"]))]
            if len(operation["eligibleMachines"]) > 1 and others:
                return order["id"], operation["id"], others[0]
    raise AssertionError("no operation with a choice of machines")


def test_keep_a_machine_assignment_and_a_new_service_level(console: TestClient, demo_plan_id: str) -> None:
    stored = console.get(f"/api/plans/{demo_plan_id}").json()
    order_id, operation_id, machine_id = _choice_of_machines(stored)
    pin = {"assignMachine": {"orderId": order_id, "operationId": operation_id, "machineId": machine_id}}
    lines = ndjson(console.post(f"/api/plans/{demo_plan_id}/keep", json={"deltas": [pin], "time_limit_s": 2}).text)
    assert "result" in lines[-1], lines[-1]
    kept = console.get(f"/api/plans/{lines[-1]['result']['planId']}").json()
    order = next(o for o in kept["request"]["orders"] if o["id"] == order_id)
    assert order["productId"].endswith(f"@{order_id}")
    assert {a["machineId"] for a in kept["plan"]["assignments"]
            if (a["orderId"], a["operationId"]) == (order_id, operation_id)} == {machine_id}

    lines = ndjson(console.post(f"/api/plans/{demo_plan_id}/keep",
                                json={"deltas": [], "service_level": 0.95, "time_limit_s": 2}).text)
    kept = console.get(f"/api/plans/{lines[-1]['result']['planId']}").json()
    assert kept["request"]["options"]["serviceLevel"] == pytest.approx(0.95)
    refused = console.post(f"/api/plans/{demo_plan_id}/keep", json={"deltas": [], "service_level": 1.5})
    assert refused.status_code == 400
    assert [v["field"] for v in refused.json()["error"]["violations"]] == ["service_level"]
    assert console.post(f"/api/plans/{demo_plan_id}/keep", json={"deltas": []}).status_code == 400


def test_a_refused_scenario_names_the_change_at_fault(console: TestClient, demo_plan_id: str) -> None:
    rush = {"addOrder": {"id": "RUSH-X", "productId": "NO-SUCH", "quantity": "5", "dueTime": "2026-03-05T05:00:00Z"}}
    answer = console.post(f"/api/plans/{demo_plan_id}/compare",
                          json={"scenarios": [{"name": "bad", "deltas": [rush]}], "time_limit_s": 1})
    assert answer.status_code == 400
    fields = [v["field"] for v in answer.json()["error"]["violations"]]
    assert any(f.startswith("scenarios[0].deltas[0].add_order") for f in fields), fields

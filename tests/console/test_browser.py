"""The planner's day in a real headless Chromium (Debian's `chromium`, driven by Playwright), in English and Korean:
import master data and orders from Excel, create a plan (streamed progress), read a late order's reason, try its
fix (one click when the service sends it typed, else as a what-if form) and compare, keep it, report a breakdown
and accept the re-plan, export the dispatch lists and check them.

Screenshots of each step go to the test's temporary folder, or to PRODPLAN_CONSOLE_SCREENSHOTS (e.g. docs/console,
where the README's come from) when set. Skipped with
the reason when Chromium or Playwright is missing (`make browsers` installs Chromium with apt-get where it can).
Playwright never downloads a browser here: it launches /usr/bin/chromium.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from conftest import ServerHandle
from google.protobuf import json_format
from openpyxl import load_workbook
from PIL import Image

from console import excel, master_data
from console.app import create_app
from console.client import ChannelConfig
from prodplan.v1 import planning_service_pb2 as pb

CHROMIUM = os.environ.get("PRODPLAN_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
HANGUL = re.compile("[\uac00-\ud7a3]")
TIMEOUT_MS = 120_000

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip extra 'console')")
if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
    pytest.skip(f"no Chromium at {CHROMIUM}: run `make browsers` (apt-get install chromium) or set PRODPLAN_CHROMIUM",
                allow_module_level=True)


class ConsoleThread:
    """The console under a real uvicorn on a free port, in a background thread."""

    def __init__(self, grpc_address: str) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(ChannelConfig(grpc_address)), log_level="warning"))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[self.socket])),
                                       daemon=True)

    def __enter__(self) -> ConsoleThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the console did not start within 30 s"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)


@pytest.fixture(scope="module")
def console_url(planning_server: ServerHandle) -> Iterator[str]:
    with ConsoleThread(planning_server.address) as console:
        yield console.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def plant_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo plant's master data and its 80 orders in the documented Excel templates."""
    request = json_format.ParseDict(json.loads((REPO / "examples" / "create_plan.json").read_text()),
                                    pb.CreatePlanRequest())
    folder = tmp_path_factory.mktemp("plant")
    master, orders = folder / "master-data.xlsx", folder / "orders.xlsx"
    master.write_bytes(master_data.master_workbook(request.factory))
    orders.write_bytes(excel.orders_workbook(request.orders, timedelta(seconds=request.factory.utc_offset.seconds)))
    return master, orders


def opened_plan(page: Any, previous: str = "") -> str:
    """Wait until the page shows a plan other than `previous` (its Gantt chart drawn); return its id."""
    page.wait_for_url(re.compile(r".*#/plan/.+"))
    page.wait_for_function("prev => !location.hash.endsWith('/' + prev)", arg=previous or "-")
    plan_id: str = page.url.rsplit("/", 1)[-1]
    page.wait_for_function("id => (document.querySelector('#main h1') || {}).textContent?.includes(id)",
                           arg=plan_id[:8])
    page.wait_for_selector("svg.gantt .op, #main > .error")
    assert page.locator("#main > .error").count() == 0, page.locator("#main > .error").inner_text()
    return plan_id


def top(page: Any, selector: str) -> None:
    """Scroll so that the element's top is at the top of the window (what the screenshot shows)."""
    page.eval_on_selector(selector, "element => element.scrollIntoView({block: 'start'})")


def shot(page: Any, folder: Path, locale: str, step: str) -> None:
    """A screenshot of the window, reduced to a 64-colour palette so that the PNGs stay small."""
    folder = Path(os.environ.get("PRODPLAN_CONSOLE_SCREENSHOTS", "") or folder)
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot()))
    image.convert("RGB").quantize(colors=64).save(folder / f"{locale}-{step}.png", optimize=True)


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_a_planners_day(browser: Any, console_url: str, plant_files: tuple[Path, Path], locale: str,
                        tmp_path: Path) -> None:
    master, orders = plant_files
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.goto(f"{console_url}/#/")
    page.select_option("#locale", locale)
    page.wait_for_function(f"document.documentElement.lang === '{locale}'")

    # 1. data in: master data and orders from Excel, then a plan with streamed progress
    page.click("#nav-import")
    page.wait_for_selector("#master-file, #main > .error")
    assert page.locator("#main > .error").count() == 0, page.locator("#main > .error").inner_text()
    page.set_input_files("#master-file", str(master))
    page.wait_for_selector("#import-problems .ok")
    page.set_input_files("#orders-file", str(orders))
    page.wait_for_selector("#preview-table")
    assert page.locator("#preview-table tbody tr").count() == 80
    page.fill("#time-limit", "4")
    page.fill("#verify-fixes", "2")  # part of the limit goes to re-solving with each candidate fix
    shot(page, tmp_path, locale, "1-import")
    page.click("#create-plan")
    page.wait_for_selector(".progress")
    plan_id = opened_plan(page)
    shot(page, tmp_path, locale, "2-plan")

    # 2. a late order's reason (in the plan's language) and its fix
    top(page, "#late-orders")
    first_late = page.locator("#late-table tr.late-order").first
    reason = first_late.locator("td.reason").inner_text()
    assert reason.strip()
    if locale == "ko":
        assert HANGUL.search(reason), reason
    shot(page, tmp_path, locale, "3-late-orders")
    typed = first_late.locator("button.apply-fix").count() > 0
    if typed:  # the service sends the fix as a scenario delta: one click runs it
        first_late.locator("button.apply-fix").click()
    else:  # the fix is text only: the what-if form opens with its machine; a night shift for 3 days
        first_late.locator("button.fix-by-form").click()
        assert page.locator("#delta-kind").input_value() == "overtime"
        page.fill("#delta-fields [name=hours]", "8")
        page.fill("#delta-fields [name=days]", "3")
        page.click("#add-delta")
        page.click("#run-compare")
    page.wait_for_selector("#compare-table")
    columns = page.locator("#compare-table thead th").count()
    assert columns == 3  # KPI name, base, the fix's scenario
    top(page, "#whatif")
    shot(page, tmp_path, locale, "4-fix-compared")
    if typed and page.locator(".scenario-result .cannot-keep").count():  # e.g. a fix topped up with overtime:
        # the console says before any click that a request's weekly calendars cannot hold it
        assert page.locator(".scenario-result .keep-scenario").count() == 0
        page.locator(".discard-scenario").first.click()
    elif typed:  # keep the fix: its changes written into the request, solved as a new stored plan
        page.locator(".keep-scenario").first.click()
        page.wait_for_function("id => !location.hash.endsWith(id) || !!document.querySelector('.keep-area .error')",
                               arg=plan_id)
        if page.locator(".keep-area .error").count():  # e.g. overtime: a request's calendars are weekly
            assert "cannot be written into a plan request" in page.locator(".keep-area .error").inner_text()
            page.locator(".discard-scenario").first.click()
        else:
            plan_id = opened_plan(page, plan_id)
    else:
        page.locator(".discard-scenario").first.click()

    # 3. a breakdown on the busiest CNC, re-planned and accepted
    top(page, "#replan")
    page.select_option("#disruption-kind", "breakdown")
    page.select_option("#disruption-fields [name=machine]", "CNC-3")
    page.fill("#disruption-fields [name=hours]", "24")
    page.fill("#replan-time-limit", "10")  # a re-plan with no solution in time would say so; give it room
    page.click("#run-replan")
    page.wait_for_selector("#replan-outcome")
    assert page.locator("#replan-outcome .summary").inner_text().strip()
    top(page, "#replan-outcome")
    shot(page, tmp_path, locale, "5-replan")
    page.click("#accept-replan")
    replan_id = opened_plan(page, plan_id)

    # 4. data out: the accepted plan's dispatch lists, one sheet per machine
    with page.expect_download() as download_info:
        page.click("#export-dispatch")
    path = tmp_path / "dispatch.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    stored = json.loads(page.evaluate(f"fetch('/api/plans/{replan_id}').then(r => r.text())"))
    machines = [m["id"] for m in stored["request"]["factory"]["machines"]]
    assert book.sheetnames == ["summary", *machines]
    listed = sum(1 for name in machines for row in book[name].iter_rows(min_row=3, values_only=True)
                 if isinstance(row[0], int))
    assert listed == len(stored["plan"]["assignments"])
    shot(page, tmp_path, locale, "6-accepted")
    assert script_errors == []
    context.close()


def plan_from_example(console_url: str, name: str, locale: str) -> tuple[str, dict[str, Any]]:
    """A plan of examples/<name> made through the console's API (2 s, one worker); its id and stored record."""
    request = json.loads((REPO / "examples" / name).read_text())
    request["options"].update(timeLimit="2s", numWorkers=1, skipPredictionEffects=True)
    call = urllib.request.Request(f"{console_url}/api/plans", method="POST",
                                  headers={"content-type": "application/json"},
                                  data=json.dumps({"request": request, "locale": locale}).encode())
    with urllib.request.urlopen(call, timeout=180) as response:
        last = json.loads(response.read().decode().strip().splitlines()[-1])
    assert "result" in last, last
    plan_id: str = last["result"]["planId"]
    with urllib.request.urlopen(f"{console_url}/api/plans/{plan_id}", timeout=60) as response:
        return plan_id, json.loads(response.read())


def choice_of_machines(stored: dict[str, Any]) -> tuple[str, str, str]:
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


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_shortages_what_ifs_and_violations_next_to_their_fields(browser: Any, console_url: str, locale: str,
                                                                 tmp_path: Path) -> None:
    """Material waits and resource rows in the Gantt chart; a refused change named in the scenario list; an operation
    pinned to another machine kept as a new plan while an overtime scenario says it cannot be kept; the service level
    solved again and compared; a re-plan's field violation next to its field."""
    materials_id, materials = plan_from_example(console_url, "plant_materials.json", locale)
    resources_id, resources = plan_from_example(console_url, "plant_resources.json", locale)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale=locale)
    context.add_init_script(f"localStorage.setItem('locale', '{locale}')")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))

    # 1. materials: each operation that waited for stock drawn on its machine row and listed with what it waited for
    page.goto(f"{console_url}/#/plan/{materials_id}")
    opened_plan(page)
    waits = [w for w in materials["plan"].get("materialWaits", []) if w.get("wait", "0s") != "0s"]
    assert page.locator("svg.gantt rect.material-wait").count() == len(waits)
    if waits:
        assert page.locator("#waits-table tbody tr").count() == len(waits)
        top(page, "#gantt")
        shot(page, tmp_path, locale, "7-material-waits")

    # 2. secondary resources: one row each, held against capacity, red where all of it is held
    page.goto(f"{console_url}/#/plan/{resources_id}")
    opened_plan(page, materials_id)
    held = {h["resourceId"] for h in resources["plan"]["resourceHolds"]}
    drawn = set(page.eval_on_selector_all("svg.gantt [data-resource]", "els => els.map(e => e.dataset.resource)"))
    assert held and held <= drawn
    assert page.locator("#gantt-legend .swatch.resource-full").count() == 1
    top(page, "#gantt")
    shot(page, tmp_path, locale, "8-resources")

    # 3. a rush order of an unknown product: the service's violation stands next to that change, which can be removed
    top(page, "#whatif")
    page.select_option("#delta-kind", "rush_order")
    page.eval_on_selector("#delta-fields [name=product]", "s => s.add(new Option('NO-SUCH', 'NO-SUCH', true, true))")
    page.click("#add-delta")
    page.fill("#whatif-time-limit", "2")
    page.click("#run-compare")
    page.wait_for_selector("#scenario-list li.invalid .violation")
    assert "add_order" in page.locator("#scenario-list li.invalid .violation").first.inner_text()
    shot(page, tmp_path, locale, "9-violation-at-change")
    page.click("#scenario-list .remove-delta")
    assert page.locator("#scenario-list li").count() == 0

    # 4. another machine (can be kept) beside overtime on given days (cannot: the page says so before any click)
    order_id, operation_id, machine_id = choice_of_machines(resources)
    page.select_option("#delta-kind", "assign_machine")
    page.select_option("#delta-fields [name=order]", order_id)
    page.select_option("#delta-fields [name=operation]", operation_id)
    page.select_option("#delta-fields [name=machine]", machine_id)
    page.click("#add-delta")
    page.fill("#scenario-name", "pin")
    page.click("#add-scenario")
    page.select_option("#delta-kind", "overtime")
    page.click("#add-delta")
    page.fill("#scenario-name", "overtime")
    page.click("#run-compare")
    page.wait_for_selector("#compare-table")
    assert page.locator(".scenario-result[data-scenario=overtime] .cannot-keep").count() == 1
    assert page.locator(".scenario-result[data-scenario=overtime] .keep-scenario").count() == 0
    page.eval_on_selector(".scenario-result[data-scenario=overtime]", "e => e.scrollIntoView({block: 'end'})")
    shot(page, tmp_path, locale, "10-keep-or-not")
    page.locator(".scenario-result[data-scenario=pin] .keep-scenario").click()
    kept_id = opened_plan(page, resources_id)
    kept = json.loads(page.evaluate(f"fetch('/api/plans/{kept_id}').then(r => r.text())"))
    assert {a["machineId"] for a in kept["plan"]["assignments"]
            if (a["orderId"], a["operationId"]) == (order_id, operation_id)} == {machine_id}

    # 5. the service level: solved again as a new plan, compared with this one; no forecasts here, and the page says so
    top(page, "#service-level-form")
    assert page.locator("#service-level-note").count() == 1
    page.fill("#service-level", "1.5")
    page.click("#run-service-level")
    page.wait_for_selector("#service-level-form label.field-error .violation")
    page.fill("#service-level", "0.95")
    page.click("#run-service-level")
    page.wait_for_selector("#service-level-result table")
    assert page.locator("#service-level-form label.field-error").count() == 0
    shot(page, tmp_path, locale, "11-service-level")

    # 6. a re-plan's rush order with a due time before the plan's start: the violation next to the due field
    page.select_option("#disruption-kind", "rush_order")
    page.fill("#disruption-fields [name=due]", "2020-01-01T08:00")
    page.fill("#replan-time-limit", "2")
    page.click("#run-replan")
    page.wait_for_selector("#replan-result .error")
    violations = page.locator("#replan-result .violations li").all_inner_texts()
    marked = page.locator("#disruption-fields label.field-error").count()
    assert violations and marked >= 1, violations
    assert script_errors == []
    context.close()

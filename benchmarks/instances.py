"""Published scheduling instances: reading the job-shop and flexible job-shop text formats, finding
their best-known bounds, and turning them into the planner's own `PlanRequest`.

Both formats become one `ShopInstance`: jobs of operations, each operation a tuple of
(machine, duration) alternatives with machines numbered from 0 (a classic job-shop has one
alternative per operation). Readers tolerate blank lines and trailing whitespace and raise
`InstanceFormatError` naming the file and line for anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from planner.domain import (
    EligibleMachine,
    Factory,
    Machine,
    Objective,
    Operation,
    Order,
    PlanOptions,
    PlanRequest,
    Product,
)

# The planner requires a run time > 0; a published zero-minute operation (orb07 has some) keeps
# its routing position with a run time so small that it rounds to 0 whole minutes.
_ZERO_RUN_TIME = 1e-12

Alternatives = tuple[tuple[int, int], ...]
"""(machine, duration) pairs of one operation, machines from 0."""


class InstanceFormatError(ValueError):
    """A benchmark file that does not follow its format; the message names the file and line."""


@dataclass(frozen=True)
class ShopInstance:
    name: str
    num_machines: int
    jobs: tuple[tuple[Alternatives, ...], ...]

    @property
    def num_operations(self) -> int:
        return sum(len(job) for job in self.jobs)

    @property
    def total_work(self) -> int:
        """Sum over operations of their longest alternative: no schedule needs longer than this."""
        return sum(max(d for _, d in op) for job in self.jobs for op in job)


def _numbered_lines(path: Path) -> list[tuple[int, list[int]]]:
    """Non-blank lines as (1-based line number, integers); the header's third value (the average
    number of machines per operation in .fjs files) may be a decimal and is dropped."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        tokens = line.split()
        try:
            if not rows and len(tokens) == 3:
                float(tokens.pop())
            rows.append((number, [int(token) for token in tokens]))
        except ValueError as error:
            raise InstanceFormatError(f"{path}:{number}: expected integers, got {line.strip()!r}") from error
    if not rows:
        raise InstanceFormatError(f"{path}: the file is empty")
    return rows


def _header(path: Path, rows: list[tuple[int, list[int]]], minimum: int) -> tuple[int, int]:
    number, values = rows[0]
    if len(values) < minimum or values[0] <= 0 or values[1] <= 0:
        raise InstanceFormatError(f"{path}:{number}: header must start with positive 'jobs machines', got {values}")
    if len(rows) - 1 != values[0]:
        raise InstanceFormatError(f"{path}:{number}: header announces {values[0]} jobs, file has {len(rows) - 1}")
    return values[0], values[1]


def _check_pair(path: Path, number: int, machine: int, duration: int, machines: int) -> None:
    if not 0 <= machine < machines:
        raise InstanceFormatError(f"{path}:{number}: machine {machine} is outside 0..{machines - 1}")
    if duration < 0:
        raise InstanceFormatError(f"{path}:{number}: negative duration {duration}")


def read_jobshop(path: str | Path) -> ShopInstance:
    """A classic job-shop: `jobs machines`, then per job `machine duration` pairs (machines from 0)."""
    path = Path(path)
    rows = _numbered_lines(path)
    _, machines = _header(path, rows, 2)
    jobs = []
    for number, values in rows[1:]:
        if not values or len(values) % 2:
            raise InstanceFormatError(f"{path}:{number}: expected 'machine duration' pairs, got {len(values)} numbers")
        operations = []
        for machine, duration in zip(values[::2], values[1::2], strict=True):
            _check_pair(path, number, machine, duration, machines)
            operations.append(((machine, duration),))
        jobs.append(tuple(operations))
    return ShopInstance(path.stem, machines, tuple(jobs))


def read_fjsp(path: str | Path) -> ShopInstance:
    """A flexible job-shop (.fjs): per job, operations count, then per operation `k (machine duration)*k`,
    machines from 1 (stored from 0)."""
    path = Path(path)
    rows = _numbered_lines(path)
    _, machines = _header(path, rows, 2)
    return ShopInstance(path.stem, machines, tuple(_fjsp_job(path, n, v, machines) for n, v in rows[1:]))


def _fjsp_job(path: Path, number: int, values: list[int], machines: int) -> tuple[Alternatives, ...]:
    def take(count: int) -> list[int]:
        nonlocal cursor
        if count < 0 or cursor + count > len(values):
            raise InstanceFormatError(f"{path}:{number}: the line ends in the middle of an operation")
        cursor += count
        return values[cursor - count:cursor]

    cursor = 0
    operations = []
    (count,) = take(1)
    for _ in range(count):
        (alternatives,) = take(1)
        if alternatives <= 0:
            raise InstanceFormatError(f"{path}:{number}: an operation needs at least one machine")
        pairs = take(2 * alternatives)
        options = tuple((machine - 1, duration) for machine, duration in zip(pairs[::2], pairs[1::2], strict=True))
        for machine, duration in options:
            _check_pair(path, number, machine, duration, machines)
        operations.append(options)
    if cursor != len(values) or not operations:
        raise InstanceFormatError(f"{path}:{number}: expected {count} operations and nothing after them")
    return tuple(operations)


def best_known(path: str | Path) -> dict[str, int | str] | None:
    """The instance's entry of `bounds.json` in its folder or the folder above (None if there is none)."""
    path = Path(path)
    for folder in (path.parent, path.parent.parent):
        bounds = folder / "bounds.json"
        if bounds.is_file():
            entries = json.loads(bounds.read_text(encoding="utf-8"))
            found = next((e for e in entries if e.get("instance") == path.stem), None)
            if found is not None:
                return found
    return None


def to_plan_request(
    instance: ShopInstance, time_limit_seconds: float, num_workers: int, random_seed: int = 0
) -> PlanRequest:
    """One order per job (quantity 1, its own product), run time = duration, no calendars, makespan."""
    machines = [Machine(id=f"M{m}") for m in range(instance.num_machines)]
    products = []
    for j, job in enumerate(instance.jobs):
        routing = [
            Operation(
                id=f"op{k}",
                eligible_machines=[EligibleMachine(machine_id=f"M{m}", run_minutes_per_unit=d or _ZERO_RUN_TIME)
                                   for m, d in operation],
                run_minutes_per_unit=1.0,
            )
            for k, operation in enumerate(job)
        ]
        products.append(Product(id=f"J{j}", routing=routing))
    horizon = max(instance.total_work, 1)
    orders = [Order(id=f"J{j}", product_id=f"J{j}", quantity=1, due=horizon) for j in range(len(instance.jobs))]
    options = PlanOptions(
        horizon_minutes=horizon, objective=Objective.MAKESPAN, time_limit_seconds=time_limit_seconds,
        num_workers=num_workers, random_seed=random_seed,
    )
    return PlanRequest(request_id=instance.name, factory=Factory(name=instance.name, machines=machines,
                                                                 products=products), orders=orders, options=options)

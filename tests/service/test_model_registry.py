"""The model registry: whole versions or none, an atomic active pointer, rollback through the history,
activations and registrations from many threads at once, tenants kept apart, the CLI import."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecaster.plantdata.network import NETWORK_SETTINGS
from forecaster.plantdata.pipeline import PlantTrainSettings, train_from_files
from forecaster.plantdata.simulated import simulated_records
from prodplan.v1 import model_service_pb2 as mpb
from service.errors import InvalidArgumentError, NotFoundError, OverloadedError
from service.model_registry import (
    ACTIVE_FILE,
    PLANT_ID,
    ModelRegistry,
    NothingToRollBackError,
    check_plant_id,
    main,
    write_json_atomically,
)
from service.model_training import Trainer, TrainingJob, checked_job

TENANT, PLANT = "gyeongju", "plant-2"


def fake_model(auprc: float = 0.5) -> Any:
    """A `write` callback that writes a small model folder and returns a defect report."""

    def write(folder: Path) -> dict[str, Any]:
        folder.mkdir()
        (folder / "model.json").write_text("{}")
        return {"version": "defect-plant-1.0.0+abcdef12", "served": "gbm", "warnings": ["few defects"],
                "candidates": {"gbm": {"test": {"auprc": auprc, "brier": 0.1, "ece": 0.01, "log_loss": 0.3}}}}

    return write


def registry_with(tmp_path: Path, versions: int) -> ModelRegistry:
    registry = ModelRegistry(tmp_path / "registry")
    for _ in range(versions):
        registry.register(TENANT, PLANT, "defect", fake_model())
    return registry


def test_versions_are_numbered_per_plant_and_kind_and_listed_newest_first(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, 3)
    registry.register(TENANT, "plant-3", "defect", fake_model())
    models = registry.models(TENANT, PLANT)
    assert [m.version for m in models] == ["v3", "v2", "v1"]
    first = models[-1]
    assert first.model_version == f"{PLANT}/defect/v1" and first.served == "gbm" and first.baseline_served
    assert first.metrics == {"auprc": 0.5, "brier": 0.1, "ece": 0.01, "log_loss": 0.3}
    assert first.warnings == ("few defects",) and (first.model_folder / "model.json").is_file()
    assert [m.version for m in registry.models(TENANT, "plant-3")] == ["v1"]


def test_a_failed_training_registers_nothing_and_leaves_no_staging_folder(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, 1)

    def crash(folder: Path) -> dict[str, Any]:
        folder.mkdir()
        (folder / "half.bin").write_bytes(b"12")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        registry.register(TENANT, PLANT, "defect", crash)
    assert [m.version for m in registry.models(TENANT, PLANT)] == ["v1"]
    assert not any((registry.root / ".staging").iterdir())
    assert registry.register(TENANT, PLANT, "defect", fake_model()).version == "v2"


def test_the_active_pointer_is_replaced_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / ACTIVE_FILE
    write_json_atomically(path, {"version": "v1", "history": []})
    circular: dict[str, Any] = {"version": "v2"}
    circular["history"] = [circular]
    with pytest.raises(ValueError, match="Circular"):
        write_json_atomically(path, circular)  # fails half-way through writing
    assert json.loads(path.read_text()) == {"version": "v1", "history": []}
    assert [p.name for p in tmp_path.iterdir()] == [ACTIVE_FILE]


def test_rollback_walks_back_through_the_versions_active_before(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, 3)
    with pytest.raises(NothingToRollBackError):
        registry.rollback(TENANT, PLANT, "defect")
    for version in ("v1", "v2", "v2", "v3"):
        registry.activate(TENANT, PLANT, "defect", version)
    assert registry.active_version(TENANT, PLANT, "defect") == "v3"
    assert [registry.rollback(TENANT, PLANT, "defect")[0].version for _ in range(2)] == ["v2", "v1"]
    with pytest.raises(NothingToRollBackError):
        registry.rollback(TENANT, PLANT, "defect")
    assert registry.active_version(TENANT, PLANT, "defect") == "v1"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["v1", "v2", "v3"]), min_size=1, max_size=12))
def test_rollback_returns_the_activations_in_reverse_order(tmp_path_factory: pytest.TempPathFactory,
                                                           activations: list[str]) -> None:
    registry = registry_with(tmp_path_factory.mktemp("rollback"), 3)
    changes: list[str] = []
    for version in activations:
        registry.activate(TENANT, PLANT, "defect", version)
        if not changes or changes[-1] != version:
            changes.append(version)
    assert registry.active_version(TENANT, PLANT, "defect") == changes[-1]
    for expected in reversed(changes[:-1]):
        model, rolled_back = registry.rollback(TENANT, PLANT, "defect")
        assert model.version == expected and rolled_back != expected
    with pytest.raises(NothingToRollBackError):
        registry.rollback(TENANT, PLANT, "defect")


def test_concurrent_activations_lose_no_update(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, 4)
    versions = [f"v{1 + i % 4}" for i in range(200)]

    def activate(version: str) -> tuple[str, str | None]:
        model, previous = registry.activate(TENANT, PLANT, "defect", version)
        return model.version, previous

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(activate, versions))
    pointer = json.loads((registry.root / TENANT / PLANT / "defect" / ACTIVE_FILE).read_text())
    changed = [previous for version, previous in results if previous is not None and previous != version]
    assert len(pointer["history"]) == len(changed)  # every change pushed exactly one previous version
    assert sorted(pointer["history"]) == sorted(changed)
    assert pointer["version"] in {"v1", "v2", "v3", "v4"}


def test_concurrent_registrations_get_distinct_versions(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path / "registry")
    with ThreadPoolExecutor(6) as pool:
        registered = list(pool.map(lambda _: registry.register(TENANT, PLANT, "defect", fake_model()), range(12)))
    assert sorted(int(m.version[1:]) for m in registered) == list(range(1, 13))


def test_another_tenants_plant_and_unknown_versions_are_not_found(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, 1)
    for call in (lambda: registry.models("ulsan", PLANT), lambda: registry.activate("ulsan", PLANT, "defect", "v1"),
                 lambda: registry.rollback("ulsan", PLANT, "defect"),
                 lambda: registry.activate(TENANT, PLANT, "defect", "v9"),
                 lambda: registry.activate(TENANT, PLANT, "defect", "../v1")):
        with pytest.raises(NotFoundError):
            call()
    assert registry.active("ulsan", PLANT, "defect") is None
    with pytest.raises(ValueError, match="tenant"):
        registry.models("..", PLANT)


@given(st.from_regex(PLANT_ID, fullmatch=True))
def test_plant_ids_of_the_documented_form_are_accepted(plant_id: str) -> None:
    check_plant_id(plant_id)


@given(st.one_of(st.just(""), st.text(min_size=1).map(lambda s: "." + s), st.text(min_size=65, max_size=80),
                 st.text(min_size=1).filter(lambda s: "/" in s or "\x00" in s)))
def test_plant_ids_that_could_name_another_folder_are_refused(plant_id: str) -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        check_plant_id(plant_id)
    assert refused.value.violations[0].field == "plant_id"


def test_a_model_folder_trained_by_the_cli_can_be_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = tmp_path / "records.csv"
    simulated_records(records_per_process=150, days=30).to_csv(records, index=False)
    settings = PlantTrainSettings(network=replace(NETWORK_SETTINGS, max_epochs=2))
    train_from_files(records, tmp_path / "trained", settings=replace(settings, boosting=replace(
        settings.boosting, max_trees=10)))
    registry_dir = tmp_path / "registry"
    argv = ["import", str(tmp_path / "trained"), "--plant", PLANT, "--kind", "defect", "--model-dir",
            str(registry_dir), "--activate"]
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["model_version"] == f"{PLANT}/defect/v1" and printed["active"]
    assert ModelRegistry(registry_dir).active_version("default", PLANT, "defect") == "v1"
    (tmp_path / "trained" / "gbm.txt").write_text("tampered")
    assert main(argv) == 2  # checksums are checked before anything is copied
    assert [m.version for m in ModelRegistry(registry_dir).models("default", PLANT)] == ["v1"]


def _job(tmp_path: Path) -> tuple[Trainer, TrainingJob]:
    content = simulated_records(records_per_process=100, days=20).to_csv(index=False).encode()
    request = mpb.TrainModelRequest(plant_id=PLANT, kind=mpb.MODEL_KIND_DEFECT, activate=True,
                                    records=mpb.UploadedFile(name="records.csv", content=content),
                                    options=mpb.TrainingOptions(max_epochs=2, max_trees=10))
    return Trainer(ModelRegistry(tmp_path / "registry")), checked_job(request, TENANT)


def test_a_second_training_at_once_is_refused_with_a_retry_hint(tmp_path: Path) -> None:
    trainer, job = _job(tmp_path)
    assert trainer._slot.acquire(blocking=False)  # a training is running

    async def first_step() -> object:
        return await anext(trainer.run(job))

    with pytest.raises(OverloadedError) as refused:
        asyncio.run(first_step())
    assert refused.value.retry_after_s > 0


def test_a_training_whose_caller_went_away_registers_nothing(tmp_path: Path) -> None:
    trainer, job = _job(tmp_path)

    async def leave_after_the_first_step() -> object:
        steps = trainer.run(job)
        first = await anext(steps)
        await steps.aclose()
        return first

    first = asyncio.run(leave_after_the_first_step())
    assert getattr(first, "phase", None) == "validating"
    deadline = time.monotonic() + 60
    while not trainer._slot.acquire(blocking=False):  # the thread stops at its next progress report
        assert time.monotonic() < deadline, "the training thread did not stop"
        time.sleep(0.05)
    with pytest.raises(NotFoundError):
        trainer.registry.models(TENANT, PLANT)
    assert not any((trainer.registry.root / ".staging").iterdir())

"""The model registry: which model versions a plant has, and which one is served (ModelService).

Layout under the settings' `model_dir`, one folder per tenant, plant, kind and version:

    <model_dir>/<tenant>/<plant>/<kind>/versions/v<N>/model/    the forecaster's model folder (checksummed)
    <model_dir>/<tenant>/<plant>/<kind>/versions/v<N>/entry.json when it was registered, what it serves, scores
    <model_dir>/<tenant>/<plant>/<kind>/active.json             {"version": "v3", "history": ["v1", "v2"]}
    <model_dir>/<tenant>/<plant>/<kind>/.lock                   serialises numbering and activation
    <model_dir>/.staging/<random>/                              a version being written

A new version is written completely under `.staging` and renamed into `versions/` under the lock, so a
version folder either holds a whole model or does not exist (a failed training run leaves nothing). The
active pointer is rewritten atomically (temporary file, fsync, rename); its `history` is the stack of
previously active versions that rollback returns to. The lock is an `flock` on a file, so it holds
between threads and between replicas sharing the folder.

`python -m service.model_registry import --plant P --kind defect DIR` registers a model folder written by
`python -m forecaster.train` (see docs/PLANT-DATA.md).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forecaster.artifacts import ArtifactError
from service.auth import PermissionDeniedError
from service.errors import FieldViolation, InvalidArgumentError, NotFoundError

KINDS = ("defect", "demand", "risk")
PLANT_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")
"""A plant id: 1-64 letters, digits, `.`, `_`, `-`, not starting with `.` (it names a folder)."""
TENANT_FOLDER = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")
"""A tenant that may own models: the tokens' tenant rule ([A-Za-z0-9._-]{1,128}) minus names starting with
`.` ('.', '..', and the registry's own `.staging`), since the tenant names a folder under the model dir."""
MODEL_FOLDER, ENTRY_FILE, ACTIVE_FILE, LOCK_FILE = "model", "entry.json", "active.json", ".lock"
_VERSION = re.compile(r"^v([1-9][0-9]{0,8})$")


class TenantFolderError(PermissionDeniedError, ValueError):
    """The caller's tenant cannot name a folder of its own in the registry (PERMISSION_DENIED, with a message
    saying why; never a path outside the model dir)."""


class NothingToRollBackError(Exception):
    """Rollback asked for, but no version was active before the current one (FAILED_PRECONDITION)."""


@dataclass(frozen=True)
class RegisteredModel:
    """One registered version, as ListModels shows it."""

    plant_id: str
    kind: str
    version: str
    artifact_version: str
    created: datetime
    served: str
    folder: Path
    metrics: dict[str, float] = field(default_factory=dict)
    baseline_served: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def model_version(self) -> str:
        """The name predictions and plans give this model: `<plant>/<kind>/v<N>`."""
        return f"{self.plant_id}/{self.kind}/{self.version}"

    @property
    def model_folder(self) -> Path:
        return self.folder / MODEL_FOLDER


def check_plant_id(plant_id: str, field_path: str = "plant_id") -> None:
    """InvalidArgumentError unless `plant_id` has the form of PLANT_ID."""
    if not PLANT_ID.match(plant_id):
        raise InvalidArgumentError([FieldViolation(field_path, (
            f"{plant_id!r} is not a plant id: 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'"))])


def check_tenant(tenant: str) -> None:
    """TenantFolderError unless the tenant can name a folder of its own under the model dir."""
    if not TENANT_FOLDER.match(tenant):
        raise TenantFolderError(
            f"tenant {tenant[:128]!r} cannot own models: a tenant name must not start with '.' (nor be '.' or "
            "'..'), since it names the tenant's folder in the model registry; ask the administrator to change "
            "the token's tenant")


def check_kind(kind: str, field_path: str = "kind") -> None:
    if kind not in KINDS:
        raise InvalidArgumentError([FieldViolation(field_path, f"must be one of {', '.join(KINDS)}")])


def write_json_atomically(path: Path, content: dict[str, Any]) -> None:
    """Write JSON to `path` so that readers see the old content or the new one, never a part of it."""
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with staging.open("w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=2, ensure_ascii=False, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def _headline(kind: str, report: dict[str, Any]) -> tuple[str, dict[str, float], bool, tuple[str, ...]]:
    """(what is served, its test scores, whether a baseline is served, warnings) from a report."""
    warnings = tuple(str(w) for w in report.get("warnings", []))
    if kind == "defect":
        served = str(report.get("served", ""))
        test = report.get("candidates", {}).get(served, {}).get("test", {})
        metrics = {k: float(test[k]) for k in ("auprc", "brier", "ece", "log_loss") if k in test}
        return served, metrics, served in ("base_rate", "gbm"), warnings
    if kind == "demand":
        served_by_class = report.get("served", {})
        served = ", ".join(f"{c}: {m}" for c, m in served_by_class.items())
        test = report.get("served_scores", {}).get("test", {})
        metrics = {k: float(v) for k, v in test.items() if k != "series" and isinstance(v, int | float)}
        methods = set(served_by_class.values())
        baseline = bool(methods) and all("+" not in m and m in {"seasonal_naive", "ets", "theta", "croston_sba", "tsb"}
                                         for m in methods)
        return served, metrics, baseline, warnings
    served = str(report.get("served", ""))
    test = report.get("test", {}).get(served, {})
    metrics = {f"{name}_{horizon}h": float(value) for horizon, scores in test.get("horizons", {}).items()
               for name, value in scores.items() if isinstance(value, int | float)}
    if isinstance(test.get("concordance"), int | float):
        metrics["concordance"] = float(test["concordance"])
    return served, metrics, False, warnings


def _entry(plant_id: str, kind: str, version: str, folder: Path, content: dict[str, Any]) -> RegisteredModel:
    return RegisteredModel(
        plant_id=plant_id, kind=kind, version=version, artifact_version=str(content["artifact_version"]),
        created=datetime.fromisoformat(content["created"]), served=str(content["served"]), folder=folder,
        metrics={k: float(v) for k, v in content.get("metrics", {}).items()},
        baseline_served=bool(content.get("baseline_served", False)), warnings=tuple(content.get("warnings", ())))


def _version_number(name: str) -> int | None:
    match = _VERSION.match(name)
    return int(match.group(1)) if match else None


class ModelRegistry:
    """Versions of every plant's models under `root`, per tenant; thread- and process-safe.

    Args:
        root: the registry folder (created when missing).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _kind_dir(self, tenant: str, plant_id: str, kind: str) -> Path:
        check_tenant(tenant)  # tokens allow '..' as a tenant name; it must never name a folder
        check_plant_id(plant_id)
        check_kind(kind)
        return self.root / tenant / plant_id / kind

    @contextmanager
    def _locked(self, kind_dir: Path) -> Iterator[None]:
        kind_dir.mkdir(parents=True, exist_ok=True)
        with (kind_dir / LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def register(self, tenant: str, plant_id: str, kind: str, write: Callable[[Path], dict[str, Any]]
                 ) -> RegisteredModel:
        """Register a new version: `write(folder)` writes the model folder (which must not exist yet) and
        returns its report. Nothing is registered when `write` raises."""
        kind_dir = self._kind_dir(tenant, plant_id, kind)
        staging = self.root / ".staging" / uuid.uuid4().hex
        try:
            staging.mkdir(parents=True)
            report = write(staging / MODEL_FOLDER)
            served, metrics, baseline, warnings = _headline(kind, report)
            content = {"artifact_version": str(report.get("version", "")), "served": served, "metrics": metrics,
                       "baseline_served": baseline, "warnings": list(warnings),
                       "created": datetime.now(UTC).isoformat()}
            write_json_atomically(staging / ENTRY_FILE, content)
            with self._locked(kind_dir):
                versions = kind_dir / "versions"
                versions.mkdir(exist_ok=True)
                numbers = [n for n in (_version_number(p.name) for p in versions.iterdir()) if n is not None]
                version = f"v{max(numbers, default=0) + 1}"
                os.rename(staging, versions / version)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return _entry(plant_id, kind, version, versions / version, content)

    def import_folder(self, tenant: str, plant_id: str, kind: str, source: Path) -> RegisteredModel:
        """Register a copy of a model folder written by `forecaster.train` (checked before it is copied)."""
        report = read_checked_report(kind, source)

        def copy(folder: Path) -> dict[str, Any]:
            shutil.copytree(source, folder)
            return report

        return self.register(tenant, plant_id, kind, copy)

    def models(self, tenant: str, plant_id: str, kind: str | None = None) -> list[RegisteredModel]:
        """The plant's versions (one kind, or all), newest first per kind; NotFoundError when the plant has
        none in this tenant (another tenant's plant looks exactly like a plant that does not exist)."""
        found: list[RegisteredModel] = []
        for each in (kind,) if kind else KINDS:
            kind_dir = self._kind_dir(tenant, plant_id, each)
            versions = kind_dir / "versions"
            if not versions.is_dir():
                continue
            named = sorted(((n, p) for p in versions.iterdir() if (n := _version_number(p.name)) is not None),
                           reverse=True)
            found += [self._read(plant_id, each, p) for _, p in named]
        if not found:
            what = f"{kind} models" if kind else "models"
            raise NotFoundError(f"plant {plant_id!r} has no {what}")
        return found

    def _read(self, plant_id: str, kind: str, folder: Path) -> RegisteredModel:
        content = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
        return _entry(plant_id, kind, folder.name, folder, content)

    def get(self, tenant: str, plant_id: str, kind: str, version: str) -> RegisteredModel:
        """One version; NotFoundError naming it when it does not exist."""
        folder = self._kind_dir(tenant, plant_id, kind) / "versions" / version
        if _version_number(version) is None or not (folder / ENTRY_FILE).is_file():
            raise NotFoundError(f"plant {plant_id!r} has no {kind} model {version!r}")
        return self._read(plant_id, kind, folder)

    def _pointer(self, kind_dir: Path) -> dict[str, Any]:
        path = kind_dir / ACTIVE_FILE
        if not path.is_file():
            return {"version": None, "history": []}
        content: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return content

    def active_version(self, tenant: str, plant_id: str, kind: str) -> str | None:
        """The active version's name (one small file read: cheap enough to ask on every call)."""
        version = self._pointer(self._kind_dir(tenant, plant_id, kind)).get("version")
        return str(version) if version else None

    def active(self, tenant: str, plant_id: str, kind: str) -> RegisteredModel | None:
        version = self.active_version(tenant, plant_id, kind)
        return self.get(tenant, plant_id, kind, version) if version else None

    def activate(self, tenant: str, plant_id: str, kind: str, version: str) -> tuple[RegisteredModel, str | None]:
        """Make `version` active; returns it and the version active before (None when none was)."""
        kind_dir = self._kind_dir(tenant, plant_id, kind)
        model = self.get(tenant, plant_id, kind, version)
        with self._locked(kind_dir):
            pointer = self._pointer(kind_dir)
            previous = pointer.get("version")
            if previous != version:
                history = [*pointer.get("history", []), *([previous] if previous else [])]
                write_json_atomically(kind_dir / ACTIVE_FILE, {"version": version, "history": history})
        return model, previous

    def rollback(self, tenant: str, plant_id: str, kind: str) -> tuple[RegisteredModel, str]:
        """Activate the version active before the current one; returns it and the version rolled back.
        NotFoundError when the plant has no such models, NothingToRollBackError when nothing was before."""
        kind_dir = self._kind_dir(tenant, plant_id, kind)
        self.models(tenant, plant_id, kind)  # NotFoundError for an unknown (or another tenant's) plant
        with self._locked(kind_dir):
            pointer = self._pointer(kind_dir)
            current, history = pointer.get("version"), list(pointer.get("history", []))
            if not current or not history:
                raise NothingToRollBackError(
                    f"plant {plant_id!r}: no {kind} model was active before {current or 'now'}; nothing to roll "
                    "back to")
            previous = history.pop()
            write_json_atomically(kind_dir / ACTIVE_FILE, {"version": previous, "history": history})
        return self.get(tenant, plant_id, kind, previous), current


def read_checked_report(kind: str, folder: Path) -> dict[str, Any]:
    """The report of a model folder of `kind`, after reading the whole folder with the forecaster's own
    reader (format and checksums); ArtifactError or FileNotFoundError when it is not one."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    if kind == "defect":
        from forecaster.plantdata.artifact import read_model_folder as read_defect

        return read_defect(folder).report
    if kind == "demand":
        from forecaster.plantdemand.artifact import read_model_folder as read_demand

        return read_demand(folder).report or {}
    from forecaster.plantrisk.artifact import read_model_folder as read_risk

    return read_risk(folder).report


def main(argv: list[str] | None = None) -> int:
    """`python -m service.model_registry import ...`: register a model folder trained by the CLI."""
    parser = argparse.ArgumentParser(prog="python -m service.model_registry",
                                     description="Register a model folder written by `python -m forecaster.train`.")
    commands = parser.add_subparsers(dest="command", required=True)
    imported = commands.add_parser("import", help="register a copy of a model folder as a new version")
    imported.add_argument("folder", type=Path)
    imported.add_argument("--plant", required=True)
    imported.add_argument("--kind", required=True, choices=KINDS)
    imported.add_argument("--tenant", default="default", help="tenant of the tokens file (default: 'default')")
    imported.add_argument("--model-dir", type=Path, default=None, help="registry folder (default: PRODPLAN_MODEL_DIR "
                                                                      "or ./prodplan-models)")
    imported.add_argument("--activate", action="store_true", help="serve the new version at once")
    args = parser.parse_args(argv)
    from service.settings import Settings

    registry = ModelRegistry(args.model_dir or Path(Settings().model_dir))
    try:
        model = registry.import_folder(args.tenant, args.plant, args.kind, args.folder)
        if args.activate:
            registry.activate(args.tenant, args.plant, args.kind, model.version)
    except (InvalidArgumentError, PermissionDeniedError, FileNotFoundError, ValueError, ArtifactError) as error:
        print(f"cannot register {args.folder}: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"model_version": model.model_version, "artifact_version": model.artifact_version,
                      "served": model.served, "metrics": model.metrics, "active": args.activate}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

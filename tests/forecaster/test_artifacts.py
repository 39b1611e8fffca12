"""Artifacts: round trip through safetensors + JSON, and clear errors for corrupted or mismatched files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from forecaster.artifacts import ArtifactError, load_artifact, load_into, save_artifact
from forecaster.demand import DemandNet

METADATA = {"version": "test-0.0.1+abc", "architecture": {"class": "DemandNet", "config": {"hidden": 16, "blocks": 1}},
            "training": {"data_hash": "abc"}, "metrics": {}}


def _saved(tmp_path: Path) -> DemandNet:
    torch.manual_seed(0)
    net = DemandNet(hidden=16, blocks=1)
    save_artifact(tmp_path, "model", net, METADATA, half_precision=False)
    return net


def test_round_trip_restores_every_tensor(tmp_path: Path) -> None:
    net = _saved(tmp_path)
    artifact = load_artifact("model", tmp_path)
    loaded = DemandNet(**artifact.config)
    load_into(loaded, artifact, "model", tmp_path)
    for key, tensor in net.state_dict().items():
        assert torch.equal(tensor, loaded.state_dict()[key]), key
    assert artifact.version == "test-0.0.1+abc"


def test_truncated_weights_name_the_file_and_the_problem(tmp_path: Path) -> None:
    _saved(tmp_path)
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ArtifactError, match=r"model\.safetensors.*checksum mismatch"):
        load_artifact("model", tmp_path)


def test_garbage_with_matching_checksum_is_rejected_as_unreadable(tmp_path: Path) -> None:
    _saved(tmp_path)
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not a safetensors file at all")
    meta_path = tmp_path / "model.json"
    metadata = json.loads(meta_path.read_text())
    import hashlib

    metadata["sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    meta_path.write_text(json.dumps(metadata))
    with pytest.raises(ArtifactError, match="not a readable safetensors file"):
        load_artifact("model", tmp_path)


def test_broken_json_and_missing_keys(tmp_path: Path) -> None:
    _saved(tmp_path)
    meta_path = tmp_path / "model.json"
    meta_path.write_text("{not json")
    with pytest.raises(ArtifactError, match=r"model\.json.*not valid JSON"):
        load_artifact("model", tmp_path)
    meta_path.write_text(json.dumps({"name": "model"}))
    with pytest.raises(ArtifactError, match="lacks required keys"):
        load_artifact("model", tmp_path)


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="metadata file is missing"):
        load_artifact("absent", tmp_path)


def test_architecture_mismatch_lists_the_tensors(tmp_path: Path) -> None:
    _saved(tmp_path)
    artifact = load_artifact("model", tmp_path)
    with pytest.raises(ArtifactError, match=r"does not match the model architecture.*shape"):
        load_into(DemandNet(hidden=32, blocks=1), artifact, "model", tmp_path)
    with pytest.raises(ArtifactError, match="missing tensor"):
        load_into(DemandNet(hidden=16, blocks=2), artifact, "model", tmp_path)


def test_shipped_artifacts_load_and_carry_versions() -> None:
    from forecaster import load_models

    models = load_models()
    for name, version in models.versions.items():
        assert version.startswith(f"{name}-"), version

"""Model artifacts: a `state_dict` in safetensors plus JSON metadata, never pickle.

An artifact `NAME` is two files side by side: `NAME.safetensors` (tensors only) and `NAME.json`
(architecture config, training data and its hash, metrics, version, the sha256 of the tensor file and
any normalization constants). Loading checks the JSON, the checksum, and that every tensor name and
shape matches the model it is loaded into; any mismatch raises `ArtifactError` naming the file and
what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

logger = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
FORMAT_VERSION = 1
_REQUIRED_KEYS = ("name", "version", "format_version", "architecture", "training", "metrics", "sha256")


class ArtifactError(RuntimeError):
    """A model artifact is missing, corrupted or does not match the model that loads it."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"model artifact {path}: {problem}")


@dataclass(frozen=True)
class Artifact:
    """A loaded artifact: tensors (on CPU, float32) and the metadata from its JSON file."""

    tensors: dict[str, torch.Tensor]
    metadata: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.metadata["version"])

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.metadata["architecture"]["config"])


def data_hash(*arrays: np.ndarray) -> str:
    """A short sha256 over training arrays (dtype, shape and bytes), recorded with every artifact."""
    digest = hashlib.sha256()
    for array in arrays:
        contiguous = np.ascontiguousarray(array)
        digest.update(str(contiguous.dtype).encode())
        digest.update(str(contiguous.shape).encode())
        digest.update(contiguous.tobytes())
    return digest.hexdigest()[:16]


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_artifact(
    directory: Path, name: str, model: torch.nn.Module, metadata: dict[str, Any], half_precision: bool = True
) -> Path:
    """Write NAME.safetensors and NAME.json; float tensors are stored as float16 when `half_precision`.

    `metadata` must hold `version`, `architecture`, `training` and `metrics`; the checksum is added here.
    """
    directory.mkdir(parents=True, exist_ok=True)
    weights_path = directory / f"{name}.safetensors"
    tensors = {}
    for key, tensor in model.state_dict().items():
        stored = tensor.detach().cpu().contiguous()
        if half_precision and stored.is_floating_point():
            stored = stored.to(torch.float16)
        tensors[key] = stored
    save_file(tensors, str(weights_path), metadata={"name": name})
    full = {"name": name, "format_version": FORMAT_VERSION, **metadata, "sha256": _file_sha256(weights_path)}
    (directory / f"{name}.json").write_text(json.dumps(full, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    logger.info("saved artifact %s (%d tensors)", weights_path, len(tensors))
    return weights_path


def _read_metadata(json_path: Path) -> dict[str, Any]:
    if not json_path.is_file():
        raise ArtifactError(json_path, "metadata file is missing")
    try:
        metadata = json.loads(json_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(json_path, f"metadata is not valid JSON ({error})") from error
    if not isinstance(metadata, dict):
        raise ArtifactError(json_path, "metadata must be a JSON object")
    missing = [key for key in _REQUIRED_KEYS if key not in metadata]
    if missing:
        raise ArtifactError(json_path, f"metadata lacks required keys {missing}")
    if metadata["format_version"] != FORMAT_VERSION:
        raise ArtifactError(json_path, f"format_version {metadata['format_version']} != {FORMAT_VERSION}")
    return metadata


def load_artifact(name: str, directory: Path = WEIGHTS_DIR) -> Artifact:
    """Read and verify artifact NAME from `directory` (no pickle: safetensors + JSON only)."""
    weights_path = directory / f"{name}.safetensors"
    metadata = _read_metadata(directory / f"{name}.json")
    if not weights_path.is_file():
        raise ArtifactError(weights_path, "weights file is missing")
    actual = _file_sha256(weights_path)
    if actual != metadata["sha256"]:
        raise ArtifactError(
            weights_path, f"checksum mismatch (file {actual[:12]}..., metadata {str(metadata['sha256'])[:12]}...): "
            "the file is corrupted or belongs to another version"
        )
    try:
        tensors = load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError, ValueError) as error:
        raise ArtifactError(weights_path, f"not a readable safetensors file ({error})") from error
    tensors = {k: (v.float() if v.is_floating_point() else v) for k, v in tensors.items()}
    return Artifact(tensors=tensors, metadata=metadata)


def load_into(module: torch.nn.Module, artifact: Artifact, name: str, directory: Path = WEIGHTS_DIR) -> None:
    """Copy artifact tensors into `module`, raising `ArtifactError` on missing, extra or mis-shaped tensors."""
    weights_path = directory / f"{name}.safetensors"
    expected = module.state_dict()
    problems = [f"missing tensor {k!r}" for k in expected if k not in artifact.tensors]
    problems += [f"unexpected tensor {k!r}" for k in artifact.tensors if k not in expected]
    problems += [
        f"tensor {k!r} has shape {tuple(artifact.tensors[k].shape)}, model expects {tuple(v.shape)}"
        for k, v in expected.items()
        if k in artifact.tensors and artifact.tensors[k].shape != v.shape
    ]
    if problems:
        raise ArtifactError(weights_path, "does not match the model architecture: " + "; ".join(problems[:5]))
    module.load_state_dict(artifact.tensors)
    module.eval()

"""Tenant names and the model registry's folders: every tenant the tokens allow either gets a folder of its
own inside the model dir or a clear PERMISSION_DENIED (never a path outside it, never UNKNOWN), by the
registry itself and over a real channel with a token whose tenant is '..'."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest
from conftest import ServerThread
from hypothesis import given
from hypothesis import strategies as st

from prodplan.v1 import model_service_pb2 as mpb
from prodplan.v1 import model_service_pb2_grpc as mpb_grpc
from service.auth import PermissionDeniedError, new_token, token_hash
from service.jwt_auth import TENANT_PATTERN
from service.model_registry import ModelRegistry, TenantFolderError
from service.settings import Settings


@given(st.from_regex(TENANT_PATTERN, fullmatch=True))
def test_every_token_tenant_owns_a_folder_inside_the_model_dir_or_is_refused_clearly(tenant: str) -> None:
    root = Path("/srv/models")
    registry = ModelRegistry(root)
    try:
        folder = registry._kind_dir(tenant, "plant-1", "risk")
    except TenantFolderError as error:
        assert tenant.startswith(".") and "cannot own models" in str(error)
        return
    assert folder.resolve().is_relative_to(root) and folder.parts[len(root.parts)] == tenant
    assert not tenant.startswith(".")


@pytest.mark.parametrize("tenant", [".", "..", ".staging"])
def test_dot_tenants_are_refused_before_anything_is_written(tmp_path: Path, tenant: str) -> None:
    registry = ModelRegistry(tmp_path / "registry")
    with pytest.raises(PermissionDeniedError, match=r"must not start with '\.'"):
        registry.register(tenant, "plant-1", "risk", lambda out: {})
    assert not (tmp_path / "registry").exists() or not any((tmp_path / "registry").rglob("entry.json"))


def test_a_token_whose_tenant_is_dot_dot_gets_permission_denied_over_a_real_channel(tmp_path: Path) -> None:
    token = new_token()
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"tokens": [{"sha256": token_hash(token), "tenant": "..", "role": "admin"}]}))
    thread = ServerThread(Settings(solver_processes=1, db=str(tmp_path / "plans.db"),
                                   model_dir=str(tmp_path / "registry"), tokens_file=str(tokens)))
    handle = thread.start()
    try:
        with grpc.insecure_channel(handle.address) as channel, pytest.raises(grpc.RpcError) as refused:
            mpb_grpc.ModelServiceStub(channel).ListModels(mpb.ListModelsRequest(plant_id="plant-1"),
                                                          metadata=[("authorization", f"Bearer {token}")])
    finally:
        thread.stop()
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "tenant '..' cannot own models" in refused.value.details()
    assert not any(tmp_path.parent.glob("plant-1"))

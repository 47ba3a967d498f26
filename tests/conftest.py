"""Shared fixtures: a fresh workspace with the small hand-checked inputs of tests/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgers.store import Store
from ledgers.workspace import Workspace, init_workspace

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws", "Test Trust", "2019/20", contract_value=1_000_000)


@pytest.fixture
def store(workspace: Workspace) -> Iterator[Store]:
    s = workspace.open()
    yield s
    s.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path

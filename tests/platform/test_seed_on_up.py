"""`slogate up` seeds the data set with the service's seed command, unless --no-seed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.platform.conftest import REPO, Slogate, write_config
from tests.platform.test_stack import up

pytestmark = pytest.mark.slow


def _organisations(edge_url: str | None) -> list[object]:
    response = httpx.get(f"{edge_url}/api/v1/organisations", params={"limit": 100}, timeout=5)
    assert response.status_code == 200, response.text
    items: list[object] = response.json()["items"]
    return items


def test_up_seeds_unless_told_not_to(slogate: Slogate, tmp_path: Path) -> None:
    service = {
        "working_dir": str(REPO),
        "replicas": 1,
        "env": {"TARGET_SHUTDOWN_DELAY_S": "0", "SLOGATE_TEST_MARK": str(tmp_path)},
    }
    write_config(tmp_path, {"service": service})

    seeded = up(slogate, "seeded")
    assert len(_organisations(seeded.edge_url)) == 20  # the default seed command's count
    assert (Path(seeded.run_dir) / "logs" / "seed.log").exists()
    assert slogate.cli("down", "--stack", "seeded").exit_code == 0

    empty = up(slogate, "empty", "--no-seed")
    assert _organisations(empty.edge_url) == []
    assert not (Path(empty.run_dir) / "logs" / "seed.log").exists()

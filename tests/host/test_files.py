"""One atomic write and one validated read for every small file slogate keeps (stack state,
the Kubernetes and kind records, reports, the load generator's status): a reader sees the old
file or the whole new one, the file gets the umask's mode, and a file that is not the model
is a ConfigError naming the file and the fix."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from slogate.errors import ConfigError
from slogate.host.files import read_model, write_atomically
from slogate.platform.kubernetes.kind_cluster import KindRecord, load_kind_record, save_kind_record
from slogate.platform.state import StackState, load_state, save_state, stack_dir
from tests.support.cli import slogate_home
from tests.support.umask import umask


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("durable", [True, False], ids=["fsynced", "not-fsynced"])
def test_a_write_replaces_the_whole_file_and_leaves_no_temporary(
    tmp_path: Path, durable: bool
) -> None:
    path = tmp_path / "new" / "state.json"
    with umask(0o022):
        write_atomically(path, "first", durable=durable)
        write_atomically(path, "second", durable=durable)
    assert path.read_text() == "second"
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]
    assert _mode(path) == 0o644


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    write_atomically(path, "old")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(path, "half \udcff written")  # a lone surrogate cannot be encoded
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (b"{ not json", "Invalid JSON"),
        (b"", "EOF while parsing"),
        (b'{"cluster": "c"}', "created"),
        (b"\xff\xfe", "Invalid JSON"),
    ],
    ids=["not-json", "empty", "missing-field", "not-utf8"],
)
def test_a_file_that_is_not_the_model_names_the_file_and_the_fix(
    tmp_path: Path, text: bytes, why: str
) -> None:
    path = tmp_path / "kind.json"
    path.write_bytes(text)
    with pytest.raises(ConfigError) as raised:
        read_model(path, KindRecord, "delete the cluster")
    message = str(raised.value)
    assert str(path) in message and why in message and message.endswith("delete the cluster")


def test_records_round_trip_and_a_missing_one_is_none(tmp_path: Path) -> None:
    with slogate_home(tmp_path), umask(0o022):
        assert load_state("s") is None and load_kind_record("s") is None
        state = StackState(stack="s", started_at=1.5, run_dir="/x", edge_url="http://e")
        save_state(state)
        record = KindRecord(cluster="c", created=True, kind="/usr/bin/kind")
        save_kind_record("s", record)
        assert load_state("s") == state and load_kind_record("s") == record
        folder = stack_dir("s")
        modes = {p.name: _mode(p) for p in folder.iterdir()}
        assert modes == {"state.json": 0o644, "kind.json": 0o644}  # inside a 0700 folder
        assert _mode(folder) == 0o700
        (folder / "state.json").write_text('{"stack": "s"}')
        with pytest.raises(ConfigError, match=r"(?s)unreadable .*run `slogate down --stack s`"):
            load_state("s")

"""`slogate check` refuses bad input with exit 2 before it asks Prometheus anything or writes a
file: the option, the value and the fix named, never a traceback (a table of cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.host.ports import free_port
from tests.support.cli import REPO, run_cli

SLO = str(REPO / "slo" / "target-service.yaml")

# name -> (arguments after the SLO file, what stderr must say)
BAD = {
    "not a URL": (["--prometheus", "not-a-url"], "--prometheus 'not-a-url': expected an http(s)"),
    "not http": (["--prometheus", "ftp://127.0.0.1:9090"], "--prometheus 'ftp://127.0.0.1:9090'"),
    "no host": (["--prometheus", "http://"], "expected an http(s) URL"),
    "an empty window": (["--last", "0s"], "--last 0s: give a window longer than 0"),
    "a window in the future": (["--since", "5m", "--until", "-5m"], "after --since"),
    "an end in the future": (["--since", "5m", "--until", "2999-01-01T00:00:00Z"], "future"),
    "an unwritable --json": (["--json", "/proc/x.json"], "--json /proc/x.json: cannot write"),
    "--junit under a file": (["--junit", "{file}/junit.xml"], "--junit {file}/junit.xml"),
    "--markdown is a folder": (["--markdown", "{folder}"], "is a folder; give a file name"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_exit_2_before_anything(name: str, tmp_path: Path) -> None:
    arguments, said = BAD[name]
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    values = {"file": str(a_file), "folder": str(tmp_path)}
    arguments = [a.format(**values) for a in arguments]
    if "--prometheus" not in arguments:  # a port nobody listens on: it must not be asked
        arguments += ["--prometheus", f"http://127.0.0.1:{free_port()}"]
    result = run_cli("check", SLO, *arguments)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert said.format(**values) in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # no verdict table: nothing was judged

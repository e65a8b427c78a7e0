"""Calls into chaostoolkit-kubernetes bounded in time (platform/kubernetes/deadline.py): a
call past its deadline is an unknown outcome (it may still land), and while it still runs the
next call is not sent but refused at once, naming the one still running. The calls here are
plain functions blocked on an event: a hung API server cannot be made to order, and what is
tested is the deadline and the lock, not the client."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from chaoslib.exceptions import ActivityFailed

from slogate.errors import OutcomeUnknown
from slogate.platform.kubernetes.deadline import call_with_deadline, kubeconfig_in_environment

DEADLINE_S = 0.3
EVENT_TIMEOUT_S = 10


def test_a_call_past_its_deadline_is_open_and_holds_off_the_next_until_it_ends(
    tmp_path: Path,
) -> None:
    release, landed = threading.Event(), threading.Event()
    seen: list[str | None] = []

    def hung() -> str:
        with kubeconfig_in_environment(str(tmp_path / "chaos-kubeconfig")):
            release.wait(EVENT_TIMEOUT_S)
            seen.append(os.environ.get("KUBECONFIG"))
        landed.set()
        return "late"

    with pytest.raises(OutcomeUnknown, match=r"no answer .* within 0.3 s \(it may still act\)"):
        call_with_deadline(hung, DEADLINE_S, "scaling Deployment redis")
    sent: list[str] = []
    with pytest.raises(ActivityFailed) as refused:
        call_with_deadline(lambda: sent.append("second") or "x", DEADLINE_S, "deleting pod p")
    assert str(refused.value) == (
        "deleting pod p: not sent, scaling Deployment redis has not returned after 0.3 s and "
        "may still act; check the API server, then run again"
    )
    assert sent == []
    release.set()
    assert landed.wait(EVENT_TIMEOUT_S)
    assert seen == [str(tmp_path / "chaos-kubeconfig")]  # the late call still had its config
    assert call_with_deadline(lambda: "next", EVENT_TIMEOUT_S, "deleting pod q") == "next"


def test_a_call_that_raises_is_an_activity_failure_and_frees_the_lock() -> None:
    def broken() -> str:
        raise ValueError("boom")

    with pytest.raises(ActivityFailed, match=r"^deleting pod p: boom$"):
        call_with_deadline(broken, EVENT_TIMEOUT_S, "deleting pod p")
    assert call_with_deadline(lambda: 7, EVENT_TIMEOUT_S, "again") == 7

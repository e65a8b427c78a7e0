"""The supervisor process: `python -m slogate.platform.local.daemon LAUNCH_FILE --progress-fd N`.

`slogate up` writes the launch file (the resolved config and the stack name), starts this
process detached (its own session) and reads progress events, one JSON object a line, from
the inherited pipe until "ready" or "failed"; then this process closes the pipe and
supervises the stack until SIGTERM (`slogate down`) or SIGINT.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from slogate.config import SlogateConfig, parse_config
from slogate.errors import ExitCode, SlogateError
from slogate.interrupts import StopFlag
from slogate.platform.base import StackEvent
from slogate.platform.local.stack import LocalStack
from slogate.platform.state import StackState


class LaunchSpec(BaseModel):
    """What `slogate up` hands the supervisor process."""

    model_config = ConfigDict(extra="forbid")

    stack: str
    config: dict[str, Any]
    source: str

    @classmethod
    def of(cls, stack: str, config: SlogateConfig) -> LaunchSpec:
        return cls(
            stack=stack,
            config=config.model_dump(mode="json", exclude={"source"}),
            source=config.source or "<defaults>",
        )

    def slogate_config(self) -> SlogateConfig:
        config = parse_config(self.config, self.source)
        return config.model_copy(
            update={"source": None if self.source == "<defaults>" else self.source}
        )


class DaemonMessage(BaseModel):
    """One line on the progress pipe: a part's progress, the ready stack, or the failure."""

    event: Literal["part", "ready", "failed"]
    progress: StackEvent | None = None
    state: StackState | None = None
    exit_code: ExitCode | None = None
    message: str | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="slogate-supervisor")
    parser.add_argument("launch_file")
    parser.add_argument("--progress-fd", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stop = StopFlag()
    stop.install()
    progress_fd: int | None = args.progress_fd

    def emit(message: DaemonMessage) -> None:
        if progress_fd is None:
            return
        with contextlib.suppress(OSError):  # `slogate up` went away; the stack carries on
            os.write(progress_fd, message.model_dump_json(exclude_none=True).encode() + b"\n")

    spec = LaunchSpec.model_validate_json(Path(args.launch_file).read_text())
    stack = LocalStack(
        spec.slogate_config(), spec.stack,
        progress=lambda event: emit(DaemonMessage(event="part", progress=event)),
        should_stop=stop,
    )  # fmt: skip
    try:
        state = stack.up()
    except SlogateError as error:
        emit(DaemonMessage(event="failed", exit_code=error.exit_code, message=str(error)))
        return int(error.exit_code)
    except BaseException as error:
        crashed = f"supervisor crashed: {error!r}"
        emit(DaemonMessage(event="failed", exit_code=ExitCode.INFRASTRUCTURE, message=crashed))
        raise
    emit(DaemonMessage(event="ready", state=state))
    os.close(args.progress_fd)
    progress_fd = None
    try:
        stack.serve()
    finally:
        stack.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Ending a program without the interpreter's teardown.

When `slogate` ends, Python would spend 0.25-0.45 s freeing every module and object it
imported (the gate's process and the load generator's `slogate load` each hold ~750 modules):
time a gate's user waits for after the verdict, and that the gate itself waits for after its
load. `run_then_exit` ends the process as `sys.exit` would, with the same exit code and the
same last words, minus that teardown: the atexit handlers still run (logging flushed, weakref
finalizers, temporary folders removed), the standard streams are flushed, then `os._exit`.
Only the program's entry points use it (`python -m slogate`, the `slogate` console script);
`slogate.cli.main` itself exits normally, so tests can call it in-process. The Locust
processes of the open model end the same way once Locust has said its exit code
(`slogate.load.openmodel`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn


def exit_code_of(exited: SystemExit) -> int:
    """The process exit code `sys.exit(code)` gives: None is 0, a message is 1 (printed on
    stderr, as the interpreter does)."""
    code = exited.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _others_running() -> bool:
    """A non-daemon thread other than this one still runs: the normal exit would wait for it."""
    current = threading.current_thread()
    return any(t is not current and not t.daemon and t.is_alive() for t in threading.enumerate())


def run_then_exit(program: Callable[[], object]) -> NoReturn:
    """Run `program` (which ends with `sys.exit`) and end the process with its exit code,
    skipping the interpreter's teardown. An exception other than SystemExit propagates (the
    interpreter shows its traceback, as for any program); with another non-daemon thread
    still running, the process exits normally (that exit waits for the thread)."""
    try:
        program()
        code = 0
    except SystemExit as exited:
        if _others_running():
            raise
        code = exit_code_of(exited)
    else:
        if _others_running():
            sys.exit(code)
    atexit._run_exitfuncs()
    exit_now(code)


def exit_now(code: int) -> NoReturn:
    """Flush the standard streams and end the process with `code`, nothing else run."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or its reader went away
            stream.flush()
    os._exit(code)

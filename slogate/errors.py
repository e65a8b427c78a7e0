"""The exception tree of slogate and the exit codes it maps to.

    SlogateError                    root; never raised itself
    ├── UsageError                  bad input: a malformed file, an unknown key, a bad flag (exit 2)
    │   ├── ConfigError             a config, SLO or experiment file is invalid
    │   ├── MissingDependencyError  a system binary is missing (names the package)
    │   └── PortInUseError          a pinned port is taken (nothing was started)
    ├── InfrastructureError         the stack did not come up, a chaos action failed (exit 4)
    │   └── OutcomeUnknown          a call timed out or lost its connection: it may have landed
    ├── InconclusiveError           no data, Prometheus unreachable, too few samples (exit 3)
    └── Interrupted                 Ctrl-C or SIGTERM (exit 130)

The CLI maps the tree to exit codes in one place (`slogate.cli.main`). Every message is meant
for a person: it names the file, the field and the fix; the CLI prints it without a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every command that gives a verdict (see DESIGN.md)."""

    OK = 0
    BREACHED = 1
    USAGE = 2
    INCONCLUSIVE = 3
    INFRASTRUCTURE = 4
    INTERRUPTED = 130


# When several codes apply, the first in this order wins: a demonstrated breach beats an
# inconclusive neighbour, and bad input beats everything.
PRECEDENCE: tuple[ExitCode, ...] = (
    ExitCode.USAGE,
    ExitCode.INFRASTRUCTURE,
    ExitCode.INTERRUPTED,
    ExitCode.BREACHED,
    ExitCode.INCONCLUSIVE,
    ExitCode.OK,
)


def combine_exit_codes(codes: list[ExitCode] | tuple[ExitCode, ...]) -> ExitCode:
    """The exit code of a run whose parts ended with `codes` (OK when there are none)."""
    present = set(codes)
    for code in PRECEDENCE:
        if code in present:
            return code
    return ExitCode.OK


class SlogateError(Exception):
    """Root of every error slogate raises on purpose."""

    exit_code: ExitCode = ExitCode.INFRASTRUCTURE


class UsageError(SlogateError):
    """Bad input or usage; nothing was started."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """A configuration file failed validation.

    The message names the file, the path to the field and what was expected.
    """

    def __init__(self, path: str, field: str, expected: str) -> None:
        self.path = path
        self.field = field
        self.expected = expected
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {expected}")


class MissingDependencyError(UsageError):
    """A system binary slogate needs is not installed."""

    def __init__(self, binary: str, package: str) -> None:
        self.binary = binary
        self.package = package
        super().__init__(
            f"'{binary}' was not found on PATH. Install the Debian package '{package}': "
            f"sudo apt-get update && sudo apt-get install -y {package}  (or run `make setup`)"
        )


class PortInUseError(UsageError):
    """A port the user pinned is already in use."""

    def __init__(self, port: int, what: str, pinned_by: str = "") -> None:
        self.port = port
        by = f" (set by {pinned_by})" if pinned_by else ""
        super().__init__(
            f"port {port} pinned for {what} is already in use{by}; free it, pin another port, "
            "or leave it unpinned so slogate picks a free one"
        )


class InfrastructureError(SlogateError):
    """The stack did not come up or a chaos action failed."""

    exit_code = ExitCode.INFRASTRUCTURE


class OutcomeUnknown(InfrastructureError):
    """A call that timed out or lost its connection: the server may have applied it."""


class InconclusiveError(SlogateError):
    """The evidence is missing: no data, Prometheus unreachable, too few samples."""

    exit_code = ExitCode.INCONCLUSIVE


class Interrupted(SlogateError):
    """The run was interrupted by Ctrl-C or SIGTERM."""

    exit_code = ExitCode.INTERRUPTED

"""Start-up time of the command line: `python -m slogate --help`, `check --help`, `run --help`.

    .venv/bin/python -m benchmarks.cli_start_bench [--runs 9] [--before DIR]

Each command runs in a fresh interpreter (wall time, interpreter start included). With
`--before DIR` (another checkout of slogate, e.g. a `git worktree` of an older commit) the
same commands run from that tree too, interleaved A/B/A/B so both see the same machine load;
the table then shows both medians and the median of the per-pair ratios. The load average
(1 min) is read before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = (["--help"], ["check", "--help"], ["run", "--help"])


def time_command(tree: Path, args: list[str]) -> float:
    """Wall seconds of `python -m slogate ARGS` with `tree` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "slogate", *args],
        env=env,
        cwd=tree,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=60,
    )
    return time.perf_counter() - started


def loads_scipy(tree: Path) -> bool:
    """Whether importing the CLI and building every command imports scipy."""
    probe = (
        "import sys, slogate.cli as c\n"
        "[c.cli.get_command(None, n) for n in c.COMMANDS]\n"
        "print('scipy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout.strip() == "True"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    args = parser.parse_args(argv)
    trees = {"after": REPO} if args.before is None else {"before": args.before, "after": REPO}
    load_before = os.getloadavg()[0]
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.runs):
        for command in COMMANDS:
            for name, tree in trees.items():
                times.setdefault((name, " ".join(command)), []).append(time_command(tree, command))
    load_after = os.getloadavg()[0]
    print(f"load average (1 min) {load_before:.2f} before, {load_after:.2f} after")
    for name, tree in trees.items():
        print(f"{name}: {tree} imports scipy for the CLI: {loads_scipy(tree)}")
    for command in COMMANDS:
        label = " ".join(command)
        after = times[("after", label)]
        line = f"slogate {label:<12} after {statistics.median(after):.3f} s"
        line += f" ({min(after):.3f}-{max(after):.3f})"
        if args.before is not None:
            before = times[("before", label)]
            ratios = [a / b for a, b in zip(after, before, strict=True)]
            line += f"  before {statistics.median(before):.3f} s"
            line += f" ({min(before):.3f}-{max(before):.3f})"
            line += f"  after/before {statistics.median(ratios):.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

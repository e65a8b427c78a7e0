"""What `slogate capacity` writes: the curve, capacity.json, junit.xml and summary.md.

capacity.html   the rate-vs-p95/p99/errors curves as SVG, the capacity and the first broken
                rate marked, which objectives broke first, every step's verdicts (html.py)
capacity.json   every step (rate, outcome, what broke, achieved rate, p95/p99 from intended
                start, error ratio over the judged window, each objective's verdict) and the
                conclusion; written after every step (atomically), so an interrupted
                search keeps what it measured
junit.xml       one case "capacity >= R": a <failure> when an objective broke below R, an
                <error> when the search could not say (saturated, inconclusive, --to)
summary.md      the capacity figure, why the search stopped and the curve
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from xml.etree import ElementTree as ET

from slogate.capacity.html import to_html
from slogate.capacity.search import Conclusion
from slogate.capacity.step import StepRecord
from slogate.errors import ExitCode
from slogate.host.files import write_atomically


def _ms(value: float | None) -> str:
    return f"{value:8.1f}" if value is not None else "       -"


def figure(found: Conclusion) -> str:
    """`at least 618.8 req/s`, `67.5 req/s` or `none`."""
    if found.capacity is None:
        return "none"
    return ("at least " if found.at_least else "") + f"{found.capacity:.1f} req/s"


def curve(records: list[StepRecord], found: Conclusion) -> str:
    """The steps by rate, the capacity and the first broken rate marked."""
    lines = ["   offered  achieved   p95 ms   p99 ms  errors  step"]
    broken_rates = [r.rate for r in records if r.outcome == "broke"]
    first_broken = min(broken_rates, default=None)
    deciding = {r.rate: r for r in records}  # a rate run twice: its last step decided it
    for record in sorted(records, key=lambda r: r.rate):
        errors = f"{record.error_ratio:6.2%}" if record.error_ratio is not None else "     -"
        achieved = f"{record.achieved_rps:9.1f}" if record.achieved_rps is not None else "        -"
        mark = ""
        if found.capacity is not None and deciding.get(found.capacity) is record:
            mark = "  <- capacity" + (" (at least)" if found.at_least else "")
        elif record.rate == first_broken and record.outcome == "broke":
            mark = "  <- broke: " + ", ".join(record.broken)
        lines.append(
            f"{record.rate:10.1f}{achieved}{_ms(record.p95_ms)} {_ms(record.p99_ms)}  "
            f"{errors}  {record.outcome}{mark}"
        )
    return "\n".join(lines)


def to_junit(found: Conclusion, required: float) -> str:
    suites = ET.Element("testsuites", name="slogate.capacity")
    failed = found.exit_code is ExitCode.BREACHED
    errored = found.exit_code is ExitCode.INCONCLUSIVE
    suite = ET.SubElement(
        suites, "testsuite", name="capacity", tests="1", failures=str(int(failed)),
        errors=str(int(errored)),
    )  # fmt: skip
    case = ET.SubElement(suite, "testcase", classname="capacity", name=f"capacity >= {required:g}")
    message = f"capacity {figure(found)} (required {required:g}); {found.stopped}"
    if failed:
        ET.SubElement(case, "failure", message=message, type="CapacityBelowRequired")
    elif errored:
        ET.SubElement(case, "error", message=message, type="Inconclusive")
    else:
        ET.SubElement(case, "system-out").text = message
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def to_markdown(records: list[StepRecord], found: Conclusion, required: float) -> str:
    return (
        f"# Capacity: {figure(found)} (required {required:g} req/s)\n\n"
        f"{found.stopped}; exit code {int(found.exit_code)}.\n\n"
        + (f"Broke first: {', '.join(found.broke_first)}.\n\n" if found.broke_first else "")
        + "See capacity.html for the curve as a chart.\n\n"
        + f"```\n{curve(records, found)}\n```\n"
    )


def write_reports(
    folder: Path, records: list[StepRecord], found: Conclusion | None, required: float
) -> None:
    """capacity.json and capacity.html (also mid-search, conclusion null), then junit.xml and
    summary.md."""
    conclusion = None if found is None else {**asdict(found), "exit_code": int(found.exit_code)}
    document = {
        "required_rps": required,
        "capacity_rps": None if found is None else found.capacity,
        "steps": [asdict(r) for r in records],
        "conclusion": conclusion,
    }
    write_atomically(folder / "capacity.json", json.dumps(document, indent=2))
    write_atomically(folder / "capacity.html", to_html(records, found, required, folder.name))
    if found is not None:
        write_atomically(folder / "junit.xml", to_junit(found, required))
        write_atomically(folder / "summary.md", to_markdown(records, found, required))

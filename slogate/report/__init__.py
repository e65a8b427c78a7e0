"""Run reports: `reports/<run-id>/` with report.json, report.html, junit.xml and summary.md.

model.py       RunReport and its parts (the schema of report.json)
store.py       run ids and folders, atomic writes, reading report.json back
writer.py      write_report / render_outputs
html.py        report.html (template in templates/, charts from charts.py + svg.py)
junit.py       junit.xml (also the JUnit suites of `slogate check`)
summary.py     summary.md
headline.py    the outcome and counts line every format starts with
evidence.py    one objective's result as text (pure)
check.py       the files of `slogate check`: JSON, JUnit XML, Markdown
compare.py     what got better or worse between two runs
journal.py     Chaos Toolkit journals in brief
environment.py versions, platform, cores

The names below are imported when first asked for (slogate/lazy_exports.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slogate.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from slogate.report.compare import Comparison, compare_reports
    from slogate.report.model import RunReport, RunStatus
    from slogate.report.store import allocate_run_folder, locate_report, read_report
    from slogate.report.writer import render_outputs, write_report

_MODULE_OF = {
    "Comparison": "compare",
    "RunReport": "model",
    "RunStatus": "model",
    "allocate_run_folder": "store",
    "compare_reports": "compare",
    "locate_report": "store",
    "read_report": "store",
    "render_outputs": "writer",
    "write_report": "writer",
}

__all__ = [
    "Comparison",
    "RunReport",
    "RunStatus",
    "allocate_run_folder",
    "compare_reports",
    "locate_report",
    "read_report",
    "render_outputs",
    "write_report",
]

__getattr__ = lazy_exports(__name__, _MODULE_OF)

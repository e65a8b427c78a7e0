"""Where run reports live (`reports/<run-id>/`) and how they are written and read.

report.json is written atomically (`slogate.host.files.write_atomically`: a temporary file in
the same folder, fsynced, then renamed), so a reader never sees half a report, even when the
run is killed while writing it. The file gets the mode any new file gets (0644 under the usual
umask 022), not mkstemp's private 0600: a report folder is shared as a CI artefact.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from slogate.errors import ConfigError, UsageError
from slogate.host.files import write_atomically
from slogate.report.model import RUN_ID, SCHEMA_VERSION, RunReport, new_run_id

DEFAULT_REPORTS_DIR = Path("reports")
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
JUNIT_XML = "junit.xml"
SUMMARY_MD = "summary.md"


def allocate_run_folder(gate: str, reports_dir: Path = DEFAULT_REPORTS_DIR) -> tuple[str, Path]:
    """A new run id and its folder, created; a second run in the same second gets `-2`, ..."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    base = new_run_id(gate)
    for attempt in range(1, 1000):
        run_id = base if attempt == 1 else f"{base}-{attempt}"
        folder = reports_dir / run_id
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return run_id, folder
    raise UsageError(f"{reports_dir}: too many runs named {base}")


def write_report_json(report: RunReport, folder: Path) -> Path:
    """reports/<run-id>/report.json, atomically."""
    path = folder / REPORT_JSON
    write_atomically(path, report.model_dump_json(indent=2) + "\n")
    return path


def locate_report(run: str, reports_dir: Path = DEFAULT_REPORTS_DIR) -> Path:
    """The report.json of RUN: a run id under `reports_dir`, a run folder, or a report.json."""
    candidate = Path(run)
    if candidate.is_file():
        return candidate
    if candidate.is_dir() and (candidate / REPORT_JSON).is_file():
        return candidate / REPORT_JSON
    path = reports_dir / run / REPORT_JSON
    if path.is_file():
        return path
    known = sorted(p.parent.name for p in reports_dir.glob(f"*/{REPORT_JSON}"))
    hint = f"; known runs: {', '.join(known[-5:])}" if known else f"; {reports_dir} has no runs"
    if not RUN_ID.match(run):
        hint = f" (a run id looks like 20261128T141503Z-smoke){hint}"
    raise UsageError(f"unknown run {run!r}: no {path}{hint}")


def read_report(path: Path) -> RunReport:
    """A RunReport from report.json; ConfigError naming the file and field when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(str(path), "", f"cannot be read ({error.strerror})") from None
    except ValueError as error:
        raise ConfigError(str(path), "", f"not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ConfigError(str(path), "(document)", "a JSON object written by slogate run")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ConfigError(
            str(path),
            "schema_version",
            f"{SCHEMA_VERSION} (got {version!r}); re-run the gate with this slogate version",
        )
    try:
        return RunReport.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(document)"
        raise ConfigError(str(path), field, first["msg"]) from None

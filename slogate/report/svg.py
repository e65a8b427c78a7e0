"""Line charts as inline SVG, generated in Python: no script, no font, no network.

A chart has lines (gaps where a point is None), shaded bands (fault windows), horizontal rules
(SLO thresholds) and vertical marks (phase boundaries). The x axis is seconds since the run
started; a chart given the run's wall-clock start (`wall_start`) labels its ticks in UTC
(HH:MM:SS, at round clock times) with the seconds since start beneath each, and in a tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from markupsafe import Markup, escape

WIDTH, HEIGHT = 900, 294
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 36, 76
# tick steps that read as clock times: seconds, minutes, hours
CLOCK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200)


@dataclass(frozen=True)
class Line:
    label: str
    points: Sequence[tuple[float, float | None]]
    colour: str
    dash: str = ""
    width: float = 1.8
    opacity: float = 1.0


@dataclass(frozen=True)
class Band:
    start: float
    end: float
    label: str


@dataclass(frozen=True)
class Rule:
    label: str
    value: float
    colour: str = "#b91c1c"


@dataclass(frozen=True)
class Mark:
    at: float
    label: str


@dataclass
class Chart:
    title: str
    key: str
    y_label: str
    x_start: float
    x_end: float
    lines: list[Line] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    x_label: str = "seconds since start"
    wall_start: float | None = None  # unix seconds at x = 0: ticks in UTC clock time
    y_format: Callable[[float], str] = lambda v: f"{v:g}"


def nice_step(span: float, ticks: int = 5) -> float:
    """A 1-2-5 step giving about `ticks` intervals over `span`."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= multiple * power:
            return multiple * power
    return 10.0 * power


def clock_step(span: float, ticks: int = 8) -> float:
    """The smallest clock-friendly step giving at most `ticks` intervals over `span` seconds."""
    for step in CLOCK_STEPS:
        if span / step <= ticks:
            return float(step)
    return 86400.0 * math.ceil(span / ticks / 86400.0)


def utc_clock(at: float) -> str:
    """Unix seconds as HH:MM:SS in UTC."""
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S")


def clock_ticks(wall_start: float, x0: float, x1: float) -> list[tuple[float, str, str]]:
    """(x, UTC label, seconds-since-start label) at round clock times between x0 and x1."""
    step = clock_step(x1 - x0)
    first = math.ceil((wall_start + x0) / step - 1e-9) * step
    out = []
    at = first
    while at <= wall_start + x1 + 1e-9:
        x = at - wall_start
        out.append((x, utc_clock(at), f"+{round(x, 1):g} s"))
        at += step
    return out


def _x_ticks(chart: Chart, px: Callable[[float], float], x0: float, x1: float) -> list[str]:
    y = HEIGHT - BOTTOM + 15
    if chart.wall_start is None:
        x_step = nice_step(x1 - x0, 8)
        count = int((x1 - x0) / x_step + 1.001)
        ticks = [(x0 + i * x_step, f"{i * x_step:g}", "") for i in range(count)]
    else:
        ticks = clock_ticks(chart.wall_start, x0, x1)
    out = []
    for at, label, since in ticks:
        x = px(at)
        tip = f"<title>{escape(label)} UTC, {escape(since)} since start</title>" if since else ""
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{y}" text-anchor="middle">'
            f"{escape(label)}{tip}</text>"
        )
        if since:
            out.append(
                f'<text class="tick since-start" x="{x:.1f}" y="{y + 13}" text-anchor="middle">'
                f"{escape(since)}</text>"
            )
    return out


def _values(chart: Chart) -> list[float]:
    return [y for line in chart.lines for _, y in line.points if y is not None and math.isfinite(y)]


OFF_SCALE = 4.0  # a threshold above 4x the data's peak is named, not drawn (it would flatten it)


def _visible_rules(chart: Chart) -> tuple[list[Rule], list[Rule]]:
    """Rules drawn as lines, and rules far above the data (named at the top edge instead)."""
    peak = max(_values(chart), default=0.0)
    if peak <= 0:
        return list(chart.rules), []
    drawn = [rule for rule in chart.rules if rule.value <= OFF_SCALE * peak]
    return drawn, [rule for rule in chart.rules if rule.value > OFF_SCALE * peak]


def _y_max(chart: Chart) -> float:
    values = _values(chart) + [rule.value for rule in _visible_rules(chart)[0]]
    top = max(values, default=0.0)
    if top <= 0:
        return 1.0
    step = nice_step(top * 1.08)
    return step * math.ceil(top * 1.08 / step)


def render(chart: Chart) -> Markup:
    """The chart as an <svg> element."""
    x0, x1 = chart.x_start, max(chart.x_end, chart.x_start + 1e-9)
    y1 = _y_max(chart)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (min(max(x, x0), x1) - x0) / (x1 - x0) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - min(max(y, 0.0), y1) / y1 * plot_h

    out: list[str] = [
        f'<svg class="chart" data-chart="{escape(chart.key)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(chart.title)}">',
        f"<title>{escape(chart.title)}</title>",
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
    ]
    for band in chart.bands:
        left, right = px(band.start), px(band.end)
        out.append(
            f'<rect class="fault-window" x="{left:.1f}" y="{TOP}" '
            f'width="{max(right - left, 1):.1f}" height="{plot_h}">'
            f"<title>{escape(band.label)}</title></rect>"
        )
        out.append(
            f'<text class="band-label" x="{left + 3:.1f}" y="{TOP + 11}">'
            f"{escape(band.label)}</text>"
        )
    y_step = nice_step(y1)
    tick = 0.0
    while tick <= y1 + y_step / 1000:
        y = py(tick)
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(chart.y_format(tick))}</text>"
        )
        tick += y_step
    out.extend(_x_ticks(chart, px, x0, x1))
    previous, previous_label, lift = -math.inf, "", 0
    for mark in sorted(chart.marks, key=lambda m: m.at):
        x = px(mark.at)
        lift = 12 if x - previous < 6 * len(previous_label) + 8 and lift == 0 else 0
        previous, previous_label = x, mark.label
        out.append(
            f'<line class="phase-mark" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 3 - lift}" '
            f'y2="{TOP + plot_h}"/>'
        )
        out.append(
            f'<text class="phase-label" x="{x + 3:.1f}" y="{TOP - 5 - lift}">'
            f"{escape(mark.label)}</text>"
        )
    for line in chart.lines:
        for run in _runs(line.points):
            coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in run)
            dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
            out.append(
                f'<polyline class="series" fill="none" stroke="{line.colour}" '
                f'stroke-width="{line.width}" stroke-opacity="{line.opacity}"{dash} '
                f'points="{coords}"><title>{escape(line.label)}</title></polyline>'
            )
    drawn, above = _visible_rules(chart)
    for index, rule in enumerate(above):
        out.append(
            f'<text class="threshold-label off-scale" x="{LEFT + plot_w - 4}" '
            f'y="{TOP + 12 + 13 * index}" text-anchor="end" fill="{rule.colour}">'
            f"↑ {escape(rule.label)}: above the chart</text>"
        )
    for rule in drawn:
        y = py(rule.value)
        out.append(
            f'<line class="threshold" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{rule.colour}"><title>{escape(rule.label)}</title></line>'
        )
        out.append(
            f'<text class="threshold-label" x="{LEFT + 4}" y="{y - 4:.1f}" '
            f'fill="{rule.colour}">{escape(rule.label)}</text>'
        )
    out.append(
        f'<text class="axis-label" x="{LEFT + plot_w / 2}" y="{HEIGHT - 28}" '
        f'text-anchor="middle">{escape(chart.x_label)}</text>'
    )
    out.append(
        f'<text class="axis-label" transform="translate(14 {TOP + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(chart.y_label)}</text>'
    )
    out.extend(_legend(chart.lines, LEFT, HEIGHT - 10))
    out.append("</svg>")
    return Markup("\n".join(out))  # noqa: S704 (every text and attribute above is escaped)


def _runs(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Consecutive finite points; a None or NaN value breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in sorted(points, key=lambda point: point[0]):
        if y is None or not math.isfinite(y):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x, y))
    return [run for run in runs if run]


def _legend(lines: list[Line], x: float, y: float) -> list[str]:
    out = []
    for line in lines:
        dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        out.append(
            f'<line x1="{x:.0f}" x2="{x + 22:.0f}" y1="{y - 4}" y2="{y - 4}" '
            f'stroke="{line.colour}" stroke-width="{line.width}"{dash}/>'
        )
        out.append(f'<text class="legend" x="{x + 27:.0f}" y="{y}">{escape(line.label)}</text>')
        x += 38 + 7 * len(line.label)
    return out

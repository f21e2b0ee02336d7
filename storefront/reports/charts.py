"""Server-rendered bar charts: the geometry of an SVG drawn by a template, no JavaScript."""
from dataclasses import dataclass

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 190
PLOT_WIDTH = 380
VALUE_WIDTH = 110


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value (None when suppressed), position and length."""

    label: str
    value: object
    y: int
    length: int


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of one measure over a report's detail rows."""

    title: str
    measure: object
    bars: tuple
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    plot_width: int = PLOT_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(report):
    """The chart of the report's chart measure, one bar per detail row (totals left out:
    they would dwarf the rest). Suppressed values get no bar."""
    measure = next(m for m in report.measures if m.key == report.chart_measure)
    details = [row for row in report.rows if not row.is_total]
    shown = [row.values[measure.key] for row in details if row.values[measure.key] is not None]
    top = max(shown, default=0) or 1
    bars = tuple(Bar(label=" · ".join(row.labels), value=row.values[measure.key],
                     y=index * (BAR_HEIGHT + GAP),
                     length=(round(PLOT_WIDTH * row.values[measure.key] / top)
                             if row.values[measure.key] is not None else 0))
                 for index, row in enumerate(details))
    height = max(len(bars), 1) * (BAR_HEIGHT + GAP)
    return Chart(title=f"{report.title}: {measure.label.lower()}", measure=measure, bars=bars,
                 width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, height=height)

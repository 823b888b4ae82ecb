"""Geometry for the equity-of-voice bar chart, drawn as SVG by the template.

Each group gets three labelled bars (its share of the room, of the words and
of the turns), each bar with its figure written beside it, and each kind of
bar with its own fill pattern as well as colour, so nothing is carried by
colour alone and the chart reads the same in print.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from .selectors import EquityGroup

LABEL_WIDTH = 220
BAR_AREA = 360
VALUE_GAP = 6
BAR_HEIGHT = 16
BAR_GAP = 3
GROUP_GAP = 18
TOP = 28
SERIES = (
    ("room_share", gettext_lazy("In the room"), "bar-room"),
    ("contribution_share", gettext_lazy("Contributions"), "bar-words"),
    ("turn_share", gettext_lazy("Turns spoken"), "bar-turns"),
)


@dataclass
class Bar:
    label: str
    value: float
    css: str
    x: int
    y: int
    width: float
    height: int
    text_x: float
    text_y: int


@dataclass
class ChartGroup:
    label: str
    label_y: int
    bars: list[Bar]


@dataclass
class Chart:
    width: int
    height: int
    groups: list[ChartGroup]
    legend: list[tuple[str, str, int]]
    label_x: int
    axis_x: int


def bar_chart(groups: Iterable[EquityGroup]) -> Chart:
    """Horizontal bars of percentages (0 to 100) for each equity group."""
    chart_groups = []
    y = TOP + 10
    for group in groups:
        bars = []
        for index, (attr, name, css) in enumerate(SERIES):
            value = float(getattr(group, attr))
            by = y + index * (BAR_HEIGHT + BAR_GAP)
            width = round(BAR_AREA * max(0.0, min(value, 100.0)) / 100.0, 1)
            bars.append(
                Bar(
                    label=str(name),
                    value=value,
                    css=css,
                    x=LABEL_WIDTH,
                    y=by,
                    width=width,
                    height=BAR_HEIGHT,
                    text_x=LABEL_WIDTH + width + VALUE_GAP,
                    text_y=by + BAR_HEIGHT - 4,
                )
            )
        chart_groups.append(ChartGroup(label=group.label, label_y=y + BAR_HEIGHT + 4, bars=bars))
        y += len(SERIES) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    legend = [(str(name), css, 8 + i * 150) for i, (_attr, name, css) in enumerate(SERIES)]
    return Chart(
        width=LABEL_WIDTH + BAR_AREA + 190,
        height=y + 4,
        groups=chart_groups,
        legend=legend,
        label_x=LABEL_WIDTH - 8,
        axis_x=LABEL_WIDTH,
    )

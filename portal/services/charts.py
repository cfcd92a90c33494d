"""Bar charts drawn on the server as accessible SVG, with the same numbers as a table.

:func:`bar_chart` lays out a horizontal grouped bar chart (one group of bars per category,
one bar per series) and ``components/_chart.html`` draws it:

* an ``<svg role="img">`` whose ``<title>`` and ``<desc>`` give every number in words, so a
  screen reader hears the chart without hunting through its parts;
* series told apart by colour *and* by pattern, each colour at least 3:1 against white
  (WCAG 1.4.1, 1.4.11), and every bar's value printed at its end;
* beside it (below it on phones) a real ``<table>`` with a caption and ``th scope``.

Only presentation attributes (``fill``, ``width``…), no ``style``: it passes the strict CSP
and needs no JavaScript. Nothing here knows about dossiers: public statistics reuse it.
"""
from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import render_template
from flask_babel import format_decimal
from markupsafe import Markup

#: Width of the drawing in SVG units; the picture scales to its box, its text with it.
WIDTH = 340
FONT = 14
VALUE_FONT = 13
BAR = 16
BAR_GAP = 3
GROUP_GAP = 14
LINE = 18
#: Room kept right of the longest bar for its number.
VALUE_ROOM = 64
#: Characters of a category name per line (bold text: about WIDTH / (0.64 × FONT)); two
#: lines at most.
LABEL_CHARS = 38
INK = "#1b1b1b"


@dataclass(frozen=True)
class Style:
    """How a series' bars look: a colour and, but for the first, a white pattern on it."""

    colour: str
    pattern: str | None = None  # "lines", "dots" or "cross"


#: Dark enough on white (≥ 6:1) and different in pattern, so colour is never the only cue.
STYLES = (Style("#0b4f9c"), Style("#1e6b32", "lines"), Style("#8a4a00", "dots"),
          Style("#5a2d82", "cross"))


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    texts: list[str]
    style: Style
    #: The bars' ``fill``: the colour, or ``url(#<pattern id>)``.
    fill: str
    pattern_id: str | None


@dataclass(frozen=True)
class Bar:
    series: Series
    text: str
    y: float
    width: float
    text_x: float


@dataclass(frozen=True)
class Group:
    """One category: its name (in lines, with their baselines) and its bars."""

    category: str
    lines: list[tuple[float, str]]
    bars: list[Bar]


@dataclass(frozen=True)
class Key:
    """A legend entry: its swatch's top-left corner; the name follows on the baseline."""

    series: Series
    x: float
    y: float


@dataclass(frozen=True)
class BarChart:
    """Everything ``components/_chart.html`` draws (see :func:`bar_chart`)."""

    id: str
    title: str
    description: str
    category_heading: str
    categories: list[str]
    series: list[Series]
    keys: list[Key]
    groups: list[Group]
    width: int
    height: float
    note: str | None = None
    font: int = FONT
    value_font: int = VALUE_FONT
    bar: int = BAR
    ink: str = INK

    @property
    def table_rows(self) -> list[tuple[str, list[str]]]:
        """``(category, [number of each series])``, as the table shows them."""
        return [(category, [s.texts[i] for s in self.series])
                for i, category in enumerate(self.categories)]


def bar_chart(title: str, categories: Sequence[str],
              series: Sequence[tuple[str, Sequence[float]]], *, id: str = "chart",
              category_heading: str = "", note: str | None = None,
              number: Callable[[float], str] = format_decimal) -> BarChart:
    """Lay out a horizontal grouped bar chart.

    :param series: ``(name, values)`` pairs, one value per category (negative values are
        drawn as 0, their number still printed).
    :param id: unique on the page; prefixes the ids of the title, description and patterns.
    :param number: formats a value for the bars, the description and the table (the
        locale's digit grouping by default).
    :raises ValueError: a series has not one value per category.
    """
    categories = [str(c) for c in categories]
    made = []
    for index, (name, values) in enumerate(series):
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for "
                             f"{len(categories)} categories")
        style = STYLES[index % len(STYLES)]
        pattern_id = f"{id}-pattern-{index}" if style.pattern else None
        made.append(Series(str(name), list(values), [number(v) for v in values], style,
                           f"url(#{pattern_id})" if pattern_id else style.colour, pattern_id))
    keys, top = _legend(made)
    groups, height = _groups(categories, made, top)
    description = " ".join(
        f"{category}: " + ", ".join(f"{s.name} {s.texts[i]}" for s in made) + "."
        for i, category in enumerate(categories))
    return BarChart(id, str(title), description, str(category_heading), categories, made,
                    keys, groups, WIDTH, height, note)


def _legend(series: list[Series]) -> tuple[list[Key], float]:
    """Legend entries flowing left to right, wrapping; return them and where bars start."""
    keys, x, y = [], 0.0, 0.0
    for s in series:
        needed = 20 + len(s.name) * FONT * 0.55
        if x and x + needed > WIDTH:
            x, y = 0.0, y + LINE + 4
        keys.append(Key(s, x, y))
        x += needed + 18
    return keys, y + LINE + 6


def _groups(categories: list[str], series: list[Series],
            top: float) -> tuple[list[Group], float]:
    largest = max((max(s.values, default=0) for s in series), default=0)
    scale = (WIDTH - VALUE_ROOM) / largest if largest > 0 else 0
    groups, y = [], top
    for i, category in enumerate(categories):
        lines = []
        for line in _wrap(category):
            y += LINE
            lines.append((y - 4, line))
        y += 2
        bars = []
        for s in series:
            width = round(max(0, s.values[i]) * scale, 1)
            bars.append(Bar(s, s.texts[i], y, width, width + 5))
            y += BAR + BAR_GAP
        groups.append(Group(category, lines, bars))
        y += GROUP_GAP
    return groups, y


def _wrap(label: str) -> list[str]:
    """A category name in at most two lines (the table keeps it whole)."""
    lines = textwrap.wrap(label, LABEL_CHARS) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][:LABEL_CHARS - 1].rstrip() + "…"]
    return lines


def render(chart: BarChart) -> Markup:
    """The chart and its table as HTML (``components/_chart.html``)."""
    return Markup(render_template("components/_chart.html", chart=chart))

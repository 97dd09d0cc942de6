"""Charts drawn on the server (pygal, no CDN, no script): bars with their modelled
interval as whiskers, hidden cells marked. They repeat the data table next to them,
which stays the accessible source of every figure."""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from engage.core.i18n import _
from engage.results.summary import QuestionSummary

MAX_SERIES = 10
_STYLE = Style(background="white", plot_background="white", font_family="system-ui, sans-serif",
               colors=("#0b5394", "#e69138", "#38761d", "#990000", "#674ea7", "#45818e", "#bf9000",
                       "#a64d79", "#3c78d8", "#6aa84f"))
_SCRIPT = re.compile(r"<script.*?</script>", re.S)


def choice_chart(summary: QuestionSummary) -> str:
    """An SVG document: one bar per answer and group (share in %), whiskers for the
    interval; a hidden or empty cell has no bar and its group says so in the legend."""
    chart = pygal.HorizontalBar(
        js=[], style=_STYLE, width=760, height=120 + 34 * len(summary.rows) * max(1, min(
            len(summary.columns), MAX_SERIES)) // 2, range=(0, 100), show_y_guides=False,
        legend_at_bottom=True, truncate_legend=40, truncate_label=40, print_values=False,
        title=summary.prompt[:120], value_formatter=lambda v: f"{v:.0f}%")
    chart.x_labels = [row.label for row in summary.rows]
    for index, column in enumerate(summary.columns[:MAX_SERIES]):
        values = []
        for row in summary.rows:
            figure = row.figures[index]
            if figure.count is None or figure.share is None or not figure.share.defined:
                values.append(None)
                continue
            values.append({"value": 100 * figure.share.estimate,
                           "ci": {"low": 100 * figure.share.low, "high": 100 * figure.share.high}})
        hidden = column.n is None or any(v is None for v in values)
        title = f"{column.label} ({_('some hidden')})" if hidden else column.label
        chart.add(title, values)
    return _SCRIPT.sub("", chart.render(is_unicode=True))

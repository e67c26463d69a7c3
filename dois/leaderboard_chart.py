"""The board's history chart: the best MAP@5 over time, as SVG markup made on the server.

No script and no style sheet of its own: presentation attributes only, so the page's
Content-Security-Policy (scripts and styles from the site only) allows it inline. Each
point carries a ``<title>`` (the submission and its score) that browsers show on hover.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Small enough that a phone (about 360 px of content) shows the labels at 10-11 px; on a
# wide screen it is drawn at this size.
WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 38


def history_svg(*, points: list[tuple[datetime, float, object]], now: datetime,
                reference: float | None = None, reference_label: str = "") -> SafeString:
    """A step line of ``points`` (time, best score, submission) from the first point to
    ``now``, with an optional dashed line at ``reference`` (the active model's score)."""
    title = _("Best MAP@5 over time")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="board-chart" role="img" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             f'aria-labelledby="board-chart-title">',
             f'<title id="board-chart-title">{escape(title)}</title>']

    def y(value: float) -> float:
        return TOP + plot_h * (1.0 - max(0.0, min(1.0, value)))

    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#d0d7de" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="14" fill="#57606a">{tick:.2f}</text>')
    if not points:
        parts.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{TOP + plot_h / 2:.0f}" '
                     f'text-anchor="middle" font-size="15" fill="#57606a">'
                     f'{escape(_("No model has been scored yet."))}</text></svg>')
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
    start = points[0][0]
    end = max(now, points[-1][0])
    span = max((end - start).total_seconds(), 1.0)

    def x(when: datetime) -> float:
        return LEFT + plot_w * (when - start).total_seconds() / span

    path, previous = [], None
    for when, value, _sub in points:
        if previous is None:
            path.append(f"M{x(when):.1f},{y(value):.1f}")
        else:
            path.append(f"H{x(when):.1f}V{y(value):.1f}")
        previous = value
    path.append(f"H{x(end):.1f}")
    if reference is not None:
        parts.append(f'<line class="board-chart-reference" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                     f'y1="{y(reference):.1f}" y2="{y(reference):.1f}" stroke="#cf222e" '
                     f'stroke-width="1.5" stroke-dasharray="6 4"><title>'
                     f'{escape(reference_label)}: {reference:.3f}</title></line>')
    parts.append(f'<path d="{"".join(path)}" fill="none" stroke="#0969da" '
                 f'stroke-width="2"/>')
    for when, value, sub in points:
        day = date_format(timezone.localtime(when), "SHORT_DATE_FORMAT")
        label = f"{getattr(sub, 'name', '')}: {value:.3f} ({day})"
        parts.append(f'<circle class="board-chart-point" cx="{x(when):.1f}" '
                     f'cy="{y(value):.1f}" r="4" fill="#0969da"><title>{escape(label)}'
                     f'</title></circle>')
    for when, anchor in ((start, "start"), (end, "end")):
        parts.append(f'<text x="{x(when):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}" '
                     f'font-size="14" fill="#57606a">'
                     f'{escape(date_format(timezone.localtime(when), "SHORT_DATE_FORMAT"))}'
                     f'</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

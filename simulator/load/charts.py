"""Inline SVG line charts with the run's phases shaded: no scripts, no external files. Styled by the
reports' shared stylesheet (paychaos.reporting.html_style: `svg.chart`, `.ch-*`)."""

from __future__ import annotations

import math
from html import escape

W, H = 860, 230
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 26, 46


def line_chart(title: str, lines: list[tuple[str, str, list[tuple[float, float | None]]]],
               phases: list[tuple[float, float, str, bool]], *, x_max: float, y_max: float | None = None,
               y_unit: str = "") -> str:
    """lines: (label, colour, [(x seconds, y or None)]); phases: (start_s, end_s, name, faulted)."""
    ys = [y for _, _, pts in lines for _, y in pts if y is not None]
    top = y_max if y_max is not None else nice_ceiling(max(ys) if ys and max(ys) > 0 else 1.0)
    x_max = max(x_max, 1e-6)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + pw * min(max(x / x_max, 0.0), 1.0)

    def py(y: float) -> float:
        return TOP + ph * (1 - min(max(y / top, 0.0), 1.0))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
             f'role="img" aria-label="{escape(title)}" class="chart">',
             f'<text x="{LEFT}" y="16" class="ch-title">{escape(title)}</text>']
    for i, (start, end, name, faulted) in enumerate(phases):
        fill = "#f8d7d3" if faulted else ("#eef3f8" if i % 2 == 0 else "#f7f9fb")
        parts.append(f'<rect x="{px(start):.1f}" y="{TOP}" width="{max(px(end) - px(start), 0):.1f}" '
                     f'height="{ph}" fill="{fill}"><title>{escape(name)}</title></rect>')
        parts.append(f'<text x="{px(start) + 3:.1f}" y="{TOP + 12}" class="ch-phase">{escape(name)}</text>')
    for k in range(5):
        y = top * k / 4
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(y):.1f}" y2="{py(y):.1f}" class="ch-grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{py(y) + 4:.1f}" class="ch-axis" text-anchor="end">'
                     f'{_fmt(y)}{escape(y_unit)}</text>')
    step = nice_ceiling(x_max / 8)
    for k in range(int(x_max / step) + 1):
        x = k * step
        parts.append(f'<text x="{px(x):.1f}" y="{TOP + ph + 14}" class="ch-axis" text-anchor="middle">{x:g}s</text>')
    for n, (label, colour, pts) in enumerate(lines):
        for seg in _segments(pts):
            d = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in seg)
            if len(seg) == 1:
                parts.append(f'<circle cx="{px(seg[0][0]):.1f}" cy="{py(seg[0][1]):.1f}" r="2" fill="{colour}"/>')
            else:
                parts.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        lx = LEFT + 10 + n * 170
        parts.append(f'<rect x="{lx}" y="{H - 13}" width="10" height="4" fill="{colour}"/>'
                     f'<text x="{lx + 14}" y="{H - 7}" class="ch-legend">{escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above value (round axis labels)."""
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)


def _segments(pts):
    seg = []
    for x, y in pts:
        if y is None:
            if seg:
                yield seg
            seg = []
        else:
            seg.append((x, y))
    if seg:
        yield seg


def _fmt(v: float) -> str:
    """Axis labels: 0, 0.25, 2.5, 12.5, 50, 1000 (never 12 for 12.5)."""
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.3g}"

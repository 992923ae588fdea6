"""The timeline of one scenario as an inline SVG, drawn in Python (the page template places it)."""

from __future__ import annotations

import html

LANES = ("customer", "primary", "backup", "webhooks")


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def num(v) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def made_by_fault(r: dict) -> str:
    """What sets a delivery a webhook fault made apart from the genuine one it copies."""
    if r.get("forged"):
        return f" · forged ({r['forged']}), after {r.get('replay_of')}"
    return f" · copy of {r['replay_of']}" if r.get("replay_of") else ""


def secs(v) -> str:
    if v is None:
        return "–"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def exchange_class(r: dict) -> str:
    status = r.get("status")
    if status is None or r.get("error"):
        return "x-none"
    if status < 300:
        return "x-ok"
    if status < 500:
        return "x-4xx"
    return "x-5xx"


def timeline(e: dict) -> str:
    """An SVG: one lane per upstream (and one for the customers' checkouts), one bar per exchange
    from its start to its end, coloured by what the client saw, faulted exchanges outlined and
    marked with a red triangle. Bars that overlap in time are stacked in sub-rows."""
    records = [r for r in e.get("timeline") or [] if r.get("t_s") is not None]
    checkouts = [c for c in e.get("checkouts") or [] if c.get("t_s") is not None]
    if not records and not checkouts:
        return "<h3>Timeline</h3><p class=\"muted\">No gateway exchanges were recorded.</p>"
    bars: dict[str, list[dict]] = {}
    for c in checkouts:
        cls = {"paid": "c-paid", "pending": "c-pending", "failed": "c-failed"}.get(c.get("status") or "", "c-none")
        tip = (f"{c.get('order_id')} {c.get('step')}: {c.get('status') or c.get('error') or 'no answer'}"
               f" after {secs(c.get('elapsed_s'))} s — {c.get('message') or ''}")
        bars.setdefault("customer", []).append(
            {"t0": c["t_s"], "t1": c["t_s"] + (c.get("elapsed_s") or 0), "cls": cls, "tip": tip, "fault": False})
    for r in records:
        faulted = bool(r.get("faults"))
        tip = (f"{r.get('id')} {r.get('method')} {r.get('host') or ''}{r.get('path')} → {r.get('status') or r.get('error') or 'no response'}"
               + (f" · fault: {', '.join(r['faults'])}" if faulted else "") + made_by_fault(r)
               + (f" · key {r['idempotency_key']}" if r.get("idempotency_key") else "")
               + f" · {num(r.get('duration_ms'))} ms")
        bars.setdefault(r["upstream"], []).append(
            {"t0": r["t_s"], "t1": r["t_s"] + (r.get("duration_ms") or 0) / 1000,
             "cls": exchange_class(r) + (" faulted" if faulted else ""), "tip": tip, "fault": faulted})
    lanes = [lane for lane in LANES if lane in bars] + sorted(set(bars) - set(LANES))
    span = max(b["t1"] for lane in bars.values() for b in lane) * 1.04 or 0.001
    left, width, bar_h, gap = 92, 1000, 12, 3
    x = lambda t: left + (width - left - 10) * (t / span)  # noqa: E731
    rows = {lane: _pack(bars[lane], span / 300) for lane in lanes}
    tops, y = {}, 18
    for lane in lanes:
        tops[lane] = y
        y += 10 + rows[lane] * (bar_h + gap)
    height = y + 22
    parts = [f"<svg class=\"timeline\" viewBox=\"0 0 {width} {height}\" role=\"img\" "
             f"aria-label=\"timeline of gateway exchanges\">"]
    for i, lane in enumerate(lanes):
        lane_h = 4 + rows[lane] * (bar_h + gap) + 3
        parts.append(f"<rect x=\"{left}\" y=\"{tops[lane]}\" width=\"{width - left - 10}\" height=\"{lane_h}\" "
                     f"class=\"lane{' alt' if i % 2 else ''}\"/>"
                     f"<text x=\"{left - 8}\" y=\"{tops[lane] + lane_h / 2}\" class=\"lane-label\">{esc(lane)}</text>")
    for tick in _ticks(span):
        tx = x(tick)
        parts.append(f"<line x1=\"{tx:.1f}\" x2=\"{tx:.1f}\" y1=\"14\" y2=\"{height - 18}\" class=\"tick\"/>"
                     f"<text x=\"{tx:.1f}\" y=\"{height - 5}\" class=\"tick-label\">{tick:g}s</text>")
    for lane in lanes:
        for b in bars[lane]:
            by = tops[lane] + 4 + b["row"] * (bar_h + gap)
            x0, x1 = x(b["t0"]), x(b["t1"])
            parts.append(f"<rect x=\"{x0:.1f}\" y=\"{by}\" width=\"{max(3.0, x1 - x0):.1f}\" height=\"{bar_h}\" "
                         f"rx=\"2\" class=\"{b['cls']}\"><title>{esc(b['tip'])}</title></rect>")
            if b["fault"]:
                parts.append(f"<path d=\"M{x0 + 1.5:.1f} {by + 1} l-4 -6 h8 z\" class=\"fault-mark\">"
                             f"<title>{esc(b['tip'])}</title></path>")
    parts.append("</svg>")
    legend = ("<div class=\"legend\"><span class=\"x-ok\"></span>2xx <span class=\"x-4xx\"></span>4xx "
              "<span class=\"x-5xx\"></span>5xx <span class=\"x-none\"></span>no response "
              "<span class=\"fault-key\">▼</span>fault applied "
              "<span class=\"c-paid\"></span>customer: paid <span class=\"c-pending\"></span>pending "
              "<span class=\"c-failed\"></span>failed <span class=\"c-none\"></span>no answer</div>")
    return f"<h3>Timeline</h3><div class=\"tl-wrap\">{''.join(parts)}</div>{legend}"


MAX_ROWS = 8


def _pack(bars: list[dict], min_gap: float) -> int:
    """Give each bar the first sub-row free at its start (bars sorted by start); the row count."""
    ends: list[float] = []
    for b in sorted(bars, key=lambda b: b["t0"]):
        row = next((i for i, end in enumerate(ends) if end + min_gap <= b["t0"]), None)
        if row is None:
            row = len(ends) if len(ends) < MAX_ROWS else min(range(len(ends)), key=ends.__getitem__)
            if row == len(ends):
                ends.append(0.0)
        ends[row] = max(ends[row], b["t1"])
        b["row"] = row
    return max(1, len(ends))


def _ticks(span: float) -> list[float]:
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300):
        if span / step <= 10:
            break
    n = int(span / step) + 1
    return [round(i * step, 3) for i in range(n)]



"""Time series of a load run for the report's charts: success rate, customer latency and gateway
call rate per time bucket, on seconds since the run started."""

from __future__ import annotations

from paychaos.load.events import RunEvents
from paychaos.load.metrics import gateway_calls, percentile


def bucket_width(duration_s: float) -> float:
    return max(0.5, round(duration_s / 100.0, 1))


def build(events: RunEvents, journal: list[dict]) -> dict:
    t0 = events.started_at
    if t0 is None:
        return {"t0": None, "width_s": None, "buckets": []}
    end = max([p.end for p in events.phases] + [t0 + 1.0])
    width = bucket_width(end - t0)
    count = int((end - t0) / width) + 1
    buckets = [{"t": round(i * width, 2), "checkouts": 0, "paid": 0, "lat": [], "primary": 0, "backup": 0}
               for i in range(count)]
    for c in events.checkouts:
        i = int((c["t"] - t0) / width)
        if 0 <= i < count:
            b = buckets[i]
            b["checkouts"] += 1
            b["paid"] += c.get("status") == "paid"
            if c.get("elapsed_s") is not None:
                b["lat"].append(c["elapsed_s"] * 1000)
    for r in gateway_calls(journal):
        i = int((r.get("t_start", 0) - t0) / width)
        if 0 <= i < count:
            buckets[i][r["upstream"]] += 1
    out = []
    for b in buckets:
        lat = b.pop("lat")
        out.append({**b, "success_rate": round(b["paid"] / b["checkouts"], 4) if b["checkouts"] else None,
                    "latency_p50_ms": percentile(lat, 50), "latency_p95_ms": percentile(lat, 95),
                    "primary_calls_per_s": round(b["primary"] / width, 2),
                    "backup_calls_per_s": round(b["backup"] / width, 2)})
    return {"t0": t0, "width_s": width, "buckets": out}

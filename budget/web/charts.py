"""Small server-drawn SVG charts for the page (no JavaScript library, nothing fetched from the internet)."""

from __future__ import annotations

from html import escape


def _k(pence: int) -> str:
    pounds = pence / 100
    if abs(pounds) >= 1_000_000:
        return f"£{pounds / 1_000_000:,.1f}m"
    return f"£{pounds / 1000:,.0f}k"


def variance_bars(rows: list[tuple[str, int]], title: str, width: int = 640) -> str:
    """Horizontal bars of (name, variance pence): favourable (positive) green to the right, adverse red left."""
    if not rows:
        return ""
    bar_h, gap, label_w = 22, 6, 230
    height = 30 + len(rows) * (bar_h + gap) + 10
    biggest = max(abs(v) for _, v in rows) or 1
    half = (width - label_w - 20) / 2
    zero = label_w + half
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" class="chart">',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
        f'<line x1="{zero}" y1="24" x2="{zero}" y2="{height - 6}" stroke="#555"/>',
    ]
    for i, (name, v) in enumerate(rows):
        y = 30 + i * (bar_h + gap)
        w = abs(v) / biggest * (half - 60)
        x = zero if v >= 0 else zero - w
        colour = "#2e7d32" if v >= 0 else "#c62828"
        parts.append(f'<text x="0" y="{y + 15}" class="chart-label">{escape(name[:34])}</text>')
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour}"/>')
        tx = x + w + 4 if v >= 0 else x - 4
        anchor = "start" if v >= 0 else "end"
        parts.append(
            f'<text x="{tx:.1f}" y="{y + 15}" text-anchor="{anchor}" class="chart-value">{_k(v)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trajectory(points: list[tuple[str, int | None]], budget_p: int, title: str, width: int = 640) -> str:
    """A line of the forecast year-end net at each month end (None: no month end run, a gap), budget dashed."""
    known = [v for _, v in points if v is not None]
    if not known:
        return ""
    height, left, top, bottom = 220, 70, 28, 30
    lo: float = min([*known, budget_p])
    hi: float = max([*known, budget_p])
    span = (hi - lo) or max(abs(hi), 100_000)
    lo -= span * 0.1
    hi += span * 0.1
    n = len(points)
    step = (width - left - 20) / max(n - 1, 1)

    def y(v: int) -> float:
        return top + (hi - v) / (hi - lo) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" class="chart">',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
        f'<line x1="{left}" y1="{y(budget_p):.1f}" x2="{width - 20}" y2="{y(budget_p):.1f}" '
        'stroke="#555" stroke-dasharray="5,4"/>',
        f'<text x="{width - 20}" y="{y(budget_p) - 4:.1f}" text-anchor="end" class="chart-label">'
        f"budget {_k(budget_p)}</text>",
    ]
    path: list[str] = []
    for i, (label, v) in enumerate(points):
        x = left + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" class="chart-label">{escape(label)}</text>'
        )
        if v is None:
            if len(path) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="#1565c0" stroke-width="2" points="{" ".join(path)}"/>'
                )
            path = []
            continue
        path.append(f"{x:.1f},{y(v):.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="3.5" fill="#1565c0"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y(v) - 8:.1f}" text-anchor="middle" class="chart-value">{_k(v)}</text>'
        )
    if len(path) > 1:
        parts.append(f'<polyline fill="none" stroke="#1565c0" stroke-width="2" points="{" ".join(path)}"/>')
    parts.append("</svg>")
    return "".join(parts)

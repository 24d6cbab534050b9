"""Server-side SVG charts for reports: a report is a file that must render without script.

The browser UI draws the same numbers with ECharts; a report is opened from disk,
mailed, or printed to PDF by headless Chromium, so its charts are plain inline SVG.
Every label goes through ``escape``: category and place names are data, not markup.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

PALETTE = ("#8b1d1d", "#d97706", "#0b5cad", "#15803d", "#7c3aed")
FONT = "font-family=\"'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei',sans-serif\""


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def bar_chart(items: Sequence[tuple[str, int]], *, width: int = 520, row: int = 22,
              colour: str = PALETTE[0], empty: str = "暂无数据") -> Markup:
    """Horizontal bars, one row per (label, count), largest first as given."""
    if not items:
        return Markup(f'<p class="empty">{escape(empty)}</p>')
    label_w, value_w = 130, 50
    plot_w = width - label_w - value_w
    top = max(count for _, count in items) or 1
    height = row * len(items) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" {FONT} font-size="12">']
    for i, (label, count) in enumerate(items):
        y = 4 + i * row
        bar = max(1.0, plot_w * count / top)
        text = label if len(label) <= 9 else label[:8] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + row * 0.65:.1f}" text-anchor="end" fill="#1f2933">'
                     f'{escape(text)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" fill="{colour}" rx="2"/>')
        parts.append(f'<text x="{label_w + bar + 4:.1f}" y="{y + row * 0.65:.1f}" fill="#52606d">{count}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def series_chart(points: Sequence[dict[str, Any]], keys: Sequence[tuple[str, str]], *, width: int = 720,
                 height: int = 220, empty: str = "暂无数据") -> Markup:
    """Grouped columns per bucket for each (key, legend) in ``keys``, with a y axis and legend."""
    if not points:
        return Markup(f'<p class="empty">{escape(empty)}</p>')
    left, right, top_pad, bottom = 44, 10, 26, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = _nice_max(max((p.get(key, 0) for p in points for key, _ in keys), default=0))
    slot = plot_w / len(points)
    bar_w = max(1.0, slot * 0.8 / len(keys))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" {FONT} font-size="11">']
    for k in range(5):  # grid lines and y labels
        value = peak * k / 4
        y = top_pad + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#52606d">{value:g}</text>')
    every = max(1, len(points) // 12)  # at most ~12 x labels
    for i, point in enumerate(points):
        x0 = left + i * slot + slot * 0.1
        for j, (key, _) in enumerate(keys):
            value = point.get(key, 0)
            h = plot_h * value / peak
            parts.append(f'<rect x="{x0 + j * bar_w:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" '
                         f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}"/>')
        if i % every == 0:
            parts.append(f'<text x="{left + (i + 0.5) * slot:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                         f'fill="#52606d">{escape(str(point.get("label", "")))}</text>')
    for j, (_, legend) in enumerate(keys):
        x = left + j * 90
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="15" fill="#1f2933">{escape(legend)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))

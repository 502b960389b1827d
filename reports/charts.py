"""Geometry for the dashboard's server-drawn SVG charts.

Charts are drawn on the server so they need no JavaScript, work offline and
print. These functions only place shapes; the templates under reports/charts/
draw them, and every chart has its figures in a table beside it.
"""

from decimal import Decimal

WIDTH = 640
HEIGHT = 220
LEFT = 56  # room for the value axis
BOTTOM = 24  # room for the category labels
TOP = 8


def nice_ceiling(value) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above value (at least 1)."""
    value = max(Decimal(value), Decimal(1))
    step = Decimal(1)
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return int(step * factor)
        step *= 10


def _ticks(top, plot_height):
    # Halfway only when it is a whole number (a scale of 0 to 1 has none).
    parts = (0, 0.5, 1) if top >= 2 else (0, 1)
    return [
        {"y": round(TOP + plot_height * (1 - part), 1), "label": f"{int(top * part):,}"}
        for part in parts
    ]


def bar_chart(labels, series, *, height=HEIGHT):
    """Grouped vertical bars. `series` is [(name, values)]; negative values
    draw as zero (the table beside the chart shows them)."""
    values = [max(Decimal(v or 0), Decimal(0)) for _name, vals in series for v in vals]
    top = nice_ceiling(max(values, default=0))
    plot_height = height - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    bars = []
    for index, _label in enumerate(labels):
        for number, (name, vals) in enumerate(series):
            value = vals[index] or 0
            h = float(max(Decimal(value), Decimal(0)) / top) * plot_height
            bars.append(
                {
                    "x": round(LEFT + index * slot + slot * 0.1 + number * bar, 1),
                    "y": round(TOP + plot_height - h, 1),
                    "width": round(bar, 1),
                    "height": round(h, 1),
                    "series": number,
                    "title": f"{name}, {_label}: {value}",
                }
            )
    every = max(1, len(labels) // 12)
    return {
        "width": WIDTH,
        "height": height,
        "bars": bars,
        "ticks": _ticks(top, plot_height),
        "labels": [
            {"x": round(LEFT + (index + 0.5) * slot, 1), "text": label}
            for index, label in enumerate(labels)
            if index % every == 0
        ],
        "legend": [{"series": number, "name": name} for number, (name, _v) in enumerate(series)],
        "base_y": TOP + plot_height,
        "left": LEFT,
        "right": WIDTH,
        "has_data": any(values),
    }


def line_chart(labels, values, *, name, height=160):
    """One line, e.g. the points outstanding at each month's end."""
    top = nice_ceiling(max((max(Decimal(v), Decimal(0)) for v in values), default=0))
    plot_height = height - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(labels), 1)
    points = [
        (
            round(LEFT + (index + 0.5) * slot, 1),
            round(TOP + plot_height * (1 - float(max(Decimal(v), Decimal(0)) / top)), 1),
        )
        for index, v in enumerate(values)
    ]
    every = max(1, len(labels) // 12)
    return {
        "width": WIDTH,
        "height": height,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "dots": [
            {"x": x, "y": y, "title": f"{name}, {labels[i]}: {values[i]}"}
            for i, (x, y) in enumerate(points)
        ],
        "ticks": _ticks(top, plot_height),
        "labels": [
            {"x": round(LEFT + (index + 0.5) * slot, 1), "text": label}
            for index, label in enumerate(labels)
            if index % every == 0
        ],
        "base_y": TOP + plot_height,
        "left": LEFT,
        "right": WIDTH,
        "has_data": any(values),
    }


def pyramid_chart(distribution, *, row_height=34):
    """Members per tier as centred bars, top tier first, with the target
    band drawn on both sides of each bar (a group's band split evenly
    between its tiers when the middle holds several)."""
    centre = WIDTH / 2
    full = WIDTH - 2 * 8
    group_sizes = {}
    for row in distribution.rows:
        group_sizes[row.group] = group_sizes.get(row.group, 0) + 1
    bands = {band.group: band for band in distribution.bands}
    rows = []
    for index, row in enumerate(distribution.rows):
        y = index * row_height
        width = float(row.share or 0) * full
        shape = {
            "y": y + 4,
            "height": row_height - 8,
            "x": round(centre - width / 2, 1),
            "width": round(width, 1),
            "label_y": y + row_height / 2 + 4,
            "name": str(row.tier),
            "members": row.members,
            "share": row.share,
            "drifted": False,
            "band": None,
        }
        band = bands.get(row.group)
        if band:
            count = group_sizes[row.group]
            low = float(band.low) / 100 / count * full
            high = float(band.high) / 100 / count * full
            shape["drifted"] = band.drifted
            shape["band"] = {
                "left_x": round(centre - high / 2, 1),
                "right_x": round(centre + low / 2, 1),
                "width": round((high - low) / 2, 1),
            }
        rows.append(shape)
    return {
        "width": WIDTH,
        "height": max(len(rows), 1) * row_height,
        "rows": rows,
        "centre": centre,
        "has_data": distribution.total > 0,
    }

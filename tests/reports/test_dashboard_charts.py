from decimal import Decimal

from reports.charts import bar_chart, line_chart, nice_ceiling


def test_nice_ceiling_rounds_up_to_one_two_or_five():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 12, 499, 501)] == [1, 1, 5, 10, 20, 500, 1000]


def test_bars_are_scaled_to_the_axis_and_negatives_draw_as_zero():
    chart = bar_chart(["Jan", "Feb"], [("Issued", [50, 100]), ("Other", [-30, Decimal("25")])])
    heights = [bar["height"] for bar in chart["bars"]]
    plot = chart["base_y"] - 8
    assert heights == [plot / 2, 0, plot, plot / 4]
    assert [tick["label"] for tick in chart["ticks"]] == ["0", "50", "100"]
    assert chart["has_data"]


def test_an_empty_chart_says_so_and_has_no_fractional_ticks():
    chart = bar_chart(["Jan"], [("Issued", [0])])
    assert not chart["has_data"]
    assert [tick["label"] for tick in chart["ticks"]] == ["0", "1"]
    assert not line_chart(["Jan"], [0], name="Outstanding")["has_data"]

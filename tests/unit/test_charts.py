"""The dashboard's SVG charts: well-formed, named for assistive technology, bars as long as
their values say, labels escaped, and an empty chart that says there is no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from returns_service.web.insights.charts import (
    PALETTE,
    Datum,
    bar_length,
    horizontal_bars,
    stacked_bar,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))  # raises on anything not well-formed
    assert root.tag == f"{SVG}svg"
    return root


def _bars(root: ET.Element) -> list[ET.Element]:
    return [g.find(f"{SVG}rect") for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]  # type: ignore[misc]


def test_a_bar_chart_is_an_image_named_by_its_title_and_description() -> None:
    root = _parse(
        horizontal_bars(
            "rate",
            "Return rate by category",
            "Rings 20%",
            [Datum("rings", 0.2, "20%")],
            no_data="No data",
        )
    )
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "rate-title rate-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and (title.get("id"), title.text) == (
        "rate-title",
        "Return rate by category",
    )
    assert desc is not None and (desc.get("id"), desc.text) == ("rate-desc", "Rings 20%")


def test_bar_lengths_are_proportional_to_the_values() -> None:
    data = [Datum("a", 10, "10"), Datum("b", 40, "40"), Datum("c", 20, "20"), Datum("d", 0, "0")]
    root = _parse(horizontal_bars("c", "t", "d", data, no_data="No data"))
    widths = [float(rect.get("width", "")) for rect in _bars(root)]
    assert widths[1] == max(widths) > 0
    assert widths == pytest.approx([widths[1] / 4, widths[1], widths[1] / 2, 0.0])
    texts = ["".join(g.itertext()) for g in root.iter(f"{SVG}g")]
    assert texts == ["a10", "b40", "c20", "d0"]  # label and value, written out


def test_a_negative_value_draws_no_bar_and_all_zero_values_draw_empty_bars() -> None:
    assert bar_length(-5, 10, 300) == 0.0
    assert bar_length(5, 0, 300) == 0.0
    root = _parse(
        horizontal_bars("z", "t", "d", [Datum("a", 0, "0%"), Datum("b", 0, "0%")], no_data="-")
    )
    assert [rect.get("width") for rect in _bars(root)] == ["0", "0"]


def test_labels_values_and_titles_are_escaped() -> None:
    evil = '<script>alert("x")</script> & "quotes"'
    markup = horizontal_bars(
        'id"x', evil, evil, [Datum(evil[:20], 1, "<b>1</b>")], no_data="No data"
    )
    assert "<script>" not in markup and "<b>" not in markup
    root = _parse(markup)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == evil  # the text survives, as text
    label = "".join(next(root.iter(f"{SVG}text")).itertext())
    assert label == evil[:20]
    assert root.get("aria-labelledby") == 'id"x-title id"x-desc'


def test_a_long_label_is_cut_with_an_ellipsis() -> None:
    root = _parse(horizontal_bars("l", "t", "d", [Datum("x" * 40, 1, "1")], no_data="-"))
    label = next(root.iter(f"{SVG}text")).text or ""
    assert label.endswith("…") and len(label) == 24


@pytest.mark.parametrize("draw", [horizontal_bars, stacked_bar])
def test_empty_data_is_drawn_as_no_data(draw) -> None:  # type: ignore[no-untyped-def]
    root = _parse(draw("e", "Resolution mix", "Nothing in this range", [], no_data="No data"))
    texts = [t for t in root.iter(f"{SVG}text")]
    assert [(t.get("class"), t.text) for t in texts] == [("no-data", "No data")]
    assert root.get("role") == "img" and root.find(f"{SVG}title") is not None


def test_a_stacked_bar_of_zeros_is_no_data() -> None:
    root = _parse(stacked_bar("z", "t", "d", [Datum("refund", 0, "0")], no_data="No data"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No data"]


def test_a_stacked_bar_splits_the_width_by_share_with_a_legend() -> None:
    data = [Datum("refund", 2, "2"), Datum("exchange", 1, "1"), Datum("store credit", 1, "1")]
    root = _parse(stacked_bar("mix", "Resolution mix", "d", data, no_data="-", width=400))
    segments = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "segment"]
    assert [float(r.get("width", "")) for r in segments] == [200, 100, 100]
    assert [float(r.get("x", "")) for r in segments] == [0, 200, 300]
    assert [r.get("fill") for r in segments] == list(PALETTE[:3])
    legend = ["".join(g.itertext()) for g in root.iter(f"{SVG}g")]
    assert legend == ["refund: 2", "exchange: 1", "store credit: 1"]


def test_the_palette_passes_contrast_against_white() -> None:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in PALETTE:
        assert 1.05 / (luminance(colour) + 0.05) >= 4.5, colour

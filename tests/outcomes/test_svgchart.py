"""The server-drawn SVG chart: well-formed XML, escaped labels, every value present."""

import xml.etree.ElementTree as ET

import pytest

from liens.lib import svgchart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str):
    return ET.fromstring(markup)  # noqa: S314 - our own markup, the very thing under test


def _chart(points, **extra):
    options = {
        "chart_id": "ucla3",
        "title": "UCLA-3 over time",
        "description": "Scores: 7, 5.",
        "minimum": 3,
        "maximum": 9,
        "threshold": 6,
        "threshold_label": "lonely from 6",
    }
    return svgchart.line_chart(points, **(options | extra))


def test_the_chart_is_well_formed_svg_labelled_for_screen_readers():
    markup = _chart([svgchart.Point("12/03/2026", 7), svgchart.Point("15/06/2026", 5)])
    root = _parse(markup)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "ucla3-title ucla3-desc"
    assert root.find(f"{SVG}title").text == "UCLA-3 over time"
    assert root.find(f"{SVG}desc").text == "Scores: 7, 5."
    assert root.get("viewBox") == "0 0 320 170" and root.get("width") == "100%"
    # One dot per score, each with its date and value; one line through them; the threshold.
    dots = root.findall(f"{SVG}circle")
    assert [dot.find(f"{SVG}title").text for dot in dots] == ["12/03/2026: 7", "15/06/2026: 5"]
    assert len(root.findall(f"{SVG}polyline")) == 1
    (threshold,) = root.findall(f"{SVG}line[@class='threshold']")
    assert threshold.find(f"{SVG}title").text == "lonely from 6"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "7" in texts and "5" in texts and "6" in texts


def test_a_higher_score_is_drawn_higher_on_the_page():
    root = _parse(_chart([svgchart.Point("a", 4), svgchart.Point("b", 8)]))
    low, high = (float(c.get("cy")) for c in root.findall(f"{SVG}circle"))
    assert high < low  # SVG's y grows downwards


def test_every_label_is_escaped():
    evil = '</title><script>alert("x")</script>&'
    markup = _chart(
        [svgchart.Point(evil, 7), svgchart.Point("b", 5)],
        title=evil,
        description=evil,
        threshold_label=evil,
        chart_id='x" onload="alert(1)',
    )
    root = _parse(markup)  # still well-formed
    assert "<script" not in markup and " onload=" not in markup
    assert not list(root.iter(f"{SVG}script"))
    assert all(not name.startswith("on") for element in root.iter() for name in element.attrib)
    assert root.find(f"{SVG}title").text == evil  # the text survives, as text


def test_a_single_score_is_a_dot_without_a_line_and_outliers_stay_on_the_chart():
    root = _parse(_chart([svgchart.Point("a", 12)]))
    assert len(root.findall(f"{SVG}circle")) == 1 and not root.findall(f"{SVG}polyline")
    assert float(root.find(f"{SVG}circle").get("cy")) >= svgchart.TOP


def test_an_empty_scale_is_refused():
    with pytest.raises(ValueError):
        svgchart.line_chart([], chart_id="c", title="t", description="d", minimum=5, maximum=5)


def test_a_bar_chart_is_accessible_escapes_its_text_and_cuts_long_labels():
    from liens.lib.svgchart import Point, bar_chart

    long_label = "Formulaire public (la personne, sa famille, ses voisins)"
    svg = bar_chart(
        [Point("<b>Visites</b>", 5), Point(long_label, 2.5)],
        chart_id="chart-x",
        title="Visites & contacts",
        description="Visites : 5",
        value_text=lambda value: str(value).replace(".", ","),
    )
    assert 'role="img"' in svg and 'aria-labelledby="chart-x-title chart-x-desc"' in svg
    assert "&lt;b&gt;Visites&lt;/b&gt;" in svg and "<b>" not in svg and "Visites &amp; contacts" in svg
    assert f">{long_label[:39].rstrip()}…<" in svg and f">{long_label}<" not in svg  # drawn cut...
    assert f"<title>{long_label}: 2,5</title>" in svg  # ...and whole in its tooltip
    assert svg.count("<rect") == 2

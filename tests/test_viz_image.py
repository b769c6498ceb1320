"""`pmkg viz --format svg|png`: a network view as a picture for slides (kg.viz_image, through vl-convert).

The SVG is parsed as XML and read back: the labels drawn, every node's name (aria-label), no two labels
overlapping; the PNG's size is read from its header. A missing vl-convert is a one-line error naming the
extra, and nothing is written."""
from __future__ import annotations

import struct
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import HOSTILE

from kg import network, viz_image
from kg.cli import main

pytest.importorskip("vl_convert")   # a test dependency (pyproject [test]); the extra 'images' for users

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: bytes) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(SVG + "text")]


def aria_labels(svg: bytes) -> set[str]:
    return {e.get("aria-label") for e in ET.fromstring(svg).iter() if e.get("aria-label")}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def landscape(network_raw):
    return network.landscape(network_raw)


@pytest.fixture(scope="module")
def landscape_svg(landscape):
    return viz_image.network_image(landscape, "svg")


def test_svg_labels_the_hubs_of_the_curated_network(landscape, landscape_svg):
    from kg.analyze import simple

    drawn = texts(landscape_svg)
    assert drawn[0] == "pmkg \u00b7 collaboration landscape"
    H = simple(landscape)
    hubs = sorted(H, key=lambda v: (-H.degree(v), str(landscape.nodes[v].get("label", v)), str(v)))[:10]
    for v in hubs:   # the ten biggest hubs are always labelled
        assert landscape.nodes[v]["label"] in drawn, v
    assert {"GMS", "PRIME-ROSE", "PCM4EU", "ECHoS", "Testbed Sweden Cancer Precision Health", "DRUP"} <= \
        {landscape.nodes[v]["label"] for v in hubs}
    root = ET.fromstring(landscape_svg)
    assert (root.get("width"), root.get("height")) == ("1600", "900")


def test_svg_says_how_partial_the_map_is(landscape_svg):
    line = next(t for t in texts(landscape_svg) if t.startswith("A partial map"))
    for part in ("PRIME-ROSE 7 of 24\u201328", "PCM4EU 8 of 17\u201318", "ECHoS 18 of 54\u201358",
                 "JA PCM 11 of 146\u2013151", "(confirmed members)"):
        assert part in line, part


def test_svg_names_every_node_of_the_view(landscape, landscape_svg):
    names = aria_labels(landscape_svg)
    for v, d in landscape.nodes(data=True):
        assert any(n.startswith(str(d.get("name") or d.get("label") or v) + " (") for n in names), v
    assert "Oslo University Hospital (organisation)" in names
    assert "PRIME-ROSE: Precision Cancer Medicine Repurposing System Using Pragmatic Clinical Trials (project)" in names


def test_svg_legend_lists_the_kinds_and_roles_drawn(landscape, landscape_svg):
    drawn = set(texts(landscape_svg))
    assert {"Kinds", "Roles and relations", "organisation", "project", "clinical trial", "coordinator",
            "partner", "sponsors"} <= drawn
    assert f"{landscape.number_of_nodes()} nodes, {landscape.number_of_edges()} links" in \
        " ".join(t for t in drawn if "links" in t)


def test_placed_labels_never_overlap(landscape):
    spec = viz_image.network_spec(landscape)
    labels = next(d["values"] for d in spec["data"] if d["name"] == "labelItems")
    boxes = []
    for item in labels:
        w, h = viz_image.text_width(item["text"], item["font"]), item["font"] * 1.2
        left = {"left": item["x"], "right": item["x"] - w, "center": item["x"] - w / 2}[item["align"]]
        top = {"middle": item["y"] - h / 2, "bottom": item["y"] - h, "top": item["y"]}[item["baseline"]]
        boxes.append((left, top, left + w, top + h))
    assert len(boxes) > 0.6 * landscape.number_of_nodes()   # the shipped data has room for most labels
    for i, a in enumerate(boxes):
        assert 0 <= a[0] and a[2] <= 1600 and a[3] <= 900
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_place_labels_leaves_out_what_has_no_room():
    # twenty nodes on one spot: the ten hubs may cover nodes, but no two labels may overlap, so most go
    nodes = [{"px": 500.0, "py": 400.0, "size": 100.0, "font": 12.0, "label": f"node {i}"} for i in range(20)]
    placed = viz_image.place_labels(nodes, (0, 0, 1000, 800))
    assert 1 <= len(placed) <= 8
    assert placed[0]["text"] == "node 0"


def test_png_has_the_size_asked_for(landscape):
    assert png_size(viz_image.network_image(landscape, "png", scale=1)) == (1600, 900)
    assert png_size(viz_image.network_image(landscape, "png", scale=0.5, width=1200, height=800)) == (600, 400)


def test_a_hostile_name_stays_text_in_the_svg(hostile_dataset):
    G = network.landscape(network.fetch(hostile_dataset))
    svg = viz_image.network_image(G, "svg")
    root = ET.fromstring(svg)   # well-formed: the name did not open an element
    assert not [e for e in root.iter() if e.tag in (SVG + "img", "img", SVG + "script")]
    assert HOSTILE in texts(svg)
    assert b"<img" not in svg


def test_cli_writes_svg_and_png(published, tmp_path, capsys):
    svg, png = tmp_path / "landscape.svg", tmp_path / "orgs.png"
    assert main(["viz", "--format", "svg", "-o", str(svg)]) == 0
    assert "GMS" in texts(svg.read_bytes())
    assert main(["viz", "--view", "organisations", "--country", "SE", "--format", "png", "--scale", "1",
                 "-o", str(png)]) == 0
    assert png_size(png.read_bytes()) == (1600, 900)
    assert "wrote" in capsys.readouterr().err


def test_cli_without_output_names_the_picture_after_the_view(published, project):
    assert main(["viz", "--view", "trials", "--format", "svg"]) == 0
    assert (project / "build" / "views" / "network-trials.svg").is_file()
    assert not (project / "build" / "views" / "network-trials.html").exists()


def test_missing_vl_convert_is_a_clear_error_and_nothing_is_written(published, tmp_path, monkeypatch, capsys):
    out = tmp_path / "old.svg"
    out.write_text("old picture", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "vl_convert", None)   # import vl_convert raises ImportError
    assert main(["viz", "--format", "svg", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "vl-convert-python" in err and "pip install 'pmkg[images]'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["old.svg"]


def test_bad_scale_is_a_usage_error(published, tmp_path, capsys):
    assert main(["viz", "--format", "png", "--scale", "0", "-o", str(tmp_path / "x.png")]) == 2
    assert "--scale" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_an_empty_view_is_still_a_picture_saying_so():
    import networkx as nx

    svg = viz_image.network_image(nx.MultiDiGraph(view="trials"), "svg")
    drawn = texts(svg)
    assert drawn[0] == "pmkg \u00b7 clinical trials and who runs them" and drawn[1].startswith("0 nodes, 0 links")
    assert png_size(viz_image.network_image(nx.MultiDiGraph(), "png", scale=1)) == (1600, 900)

"""The vendored vis-network: upstream's file unchanged, its licences beside it, inlined whole into the page."""
from __future__ import annotations

import hashlib

import networkx as nx

from kg.viz import VIS_NETWORK, page

#: dist/vis-network.min.js of the npm package vis-network@9.1.2 (see kg/templates/lib/vis-network-9.1.2/README.md)
SHA256 = "6e30a2350474cdf92a0932c6d55b8adcb91929066817ed3eec7b87907a4612f3"


def test_vendored_vis_network_is_upstreams_file_with_its_licences():
    assert hashlib.sha256(VIS_NETWORK.read_bytes()).hexdigest() == SHA256
    folder = VIS_NETWORK.parent
    assert "Apache License" in (folder / "LICENSE-APACHE-2.0").read_text(encoding="utf-8")
    assert "MIT License" in (folder / "LICENSE-MIT").read_text(encoding="utf-8")
    assert SHA256 in (folder / "README.md").read_text(encoding="utf-8")


def test_the_page_inlines_it_without_the_source_map_reference():
    html = page(nx.path_graph(3))
    js = VIS_NETWORK.read_text(encoding="utf-8").replace("//# sourceMappingURL=vis-network.min.js.map", "").rstrip()
    assert js in html and " * @version 9.1.2" in html
    assert "sourceMappingURL" not in html

"""Network views of the shipped data, their analysis, paths and exports (kg.network, kg.analyze, kg.viz)."""
from __future__ import annotations

import json

import networkx as nx
import pytest
from conftest import DATA, MINI, ONTOLOGY
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from kg import network as N
from kg.analyze import analyze, format_analysis
from kg.namespaces import ORG, PMKG, SCHEMA

PM = "https://w3id.org/pmkg/id/"


@pytest.fixture(scope="module")
def land(network_raw):
    return N.landscape(network_raw)


@pytest.fixture(scope="module")
def orgs(network_raw):
    return N.organisations(network_raw)


def members(g, thing: str, roles=None) -> set[str]:
    """Organisations taking part in ``thing``, read straight from the org:Membership triples."""
    out = set()
    for m in g.subjects(ORG.organization, URIRef(PM + thing)):
        role = str(g.value(m, ORG.role)).rsplit("/", 1)[-1]
        if roles is None or role in roles:
            out.add(str(g.value(m, ORG.member))[len(PM):])
    return out


def items_of(g, org: str, uncertain: bool = False) -> set[str]:
    """Projects and trials an organisation takes part in (any role but funder), from the triples;
    participations marked uncertain only when ``uncertain``."""
    out = set()
    for m in g.subjects(ORG.member, URIRef(PM + org)):
        if str(g.value(m, ORG.role)).endswith("/funder"):
            continue
        if not uncertain and (m, PMKG.uncertain, Literal(True)) in g:
            continue
        thing = g.value(m, ORG.organization)
        if (thing, RDF.type, SCHEMA.Project) in g or (thing, RDF.type, SCHEMA.MedicalTrial) in g:
            out.add(str(thing)[len(PM):])
    return out


# --- projections ---------------------------------------------------------------------------------

def test_gms_and_scilifelab_share_the_testbed(orgs, union_graph):
    edge = orgs.edges["gms", "scilifelab"]
    assert "testbed" in edge["shared"]
    assert {"gms", "scilifelab"} <= members(union_graph, "testbed")
    shared = items_of(union_graph, "gms") & items_of(union_graph, "scilifelab")
    assert edge["weight"] == len(edge["shared"]) == len(shared)


def test_lumc_ous_weight_counts_pcm4eu(orgs, union_graph):
    edge = orgs.edges["lumc", "ous"]
    assert "pcm4eu" in edge["shared"] and "PCM4EU" in edge["shared_labels"]
    shared = items_of(union_graph, "lumc") & items_of(union_graph, "ous")
    assert edge["weight"] == len(shared) and sorted(shared) == edge["shared"]


def test_coparticipation_ignores_funders_unless_asked(network_raw, union_graph):
    funders = members(union_graph, "prime-rose", {"funder"})
    assert funders, "PRIME-ROSE has a funder in the data"
    default = N.organisations(network_raw)
    assert not any(default.has_edge(f, "ous") and "prime-rose" in default.edges[f, "ous"]["shared"] for f in funders)
    with_funders = N.organisations(network_raw, N.Filters(roles=N.PARTICIPATION_ROLES))
    assert any("prime-rose" in with_funders.edges[f, "ous"]["shared"]
               for f in funders if with_funders.has_edge(f, "ous"))


def test_organisations_sharing_trials_only(network_raw):
    T = N.organisations(network_raw, N.Filters(kinds={"trial"}))
    assert T.number_of_edges() > 0
    assert all(network_raw.nodes[i]["kind"] == "trial" for _, _, d in T.edges(data=True) for i in d["shared"])
    assert "megalit" in T.edges["akademiska", "sahlgrenska"]["shared"]
    assert all(d["kind"] in N.ORGANISATION_KINDS for _, d in T.nodes(data=True))


def test_literals_never_become_nodes(land, network_raw, union_graph):
    entity_types = (SCHEMA.Organization, SCHEMA.Project, SCHEMA.MedicalTrial, SCHEMA.FundingScheme)
    entities = {str(s)[len(PM):] for t in entity_types for s in union_graph.subjects(RDF.type, t)
                if str(s).startswith(PM)}
    assert set(N.landscape(network_raw, N.Filters(include_uncertain=True))) == entities
    # by default a candidate linked only by participations no source confirms is not drawn
    assert set(land) == entities - {"uio"}
    literals = {str(o) for o in union_graph.objects() if isinstance(o, Literal)}
    assert not (set(land) & literals)
    assert all(d["iri"] == PM + n for n, d in land.nodes(data=True))
    gms = land.nodes["gms"]
    assert gms["kind"] == "organisation" and gms["label"] == "GMS"
    assert gms["name"] == "Genomic Medicine Sweden" and gms["countries"] == ["SE"]
    assert all(isinstance(c, str) and len(c) == 2 for _, d in land.nodes(data=True) for c in d["countries"])


def test_landscape_edges_are_typed_by_role(land, union_graph):
    assert land.has_edge("ous", "prime-rose", key="coordinator")
    assert land.edges["ous", "prime-rose", "coordinator"]["label"] == "coordinator"
    assert land.has_edge("gms", "testbed", key="partner")
    assert land.has_edge("focuse", "drup", key="inspired-by")
    for funder in members(union_graph, "prime-rose", {"funder"}):
        assert land.edges[funder, "prime-rose", "funder"]["label"] == "funds"
    assert {k for _, _, k in land.edges(keys=True)} <= set(N.ROLES)
    assert all(d["sources"] for _, _, d in land.edges(data=True) if d["role"] in N.PARTICIPATION_ROLES)


def test_uncertain_participations_are_left_out_unless_asked_for(land, network_raw):
    assert not land.has_edge("nki", "drup", key="sponsor")
    assert not any(d["uncertain"] for _, _, d in land.edges(data=True))
    everything = N.landscape(network_raw, N.Filters(include_uncertain=True))
    assert everything.edges["nki", "drup", "sponsor"]["uncertain"] is True


def test_uncertain_members_change_the_organisation_network_only_when_asked_for(orgs, network_raw, union_graph):
    # LUMC is a confirmed PCM4EU coordinator, and a PRIME-ROSE member no source confirms
    assert orgs.edges["lumc", "ous"]["shared"] == ["pcm4eu"]
    everything = N.organisations(network_raw, N.Filters(include_uncertain=True))
    assert everything.edges["lumc", "ous"]["shared"] == sorted(items_of(union_graph, "lumc", uncertain=True)
                                                              & items_of(union_graph, "ous", uncertain=True))
    assert everything.edges["lumc", "ous"]["weight"] == 2


def test_bipartite_view(network_raw):
    B = N.bipartite(network_raw)
    assert nx.is_bipartite(B)
    side = nx.get_node_attributes(B, "bipartite")
    assert all(side[u] != side[v] for u, v in B.edges())
    assert side["gms"] == 0 and side["testbed"] == 1
    assert B.edges["gms", "testbed"]["roles"] == ["partner"]
    assert {d["kind"] for n, d in B.nodes(data=True) if side[n] == 1} <= N.ITEM_KINDS


def test_trials_view(network_raw):
    T = N.trials(network_raw)
    trials = {n for n, k in T.nodes(data="kind") if k == "trial"}
    assert {"drup", "focuse", "impress-norway"} <= trials
    assert all(u in trials or v in trials for u, v in T.edges())
    assert T.has_edge("focuse", "drup", key="inspired-by") and T.has_edge("ous", "impress-norway", key="sponsor")
    assert "vinnova" not in T  # funds the Testbed, not a trial


def test_filters(network_raw):
    se = N.landscape(network_raw, N.Filters(countries={"se"}))
    assert "gms" in se and "lumc" not in se
    assert all(not d["countries"] or "SE" in d["countries"] for _, d in se.nodes(data=True))
    coord = N.landscape(network_raw, N.Filters(roles={"coordinator"}))
    assert {k for _, _, k in coord.edges(keys=True)} == {"coordinator"}
    early = N.landscape(network_raw, N.Filters(year=2019))
    assert "testbed" not in early and "b1mg" not in early   # 2021-10 to 2026-09; 2020 to 2023
    later = N.landscape(network_raw, N.Filters(year=2022))
    assert "testbed" in later and "b1mg" in later
    kinds = N.landscape(network_raw, N.Filters(kinds={"organisation", "trial"}))
    assert {d["kind"] for _, d in kinds.nodes(data=True)} <= {"organisation", "trial"}


def test_programme_filter_follows_parts_and_funding(network_raw):
    under = N.landscape(network_raw, N.Filters(programme="mission-cancer"))
    items = {n for n, d in under.nodes(data=True) if d["kind"] in N.ITEM_KINDS}
    assert {"echos", "prime-rose"} <= items and "testbed" not in items
    assert N.landscape(network_raw, N.Filters(programme="Cancer Mission")).nodes == under.nodes
    with pytest.raises(ValueError, match="not a programme"):
        N.landscape(network_raw, N.Filters(programme="gms"))


def test_bad_filter_values_are_named():
    with pytest.raises(ValueError, match="'bogus'"):
        N.Filters(kinds={"bogus"})
    with pytest.raises(ValueError, match="'partnr'"):
        N.Filters(roles={"partnr"})


def test_focus_keeps_the_neighbourhood(land):
    ego = N.neighbourhood(land, "GMS", 1)
    assert ego.graph["focus"] == "gms"
    assert set(ego) == {"gms"} | set(land.successors("gms")) | set(land.predecessors("gms"))
    assert "testbed" in ego and "prime-rose" not in ego
    assert "prime-rose" in N.neighbourhood(land, "gms", 2)


def test_same_answers_from_rdflib_and_oxigraph(memory, network_raw):
    ox = N.fetch(memory)
    assert ox.nodes == network_raw.nodes
    assert ox.participations == network_raw.participations
    assert ox.relations == network_raw.relations


# --- entities and paths ----------------------------------------------------------------------------

def test_resolve_by_id_curie_iri_acronym_and_name(land):
    for text in ("gms", "pm:gms", PM + "gms", "GMS", "genomic medicine sweden"):
        assert N.resolve(land, text) == "gms"
    with pytest.raises(ValueError, match="unknown entity 'gmz'.*did you mean"):
        N.resolve(land, "gmz")


def test_path_from_gms_to_prime_rose(land):
    res = N.shortest_paths(land, "GMS", "PRIME-ROSE")
    assert res.source == "gms" and res.target == "prime-rose"
    assert {len(p) for p in res.paths} == {2}
    via = {p[0].target: p for p in res.paths}
    assert "testbed" in via
    # GMS is a partner of the Testbed, which takes part in PRIME-ROSE in a role no source states
    assert [s.roles for s in via["testbed"]] == [["partner"], ["participant"]]
    text = N.format_paths(land, res)
    assert "GMS -[partner]-> Testbed Sweden Cancer Precision Health -[participant]-> PRIME-ROSE" in text


def test_path_walks_edges_backwards_with_the_arrow_reversed(land):
    res = N.shortest_paths(land, "prime-rose", "ous")
    assert res.paths == [[N.Step("prime-rose", "ous", ["coordinator"], False)]]
    assert "PRIME-ROSE <-[coordinator]- OUS" in N.format_paths(land, res)


def test_cli_path(capsys):
    from kg.cli import main

    assert main(["path", "gms", "prime-rose"]) == 0
    assert "2 steps" in capsys.readouterr().out
    assert main(["path", "--data", str(MINI), "gms", "no-such-thing"]) == 2
    assert "B='no-such-thing': no entity has that name" in capsys.readouterr().err


def test_path_between_one_entity_and_itself_is_the_same_entity_not_an_index_error(land, capsys):
    """Regression: `pmkg path GMS GMS` ended in an IndexError traceback."""
    import subprocess
    import sys

    from conftest import ROOT

    from kg.cli import main

    res = N.shortest_paths(land, "GMS", "genomic medicine sweden")
    assert res.same and res.paths == [[]] and not res.truncated
    assert N.format_paths(land, res) == "GMS (gms): both names are the same entity (0 steps)."
    assert main(["path", "gms", "GMS"]) == 0
    assert capsys.readouterr().out == "GMS (gms): both names are the same entity (0 steps).\n"
    done = subprocess.run([sys.executable, "-m", "kg", "path", "GMS", "pm:gms"], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert "same entity" in done.stdout


# --- analysis on a hand-made graph -------------------------------------------------------------------

@pytest.fixture
def barbell():
    """Two triangles a-b-c and d-e-f joined by the bridge c-d; a-b weighs 2."""
    G = nx.Graph(view="test")
    G.add_edges_from([("b", "c"), ("a", "c"), ("c", "d"), ("d", "e"), ("e", "f"), ("d", "f")], weight=1)
    G.add_edge("a", "b", weight=2)
    return G


def test_known_centralities(barbell):
    a = analyze(barbell)
    s = {n.id: n for n in a.nodes}
    # c lies on every shortest path from {a, b} to {d, e, f}: 6 of the (5*4)/2 = 10 pairs
    assert s["c"].betweenness == pytest.approx(0.6) and s["d"].betweenness == pytest.approx(0.6)
    assert s["a"].betweenness == 0 and s["f"].betweenness == 0
    assert (s["c"].degree, s["a"].degree) == (3, 2)
    assert (s["c"].weighted_degree, s["a"].weighted_degree, s["e"].weighted_degree) == (3, 3, 2)
    assert s["e"].pagerank == pytest.approx(s["f"].pagerank) and s["d"].pagerank > s["e"].pagerank
    assert sum(n.pagerank for n in a.nodes) == pytest.approx(1.0)
    assert a.articulation_points == ["c", "d"] and s["c"].articulation_point and not s["a"].articulation_point
    assert a.communities == [["a", "b", "c"], ["d", "e", "f"]]
    assert a.modularity > 0.2 and a.betweenness_method.startswith("exact")
    assert {n.id for n in a.top(2)} == {"c", "d"}


def reference_pagerank(H, damping=0.85, rounds=500):
    """PageRank by plain power iteration, written out here to check igraph's: a node without links
    spreads its rank evenly over all nodes (as networkx does)."""
    n = H.number_of_nodes()
    rank = dict.fromkeys(H, 1 / n)
    strength = {v: H.degree(v, weight="weight") for v in H}
    for _ in range(rounds):
        spread = sum(rank[v] for v in H if strength[v] == 0) / n
        rank = {v: (1 - damping) / n + damping * (spread + sum(rank[u] * d.get("weight", 1) / strength[u]
                                                                for _, u, d in H.edges(v, data=True)))
                for v in H}
    return rank


def test_pagerank_from_igraph_is_the_weighted_pagerank():
    from kg.analyze import pagerank

    # a star of three leaves, solved by hand: c = 0.15/4 + 0.85 * 3 l, l = 0.15/4 + 0.85 * c / 3
    star = nx.star_graph(3)
    ranks = pagerank(star)
    assert ranks[0] == pytest.approx(0.133125 / 0.2775, abs=1e-9)
    assert ranks[1] == pytest.approx(0.0375 + 0.85 * ranks[0] / 3, abs=1e-9)
    # weights count, and a node without links spreads its rank evenly
    G = nx.Graph()
    G.add_edge("a", "b", weight=3)
    G.add_edge("b", "c", weight=1)
    G.add_edge("c", "d", weight=2)
    G.add_node("alone")
    want = reference_pagerank(G)
    assert pagerank(G) == pytest.approx(want, abs=1e-9)
    assert pagerank(G)["a"] != pytest.approx(pagerank(G)["d"], abs=1e-4)   # not the unweighted answer
    assert pagerank(nx.empty_graph(4)) == dict.fromkeys(range(4), 0.25) and pagerank(nx.Graph()) == {}


def test_pagerank_of_the_shipped_views(network_raw):
    from kg.analyze import pagerank, simple

    for name in N.VIEWS:
        H = simple(N.view(network_raw, name))
        assert pagerank(H) == pytest.approx(reference_pagerank(H), abs=1e-9), name


def test_analysis_page_and_exports_need_neither_scipy_nor_pyvis():
    """The lean install: nothing a command does imports scipy, numpy, pyvis or IPython (they are not
    dependencies), including the page's layout above the physics limit and every export format."""
    import subprocess
    import sys

    from conftest import ROOT

    code = """
import sys
for name in ("scipy", "numpy", "pyvis", "IPython", "jedi", "pandas"):
    sys.modules[name] = None   # any import of them fails
import networkx as nx
from kg.build import build
from kg import analyze, network as N, viz
raw = N.fetch(build())
for name in N.VIEWS:
    G = N.view(raw, name)
    analyze.format_analysis(analyze.analyze(G), "json", top=None)
    viz.page(G)
    for fmt in N.NETWORK_FORMATS:
        N.export_network(G, fmt)
L = N.view(raw, "landscape")
N.format_paths(L, N.shortest_paths(L, "GMS", "OUS"))
big = nx.barabasi_albert_graph(viz.PHYSICS_MAX_NODES + 200, 2, seed=1)
assert "x" in viz.vis_data(big)[0][0]   # positions computed in Python (igraph)
analyze.analyze(big, exact_max=100, samples=20)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


def test_betweenness_is_sampled_above_the_limit_and_says_so(barbell):
    a = analyze(barbell, exact_max=3, samples=4)
    assert "approximate: sampled from 4 of 6 source nodes" in a.betweenness_method
    assert "approximate" in format_analysis(a, "table")


def test_multigraph_edges_add_up_as_weight():
    M = nx.MultiDiGraph()
    M.add_edge("x", "p", key="partner")
    M.add_edge("x", "p", key="site")
    M.add_edge("p", "y", key="part-of")
    s = {n.id: n for n in analyze(M).nodes}
    assert s["x"].weighted_degree == 2 and s["x"].degree == 1 and s["p"].articulation_point


def test_analysis_formats(orgs):
    a = analyze(orgs)
    rows = json.loads(format_analysis(a, "json", top=5))
    assert rows["node_count"] == orgs.number_of_nodes() and len(rows["nodes"]) == 5
    assert rows["nodes"][0]["betweenness"] >= rows["nodes"][-1]["betweenness"]
    csv_text = format_analysis(a, "csv", top=None)
    assert csv_text.splitlines()[0].startswith("rank,id,label,kind,degree,weighted_degree,betweenness,pagerank")
    assert len(csv_text.splitlines()) == orgs.number_of_nodes() + 1
    table = format_analysis(a, "table", top=3)
    assert "betweenness: exact" in table and "communities (Louvain)" in table


# --- exports --------------------------------------------------------------------------------------------

def test_graphml_reads_back_with_attributes(land, tmp_path):
    path = tmp_path / "pmkg.graphml"
    path.write_bytes(N.export_network(land, "graphml"))
    G = nx.read_graphml(path, force_multigraph=True)
    assert G.number_of_nodes() == land.number_of_nodes() and G.number_of_edges() == land.number_of_edges()
    gms = G.nodes["gms"]
    assert (gms["label"], gms["kind"], gms["countries"], gms["iri"]) == ("GMS", "organisation", "SE", PM + "gms")
    roles = {d["role"] for u, v, d in G.edges(data=True) if (u, v) == ("ous", "prime-rose")}
    assert roles == {"coordinator"}
    assert G.graph["view"] == "landscape"


def test_gexf_reads_back_with_attributes(orgs, tmp_path):
    path = tmp_path / "pmkg.gexf"
    path.write_bytes(N.export_network(orgs, "gexf"))
    G = nx.read_gexf(path)
    assert G.number_of_nodes() == orgs.number_of_nodes() and G.number_of_edges() == orgs.number_of_edges()
    assert G.nodes["gms"]["label"] == "GMS" and G.nodes["gms"]["kind"] == "organisation"
    e = G.edges["lumc", "ous"]
    assert "pcm4eu" in e["shared"].split("; ") and e["weight"] == orgs.edges["lumc", "ous"]["weight"]
    assert f'lastmodifieddate="{orgs.graph["date"]}"'.encode() in path.read_bytes()


def test_node_link_json_for_d3(land):
    data = json.loads(N.export_network(land, "node-link-json"))
    assert {"nodes", "links", "graph"} <= set(data)
    gms = next(n for n in data["nodes"] if n["id"] == "gms")
    assert gms["countries"] == ["SE"]
    back = nx.node_link_graph(data, edges="links")
    assert back.number_of_edges() == land.number_of_edges()


def test_network_exports_are_byte_stable(land):
    for fmt in N.NETWORK_FORMATS:
        assert N.export_network(land, fmt) == N.export_network(land, fmt)


def test_cli_export_network_format(tmp_path, capsys):
    from kg.cli import main

    out = tmp_path / "orgs.graphml"
    assert main(["export", "--format", "graphml", "--view", "organisations", "--country", "SE", "-o", str(out)]) == 0
    G = nx.read_graphml(out)
    assert "gms" in G and "lumc" not in G
    assert main(["export", "--data", str(MINI), "--format", "gexf", "--kinds", "bogus"]) == 2
    assert "'bogus'" in capsys.readouterr().err


# --- the page, without a browser ------------------------------------------------------------------------

def test_page_is_self_contained_escaped_and_deterministic(land):
    from kg.viz import page

    html = page(land)
    assert html == page(land)
    low = html.lower()
    assert "<script src" not in low and "<link" not in low and "cdn." not in low and "bootstrap" not in low
    assert "content-security-policy" in low and "default-src 'none'" in low
    assert f"data as of {land.graph['date']}" in html and f"{land.number_of_nodes()} nodes" in html


def test_hostile_label_is_escaped_in_the_html(mini_assembly):
    from kg.memstore import MemoryStore
    from kg.viz import page

    G = N.landscape(MemoryStore.from_assembly(mini_assembly))
    hostile = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"
    G.nodes["gms"].update(label=hostile, name=hostile)
    html = page(G, title=hostile)
    assert hostile not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the heading, escaped by Jinja
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html  # the JSON data


def test_large_views_get_positions_from_python_and_no_physics():
    from kg.viz import layout, vis_data

    G = nx.barabasi_albert_graph(400, 2, seed=1)
    nx.set_node_attributes(G, "organisation", "kind")
    nodes, _, options, _ = vis_data(G)
    assert options["physics"] == {"enabled": False}
    assert all("x" in n and "y" in n for n in nodes)
    assert layout(G, seed=7) == layout(G, seed=7) != layout(G, seed=8)
    small = nx.path_graph(5)
    nodes, _, options, _ = vis_data(small)
    assert options["physics"]["enabled"] and options["layout"]["randomSeed"] == 42
    assert not any("x" in n for n in nodes)


def test_to_pyvis_hands_the_page_data_to_pyvis(land):
    from kg.viz import to_pyvis, vis_data

    net = to_pyvis(land)
    nodes, _, options, _ = vis_data(land)
    assert [n["id"] for n in net.nodes] == [n["id"] for n in nodes]
    assert net.nodes[0]["label"] == nodes[0]["text"] and net.nodes[0]["color"] == nodes[0]["color"]
    assert len(net.edges) == land.number_of_edges() and net.options == options
    html = net.generate_html()
    assert "Testbed Sweden Cancer Precision Health" in html


def test_to_pyvis_without_pyvis_says_how_to_get_it():
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import sys; sys.modules['pyvis'] = None; import networkx as nx; from kg.viz import to_pyvis\n"
            "try:\n    to_pyvis(nx.path_graph(3))\nexcept ImportError as e:\n    print(e)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "kg.viz.to_pyvis needs pyvis: pip install 'pmkg[pyvis]'"


def test_build_writes_the_network_page(tmp_path):
    from kg.build import publish
    from kg.config import Config

    written = publish(Config.resolve(DATA, ONTOLOGY, imports=False), tmp_path).files
    assert tmp_path / "network.html" in written
    assert "pmkg \u00b7 collaboration landscape" in (tmp_path / "network.html").read_text(encoding="utf-8")


def test_cli_viz_and_analyze(tmp_path, capsys):
    from kg.cli import main

    out = tmp_path / "trials.html"
    assert main(["viz", "--view", "trials", "-o", str(out)]) == 0
    assert out.is_file() and "clinical trials" in out.read_text(encoding="utf-8")
    assert main(["viz", "--data", str(MINI), "--focus", "nobody-at-all", "-o", str(tmp_path / "x.html")]) == 2
    assert not (tmp_path / "x.html").exists()
    capsys.readouterr()
    assert main(["analyze", "--top", "5", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and lines[0].startswith("rank,id")


def test_views_do_not_depend_on_the_hash_seed():
    """Regression: the trials view took its node order from a set, so the page changed between runs."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import hashlib; from kg.assemble import Config, assemble; from kg.store import OxigraphStore; "
            "from kg import network as N, viz; "
            "raw = N.fetch(OxigraphStore.from_nquads(assemble(Config.resolve()).nquads(names=True, default=True))); "
            "G = N.view(raw, 'trials'); "
            "print(hashlib.sha256(viz.page(G).encode() + N.export_network(G, 'graphml')).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1


def test_regression_a_filtered_viz_never_replaces_the_published_landscape(project, capsys):
    """`pmkg viz --country SE,NO --year 2024` (a README example) overwrote build/network.html, the whole
    landscape, with a 74-node page. A page without -o is named after its view and filters."""
    from kg.cli import main

    assert main(["build", "-q"]) == 0
    landscape = (project / "build" / "network.html").read_bytes()
    assert main(["viz", "--country", "SE,NO", "--year", "2024"]) == 0
    out = project / "build" / "views" / "network-landscape-country-NO-SE-year-2024.html"
    assert f"pmkg: wrote {out}" in capsys.readouterr().err
    assert out.is_file() and (project / "build" / "network.html").read_bytes() == landscape
    assert (project / "build" / "network.html").is_symlink()
    assert main(["viz", "--view", "trials", "--focus", "DRUP"]) == 0
    assert (project / "build" / "views" / "network-trials-focus-drup-depth-1.html").is_file()

"""The report page's content (kg/report.py) and its country geometry (kg/geo.py), checked against figures
computed here independently from the curated YAML; the page itself in Chromium is tests/test_report_browser.py."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
import yaml
from conftest import DATA, MINI, ONTOLOGY, ROOT
from rdflib import Namespace

from kg import geo
from kg import report as R
from kg.network import Filters

SCHEMA = Namespace("https://schema.org/")
PMKG = Namespace("https://w3id.org/pmkg/def#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PM = "https://w3id.org/pmkg/id/"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"


# --- the curated data, read straight from the YAML (not through the graph) -----------------------

def _v(x):
    return x["value"] if isinstance(x, dict) else x


def _load(name):
    return yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def curated():
    orgs = {o["id"]: [_v(o["country"])] if not isinstance(o["country"], list) else [_v(c) for c in o["country"]]
            for o in _load("organisations")}
    items = {r["id"]: r for r in _load("projects") + _load("trials")}
    parts = set()   # (item, org, role) of certain participations in projects and trials
    doubtful = set()   # organisations named in uncertain participations
    for r in items.values():
        for p in r.get("participants", []):
            if p["org"] in orgs and not p.get("uncertain") and not r.get("uncertain"):
                parts.add((r["id"], p["org"], p["role"]))
            elif p["org"] in orgs:
                doubtful.add(p["org"])
    for g in _load("grants"):
        for item in g["funds"]:
            item = _v(item)
            if item in items and not g.get("uncertain"):
                parts.add((item, _v(g["funder"]), "funder"))
    # an organisation known only through uncertain participations is left out, as the network views do
    linked = {o for _, o, _ in parts} | {_v(g["funder"]) for g in _load("grants")}
    for r in _load("organisations"):
        if r.get("parent"):
            linked |= {r["id"], _v(r["parent"])}
    only_doubtful = doubtful - linked
    assert only_doubtful == {"uio"}, "update this test: which organisations are known only through doubt"
    orgs = {k: v for k, v in orgs.items() if k not in only_doubtful}
    return {"orgs": orgs, "items": items, "parts": parts, "grants": _load("grants")}


@pytest.fixture(scope="module")
def rep(memory):
    return R.build_report(R.read(memory))


# --- figures -------------------------------------------------------------------------------------

def test_headline_figures_are_the_curated_counts(rep, curated):
    f = rep.figures
    assert f["organisations"] == len(curated["orgs"]) == 101
    kinds = Counter(r.get("kind", "trial") for r in curated["items"].values())
    assert f["trials"] == kinds["trial"] == 12
    assert (f["projects"], f["collaborations"], f["initiatives"]) == \
        (kinds["project"], kinds["collaboration"], kinds["initiative"])
    assert f["countries"] == len({c for cs in curated["orgs"].values() for c in cs})
    assert f["participations"] == len(curated["parts"])


def test_organisations_and_participations_per_country(rep, curated):
    orgs_per = Counter(c for cs in curated["orgs"].values() for c in cs)
    parts_per = Counter(c for _, o, _ in curated["parts"] for c in curated["orgs"][o])
    got = {c["code"]: (c["organisations"], c["participations"]) for c in rep.countries}
    for code, n in orgs_per.items():
        assert got[code] == (n, parts_per[code]), code
    assert got["SE"][0] == 50 and got["NO"][0] == 13
    se = next(c for c in rep.countries if c["code"] == "SE")
    assert len(se["org_ids"]) == 50 and "gms" in se["org_ids"]
    assert se["org_list"].count("\n") == R.TOOLTIP_NAMES and "38 more" in se["org_list"]


def test_trial_countries_are_on_the_map_too(rep, curated):
    trial_countries = {_v(c) for r in curated["items"].values() if "kind" not in r
                       for c in r.get("countries", [])}
    trials_per = {c["code"]: c["trials"] for c in rep.countries}
    for code in trial_countries:
        assert trials_per[code] >= 1, code
    assert {"EE", "IE", "LT"} <= trial_countries   # countries with a trial and no organisation


def test_cross_border_links_are_shared_projects_and_trials(rep, curated):
    countries_of_item = defaultdict(set)
    for item, org, role in curated["parts"]:
        if role != "funder":
            countries_of_item[item].update(curated["orgs"][org])
    pairs = Counter()
    for cs in countries_of_item.values():
        cs = sorted(cs)
        for i, a in enumerate(cs):
            for b in cs[i + 1:]:
                pairs[(a, b)] += 1
    got = {(ln["a"], ln["b"]): ln["weight"] for ln in rep.links}
    assert got == dict(pairs)
    assert rep.figures["country_pairs"] == len(pairs)
    assert got[("NO", "SE")] == 3
    assert "ECHoS" in next(ln for ln in rep.links if (ln["a"], ln["b"]) == ("NO", "SE"))["items"]


def test_funding_totals_keep_currencies_apart_and_count_unknown_amounts(rep, curated):
    totals, unknown = defaultdict(Decimal), 0
    for g in curated["grants"]:
        if "amount" in g:
            totals[_v(g["currency"])] += Decimal(str(_v(g["amount"])))
        else:
            unknown += 1
    got = {t["currency"]: Decimal(str(t["amount"])) for t in rep.figures["funding"]}
    assert got == dict(totals) and set(got) == {"EUR", "SEK", "NOK"}
    assert got["EUR"] == Decimal("37797861.99")
    assert rep.figures["grants"] == len(curated["grants"]) and rep.figures["grants_unknown"] == unknown
    # funders named as participants without a grant behind them are counted as unknown amounts, not dropped
    unrecorded = {(i, o) for i, o, r in curated["parts"] if r == "funder"} - \
        {(_v(i), _v(g["funder"])) for g in curated["grants"] for i in g["funds"]}
    assert rep.funding["unrecorded_count"] == len(unrecorded) > 0
    by_funder = {(r["group"], r["panel"]): r for r in rep.funding["rows"] if r["by"] == "funder"}
    assert by_funder[("European Commission", "EUR")]["total"] == pytest.approx(35097861.99)
    assert by_funder[("Norwegian regional health authorities", "NOK")]["total"] == 50000000
    assert not any(r["panel"] == "amount not known" and r["total"] == 0 for r in rep.funding["rows"])


def test_uncertain_participations_are_left_out_unless_asked(memory):
    src = R.read(memory)
    default = R.build_report(src)
    everything = R.build_report(src, Filters(include_uncertain=True))
    assert default.figures["uncertain_left_out"] == {"records": 0, "participations": 12}
    assert everything.figures["uncertain_left_out"] is None
    assert everything.figures["participations"] == default.figures["participations"] + 12
    per = {c["code"]: c["participations"] for c in default.countries}
    per_all = {c["code"]: c["participations"] for c in everything.countries}
    # e.g. NKI sponsors DRUP and Rigshospitalet ProTarget, both uncertain in the sources
    assert {k: per_all[k] - per.get(k, 0) for k in per_all if per_all[k] != per.get(k, 0)} == \
        {"SE": 3, "NO": 1, "NL": 4, "DK": 2, "IT": 1, "RO": 1}


def test_filters_are_the_network_views(memory):
    rep = R.build_report(R.read(memory), Filters(countries={"NO"}, include_uncertain=False))
    assert [c["code"] for c in rep.countries] == ["NO"]
    assert rep.figures["organisations"] == 13
    assert rep.meta["filters"]["countries"] == "NO"
    focused = R.build_report(R.read(memory), focus="PRIME-ROSE", depth=1)
    assert "prime-rose" in {r["id"] for r in focused.timeline + focused.undated}
    assert focused.figures["organisations"] < 101 and "focus" in focused.meta["filters"]


def test_a_filter_on_projects_counts_the_organisations_taking_part(memory, curated):
    rep = R.build_report(R.read(memory), Filters(programme="mission-cancer", include_uncertain=False))
    under = {"prime-rose", "echos"} | {k for k, r in curated["items"].items()
                                       if "prime-rose" in [_v(x) for x in r.get("part_of", [])]}
    members = {o for i, o, _ in curated["parts"] if i in under}
    assert {o["id"] for o in rep.entities["organisations"]} == members
    assert rep.figures["organisations"] == len(members) < 101


def test_timeline_dates_lineage_and_undated_items(rep):
    rows = {r["id"]: r for r in rep.timeline}
    assert rows["prime-rose"]["x"] == "2023-07-01" and rows["prime-rose"]["x2"] == "2028-06-30"
    assert rows["testbed"]["x"] == "2021-10-01" and rows["testbed"]["x2"] == "2026-09-30"   # month precision
    assert rows["megalit"]["open_end"] and rows["megalit"]["x2"] == rep.meta["horizon"]
    assert "inspired by DRUP" in rows["megalit"]["note"]
    undated = {r["id"]: r for r in rep.undated}
    assert "successor of MEGALiT" in undated["focuse"]["relations"] and undated["focuse"]["status"] == "planned"
    assert {"from": "FOCU.SE", "relation": "successor of", "to": "MEGALiT"}.items() <= \
        next(ln for ln in rep.lineage if ln["relation"] == "successor of").items()


def test_registry_links_come_from_the_graph_identifiers(rep, union_graph):
    orgs = {o["id"]: o for o in rep.entities["organisations"]}
    assert ["ROR", "056d84691", "https://ror.org/056d84691"] in orgs["ki"]["ids"]
    assert ["Wikidata", "Q185246", "http://www.wikidata.org/entity/Q185246"] in orgs["uu"]["ids"]
    with_ror = {str(s) for s in union_graph.subjects(PMKG.ror, None)}
    assert {o["iri"] for o in orgs.values() if any(x[0] == "ROR" for x in o["ids"])} == with_ror
    trials = {t["id"]: t for t in rep.entities["trials"]}
    assert (["ClinicalTrials.gov", "NCT04185831", "https://clinicaltrials.gov/study/NCT04185831"]
            in trials["megalit"]["ids"])
    assert not any(x[0] == "ClinicalTrials.gov" for x in trials["focuse"]["ids"])   # no NCT number: no link
    items = {i["id"]: i for i in rep.entities["items"]}
    assert ["CORDIS", "101104269", "https://cordis.europa.eu/project/id/101104269"] in items["prime-rose"]["ids"]
    assert all(0 <= k < len(rep.sources) for o in orgs.values() for k in o["sources"])
    assert all(o["sources"] for o in orgs.values())


def test_matrix_holds_every_participation_in_a_project_or_trial(rep, curated):
    cols = [i["id"] for i in rep.matrix["items"]]
    cells = {(cols[int(j)], r["id"], role)
             for r in rep.matrix["rows"] for j, roles in r["cells"].items() for role in roles}
    assert cells == curated["parts"]


def test_same_report_on_every_store(memory, oxigraph):
    a = R.build_report(R.read(memory)).data()
    b = R.build_report(R.read(oxigraph)).data()
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


# --- declared consortium sizes --------------------------------------------------------------------

def _mini(data=MINI):
    from kg.assemble import Config, assemble
    from kg.memstore import MemoryStore

    return MemoryStore.from_assembly(assemble(Config.resolve(data, ONTOLOGY, imports=False)))


def test_consortium_completeness_from_declared_sizes():
    """The fixture declares PRIME-ROSE's size twice (24 partners in 18 countries; 28 partners at
    2024-12-31, from another source): both claims are kept, completeness is against the largest."""
    rep = R.build_report(R.read(_mini()))
    (row,) = rep.completeness["rows"]
    assert row["id"] == "prime-rose" and row["declared_partners"] == "24\u201328" and row["declared_countries"] == "18"
    assert (row["known_partners"], row["known_countries"]) == (1, 1)   # OUS (NO); the Testbed is not an organisation
    assert (row["partners_pct"], row["countries_pct"]) == (4, 6)       # against the largest declared figure
    assert row["partners_dates"] == "2024-12-31" and len(row["partners_sources"]) == 2
    assert rep.figures["completeness"] == {"known": 1, "declared": 28, "items": 1, "pct": 4}
    html = R.render(rep)
    assert "no declared sizes" not in html and ">4%<" in html
    # regression: the template read completeness.items, the dict's method, and printed
    # "<built-in method items of dict object at 0x...>" (a new address each run, so two runs differed)
    assert "declare for 1 consortia are in the graph (1 of 28)" in html and "built-in method" not in html


def test_no_declared_sizes_says_so(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    p = data / "projects.yaml"
    text = re.sub(r"  declared_size:\n(    - .*\n)+", "", p.read_text(encoding="utf-8"))
    assert "declared_size" not in text
    p.write_text(text, encoding="utf-8")
    store = _mini(data)
    assert R.build_report(R.read(store)).completeness == {"rows": [], "headline": None}
    assert "no declared sizes in the data" in R.report_page(store)


# --- geometry --------------------------------------------------------------------------------------

def test_every_country_of_the_data_has_a_shape(rep, curated):
    codes = {c for cs in curated["orgs"].values() for c in cs} | \
        {_v(c) for r in curated["items"].values() for c in r.get("countries", [])}
    assert {c["code"] for c in rep.countries} == codes
    assert rep.meta["missing_shapes"] == []
    europe = {g["id"] for g in rep.geo["europe"]["objects"]["countries"]["geometries"]}
    world = {g["id"] for g in rep.geo["world"]["objects"]["countries"]["geometries"]}
    for code in codes:
        assert code in (europe if geo.in_europe(code) else world), code
    assert rep.meta["outside_europe"] == ["US"]


def test_eu_codes_kosovo_and_tiny_countries():
    m = geo.map_data(["UK", "EL", "XK", "MT", "LU", "SG", "US", "xx"])
    assert set(m["centroids"]) == {"GB", "GR", "XK", "MT", "LU", "SG", "US"}
    assert m["missing"] == ["XX"] and sorted(m["outside_europe"]) == ["SG", "US"]
    europe = {g["id"] for g in m["europe"]["objects"]["countries"]["geometries"]}
    assert {"GB", "GR", "XK", "MT", "LU", "NO", "FR", "CY"} <= europe and "US" not in europe
    assert "SG" in {g["id"] for g in m["world_extra"]["objects"]["countries"]["geometries"]}   # too small for 1:110m
    # centroids of the main polygon: mainland France and Norway, not pulled towards Guiana or Svalbard
    lon, lat = m["centroids"]["GB"]
    assert -5 < lon < 1 and 51 < lat < 56
    fr, no = geo.shapes("50m")["FR"]["centroid"], geo.shapes("50m")["NO"]["centroid"]
    assert 0 < fr[0] < 5 and 45 < fr[1] < 48 and 8 < no[0] < 20 and 60 < no[1] < 68


def test_subset_keeps_only_used_arcs_and_valid_indices():
    topo = geo.subset(geo.topology("50m"), ["SE", "NO", "FI"])
    n = len(topo["arcs"])
    used = set()
    for g in topo["objects"]["countries"]["geometries"]:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        for poly in polys:
            for ring in poly:
                for i in ring:
                    used.add(i if i >= 0 else ~i)
    assert used == set(range(n))
    # the shared Sweden-Norway border is one arc used by both, in opposite directions
    def arcs_of(code):
        g = next(g for g in topo["objects"]["countries"]["geometries"] if g["id"] == code)
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        return {i if i >= 0 else ~i for p in polys for r in p for i in r}
    assert arcs_of("SE") & arcs_of("NO")


# --- the page and the command ---------------------------------------------------------------------

def test_page_is_self_contained_and_escapes_data(mini_dataset):
    html = R.report_page(mini_dataset)
    assert "default-src 'none'" in html and "unsafe-eval" not in html
    markup = re.sub(r"(<script[^>]*>).*?(</script>)", r"\1\2", html, flags=re.DOTALL)   # the page without its scripts
    assert markup.count("<script") == 6   # Vega, Vega-Lite, Vega-Embed, the data, the specs and the page's own
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", markup)
    assert "sourceMappingURL" not in html
    data = json.loads(re.search(r'<script type="application/json" id="pmkg-report">(.*?)</script>', html,
                                re.DOTALL).group(1))
    assert data["figures"]["organisations"] == 3


def test_hostile_name_stays_data_in_the_html(data_copy):
    from kg.build import build

    orgs = data_copy / "organisations.yaml"
    text = orgs.read_text(encoding="utf-8")
    orgs.write_text(text.replace("  name: Genomic Medicine Sweden\n",
                                 '  name: "</script><img src=x onerror=alert(1)>"\n', 1),
                    encoding="utf-8")
    html = R.report_page(build(data_copy, ONTOLOGY))
    assert "<img src=x" not in html and "</script><img" not in html
    assert "\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e" in html


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          check=False)


def test_cli_report_writes_the_page(tmp_path):
    out = tmp_path / "r.html"
    res = run_cli("report", "--data", str(DATA), "-o", str(out), "--country", "SE,NO")
    assert res.returncode == 0, res.stderr
    assert f"pmkg: wrote {out}" in res.stderr and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "countries: NO, SE" in out.read_text(encoding="utf-8")


def test_cli_report_charts_as_svg_and_png(tmp_path):
    pytest.importorskip("vl_convert", reason="vl-convert-python (the images extra) is not installed")
    svg, png = tmp_path / "map.svg", tmp_path / "t.png"
    res = run_cli("report", "--data", str(DATA), "--format", "svg", "--chart", "map", "-o", str(svg))
    assert res.returncode == 0, res.stderr
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg") and "Sweden" not in res.stderr
    res = run_cli("report", "--data", str(DATA), "--format", "png", "--chart", "timeline", "-o", str(png))
    assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, message", [
    (("--format", "png"), "add --chart"),
    (("--chart", "map"), "--chart goes with --format svg or png"),
    (("--focus", "nosuch"), "--focus='nosuch': no entity has that name"),
    (("--kinds", "planet"), "unknown kind 'planet'"),
])
def test_cli_report_bad_options_are_one_line_errors(tmp_path, args, message):
    out = tmp_path / "r.html"
    res = run_cli("report", "--data", str(DATA), "-o", str(out), *args)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not out.exists()


def test_build_writes_the_report(tmp_path):
    from kg.build import publish
    from kg.config import Config

    written = publish(Config.resolve(DATA, ONTOLOGY, imports=False), tmp_path).files
    assert tmp_path / "report.html" in written
    assert 'id="pmkg-report"' in (tmp_path / "report.html").read_text(encoding="utf-8")

"""The consortia as curated: who is in each of the five projects, in which role and from which source;
the consortium sizes their sources declare; and the coverage the queries and `pmkg stats` report.

The expected lists are written here, from the sources named in data/sources.yaml, so that a change in
the data that drops or demotes a member fails a test."""
from __future__ import annotations

import json
import re

import pytest
from conftest import DATA, ONTOLOGY, ROOT
from rdflib import Literal, URIRef

from kg import query as Q
from kg.cli import main
from kg.namespaces import DCTERMS, ORG, PMKG, RDF, RDFS, SCHEMA
from kg.network import as_store

PM = "https://w3id.org/pmkg/id/"
SRC = "https://w3id.org/pmkg/source/"

# member -> (role, source of the participation): every member its sources confirm
CONFIRMED = {
    "prime-rose": {
        "ous": ("coordinator", "helse-sorost-prime-rose"),
        "sir": ("partner", "vital-health-prime-rose"),
        "inomed": ("associated-partner", "rethink-prime-rose"),
        "cruk-cdd": ("associated-partner", "crh-prime-rose"),
        "uman": ("associated-partner", "crh-prime-rose"),
        "hus": ("participant", "hus-finprove-consortia"),
        "testbed": ("participant", "testbed-prime-rose"),
    },
    "pcm4eu": {
        "lumc": ("coordinator", "ec-health-pcm4eu"),
        "ous": ("partner", "matrix-pcm4eu"),
        "nio-pib": ("partner", "nio-pcm4eu"),
        "clb": ("partner", "nio-pcm4eu"),
        "rigshospitalet": ("partner", "matrix-pcm4eu"),
        "vision-zero-cancer": ("partner", "matrix-pcm4eu"),
        "hus": ("participant", "hus-finprove-consortia"),
        "testbed": ("participant", "gms-clinical-studies"),
    },
    "echos": {
        "aicib": ("coordinator", "occ-2023-europe-united"),
        "sciensano": ("partner", "ecancer-echos"),
        "occ": ("partner", "occ-echos"),
        "rcn": ("partner", "occ-echos"),
        "ncs": ("partner", "occ-echos"),
        "ous": ("partner", "occ-echos"),
        "sintef": ("partner", "occ-echos"),
        "ki": ("beneficiary", "ki-news-eu-mission-projects"),
        "eco": ("associated-partner", "eco-research-networking"),
        "nio-pib": ("partner", "nio-echos"),
        "noi-sk": ("partner", "noisk-echos"),
        "nvr-sk": ("partner", "nvr-echos"),
        "hse-nccp": ("partner", "ucd-echos"),
        "aicri": ("partner", "irishhealthpro-echos"),
        "acc": ("affiliated-entity", "acc-echos"),
        "lih": ("partner", "lih-echos"),
        "inc-lu": ("partner", "lih-echos"),
        "testbed": ("participant", "gms-clinical-studies"),
    },
    "ja-pcm": {
        "sciensano": ("coordinator", "japcm-launch"),
        "ous": ("partner", "ous-research-ja-pcm"),
        "helsedirektoratet": ("partner", "ous-research-ja-pcm"),
        "haukeland": ("partner", "ous-research-ja-pcm"),
        "stavanger-uh": ("partner", "ous-research-ja-pcm"),
        "ahus": ("collaborator", "ous-research-ja-pcm"),
        "st-olavs": ("collaborator", "ous-research-ja-pcm"),
        "unn": ("collaborator", "ous-research-ja-pcm"),
        "ukw": ("partner", "wuerzburg-ja-pcm"),
        "lih": ("participant", "lih-ja-pcm"),
        "ucsc": ("participant", "unicatt-ja-pcm"),
    },
    "testbed": {
        "sir": ("coordinator", "ihe-sir-testbed"),
        "gms": ("partner", "gms-clinical-studies"),
        "vision-zero-cancer": ("member", "gms-clinical-studies"),
        "scilifelab": ("member", "gms-clinical-studies"),
        "rcc": ("partner", "ihe-testbed-partners"),
        "mpa": ("partner", "ihe-testbed-partners"),
        "tlv": ("partner", "ihe-testbed-partners"),
        "akademiska": ("partner", "ihe-testbed-partners"),
        "sse": ("partner", "ihe-testbed-partners"),
        "halmstad-university": ("partner", "ihe-testbed-partners"),
        "ihe": ("partner", "ihe-testbed-partners"),
        "network-against-cancer": ("partner", "ihe-testbed-partners"),
        "lungcancerforeningen": ("partner", "ihe-testbed-partners"),
        "lif": ("partner", "ihe-testbed-partners"),
        "swedish-medtech": ("partner", "ihe-testbed-partners"),
    },
}
# member -> role of the candidates no source confirms: in the graph, marked, with a note
UNCERTAIN = {
    "prime-rose": {"lumc": "participant", "nki": "participant", "rigshospitalet": "participant"},
    "pcm4eu": {"uio": "collaborator", "region-skane": "partner", "nki": "participant"},
    "echos": {"ucsc": "beneficiary", "vision-zero-cancer": "collaborator", "inomed": "participant"},
    "ja-pcm": {},
    "testbed": {},
}
# (partners, countries, source, date) of each consortium size a source declares
DECLARED = {
    "prime-rose": {(24, None, "matrix-prime-rose-6m", None), (24, None, "crh-prime-rose", "2023-06-26"),
                   (24, 18, "matrix-prime-rose-home", None), (24, None, "tasken-2024-pcm4eu-prime-rose", "2024"),
                   (28, 19, "cordis-101104269", "2024-12-31")},
    "pcm4eu": {(17, 15, "connect-pcm4eu", None), (17, 15, "matrix-pcm4eu-project", None),
               (17, None, "tasken-2024-pcm4eu-prime-rose", "2024"), (18, None, "nio-pcm4eu", None)},
    "echos": {(58, 28, "occ-echos", None), (57, 28, "occ-2023-europe-united", "2023-05-08"),
              (57, 26, "ecancer-echos", None), (54, 28, "nvr-echos", None)},
    "ja-pcm": {(151, 29, "japcm-project", None), (146, 29, "helsedir-ja-2025", None)},
    "testbed": set(),
}
# organisations added for these consortia: name and country, and no identifier (no source gives one)
NEW_ORGANISATIONS = {
    "eco": ("European Cancer Organisation", "BE"), "noi-sk": ("National Oncology Institute", "SK"),
    "nvr-sk": ("Cancer Research Foundation", "SK"), "hse-nccp": ("HSE National Cancer Control Programme", "IE"),
    "aicri": ("All-Island Cancer Research Institute", "IE"), "acc": ("Alleanza Contro il Cancro", "IT"),
    "ucsc": ("Università Cattolica del Sacro Cuore", "IT"), "lih": ("Luxembourg Institute of Health", "LU"),
    "inc-lu": ("Institut National du Cancer", "LU"), "ukw": ("University Hospital of Würzburg", "DE"),
    "helsedirektoratet": ("Norwegian Directorate of Health", "NO"),
    "haukeland": ("Haukeland University Hospital", "NO"), "stavanger-uh": ("Stavanger University Hospital", "NO"),
    "ahus": ("Akershus University Hospital", "NO"), "st-olavs": ("St. Olavs Hospital", "NO"),
    "unn": ("University Hospital of North Norway", "NO"),
}


def local(term) -> str:
    return str(term).rsplit("/", 1)[-1]


def participations(g, project: str) -> dict[str, list[tuple[str, str, bool, URIRef]]]:
    """member -> [(role, source, uncertain, membership node)] of ``project``."""
    out: dict[str, list] = {}
    for m in g.subjects(ORG.organization, URIRef(PM + project)):
        if (m, RDF.type, ORG.Membership) not in g:
            continue
        out.setdefault(local(g.value(m, ORG.member)), []).append(
            (local(g.value(m, ORG.role)), local(g.value(m, DCTERMS.source)),
             (m, PMKG.uncertain, Literal(True)) in g, m))
    return out


@pytest.mark.parametrize("project", sorted(CONFIRMED))
def test_each_confirmed_member_is_in_its_consortium_in_the_role_and_from_the_source_it_states(union_graph, project):
    got = participations(union_graph, project)
    for member, (role, source) in CONFIRMED[project].items():
        assert (role, source, False) in [p[:3] for p in got.get(member, [])], (project, member, got.get(member))
        # and the direct edge a confirmed participation materialises
        shortcut = {"coordinator": PMKG.coordinator, "partner": PMKG.partner, "beneficiary": PMKG.beneficiary,
                    "associated-partner": PMKG.associatedPartner, "affiliated-entity": PMKG.affiliatedEntity,
                    "participant": PMKG.participant, "member": ORG.hasMember,
                    "collaborator": PMKG.collaborator}[role]
        assert (URIRef(PM + project), shortcut, URIRef(PM + member)) in union_graph


@pytest.mark.parametrize("project", sorted(CONFIRMED))
def test_no_other_member_is_confirmed_and_the_candidates_are_marked_uncertain_with_a_note(union_graph, project):
    got = participations(union_graph, project)
    confirmed = {m for m, ps in got.items() for role, _, doubtful, _ in ps if not doubtful and role != "funder"}
    if project == "testbed":
        confirmed -= {"ascro"}   # a partner named by the IHE list only (the other list is cut off at "A...")
    assert confirmed == set(CONFIRMED[project])
    doubtful = {m: role for m, ps in got.items() for role, _, d, _ in ps if d}
    assert doubtful == UNCERTAIN[project]
    for member in doubtful:
        node = next(p[3] for p in got[member] if p[2])
        assert union_graph.value(node, RDFS.comment), (project, member)
        # no direct edge: an unconfirmed participation stays qualified only
        assert not any(o == URIRef(PM + member) for o in union_graph.objects(URIRef(PM + project), None))


@pytest.mark.parametrize("project", sorted(DECLARED))
def test_declared_sizes_each_with_its_source_and_date(union_graph, project):
    g, about = union_graph, URIRef(PM + project)
    claims = set()
    for obs in g.subjects(SCHEMA.observationAbout, about):
        if g.value(obs, SCHEMA.measuredProperty) != PMKG.partnerCount:
            continue
        source, date = g.value(obs, DCTERMS.source), g.value(obs, SCHEMA.observationDate)
        countries = [int(g.value(o, SCHEMA.value)) for o in g.subjects(SCHEMA.observationAbout, about)
                     if g.value(o, SCHEMA.measuredProperty) == PMKG.countryCount
                     and g.value(o, DCTERMS.source) == source and g.value(o, SCHEMA.observationDate) == date]
        assert len(countries) <= 1
        claims.add((int(g.value(obs, SCHEMA.value)), countries[0] if countries else None, local(source),
                    None if date is None else str(date)))
        assert (source, RDF.type, PMKG.Source) in g and g.value(source, SCHEMA.url)
    assert claims == DECLARED[project]


def test_declared_sizes_sit_in_the_named_graph_of_their_source(dataset):
    obs = URIRef(PM + "prime-rose.size.cordis-101104269.2024-12-31.partners")
    graphs = {str(ctx) for *_, ctx in dataset.quads((obs, SCHEMA.value, None, None))}
    assert graphs == {"https://w3id.org/pmkg/graph/cordis-101104269"}


def test_new_organisations_have_a_name_a_country_a_source_and_no_identifier(union_graph):
    g = union_graph
    for rid, (name, country) in NEW_ORGANISATIONS.items():
        org = URIRef(PM + rid)
        assert name in str(g.value(org, SCHEMA.name)), rid
        assert str(g.value(org, SCHEMA.addressCountry)) == country, rid
        assert g.value(org, DCTERMS.source) is not None, rid
        assert [o for p in (PMKG.ror, PMKG.wikidata, SCHEMA.sameAs) for o in g.objects(org, p)] == [], rid


def test_registry_identifiers_come_from_their_registry_record(dataset):
    """ROR and Wikidata identifiers sit only in the named graph of the registry record that states them."""
    for prop, host in ((PMKG.ror, "https://ror.org/"), (PMKG.wikidata, "https://www.wikidata.org/wiki/")):
        found = 0
        for s, _, o, ctx in dataset.quads((None, prop, None, None)):
            src = URIRef(SRC + local(ctx))
            url = str(dataset.value(src, SCHEMA.url))
            assert url.startswith(host) and url.rsplit("/", 1)[-1] == str(o).rsplit("/", 1)[-1], (s, o, url)
            found += 1
        assert found


# --- the named queries -------------------------------------------------------------------------------

def rows(name, store, **params):
    res = Q.run(name, params, store)
    return res.strings()


@pytest.mark.parametrize("project,expected", [
    ("PRIME-ROSE", "7 of 24-28 declared partners known; 3 uncertain not listed"),
    ("PCM4EU", "8 of 17-18 declared partners known; 3 uncertain not listed"),
    ("ECHoS", "18 of 54-58 declared partners known; 3 uncertain not listed"),
    ("JA PCM", "11 of 146-151 declared partners known"),
    ("Testbed", "16 known; no declared size"),
    ("DRUP", "1 known; no declared size; 1 uncertain not listed"),
])
def test_consortium_says_how_many_of_the_declared_partners_are_known(memory, project, expected):
    got = rows("consortium", memory, project=project)
    assert {r["coverage"] for r in got} == {expected}
    assert len({r["member"] for r in got}) == int(expected.split()[0])
    assert not any(r["unconfirmed"] for r in got)


def test_consortium_lists_and_counts_the_uncertain_ones_when_asked(memory):
    got = rows("consortium", memory, project="PRIME-ROSE", uncertain="true")
    assert {r["coverage"] for r in got} == {"10 of 24-28 declared partners known, 3 of them uncertain"}
    flagged = {local(r["member"]) for r in got if r["unconfirmed"] == "true"}
    assert flagged == set(UNCERTAIN["prime-rose"])
    assert {local(r["member"]) for r in got} == set(CONFIRMED["prime-rose"]) | flagged
    with pytest.raises(Q.ParameterError, match="not true or false"):
        rows("consortium", memory, uncertain="maybe")


COVERAGE_ROWS = {
    # project: (members, countries, members with uncertain, countries with uncertain)
    "prime-rose": (7, 5, 10, 7), "pcm4eu": (8, 7, 11, 7), "echos": (18, 9, 21, 10), "ja-pcm": (11, 5, 11, 5),
    "testbed": (16, 1, 16, 1),
}


@pytest.mark.parametrize("uncertain", [False, True])
def test_coverage_sets_known_members_and_countries_against_every_declared_size(memory, uncertain):
    got = rows("coverage", memory, uncertain=str(uncertain).lower())
    by_project: dict[str, list] = {}
    for r in got:
        by_project.setdefault(local(r["project"]), []).append(r)
    for project, (members, countries, all_members, all_countries) in COVERAGE_ROWS.items():
        want_m, want_c = (all_members, all_countries) if uncertain else (members, countries)
        mine = by_project[project]
        assert {(r["members"], r["countries"]) for r in mine} == {(str(want_m), str(want_c))}, project
        claims = {(int(r["declaredPartners"]), r["declaredCountries"] and int(r["declaredCountries"]),
                   local(r["source"]), r["date"]) for r in mine if r["declaredPartners"]}
        assert claims == DECLARED[project], project
        for r in mine:
            if r["declaredPartners"]:
                assert r["coverage"] == f"{round(100 * want_m / int(r['declaredPartners']) + 1e-9)}%"
            else:
                assert len(mine) == 1 and r["coverage"] is None   # no declared size: one row, no coverage
    prime = {(r["declaredPartners"], r["date"]): r["coverage"] for r in by_project["prime-rose"]}
    assert prime[("28", "2024-12-31")] == ("36%" if uncertain else "25%")
    assert prime[("24", "2023-06-26")] == ("42%" if uncertain else "29%")
    # every project and collaboration, trials not
    assert set(by_project) == {local(p) for p in memory.dataset().subjects(RDF.type, SCHEMA.Project)}


# --- pmkg stats --------------------------------------------------------------------------------------

def test_stats_has_a_coverage_section_in_json(capsys):
    assert main(["stats", "--data", str(DATA), "--ontology", str(ONTOLOGY), "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    cov = {local(c["project"]): c for c in st["coverage"]}
    for project, (members, countries, all_members, _) in COVERAGE_ROWS.items():
        c = cov[project]
        assert (c["members"], c["countries"], c["uncertain_members"]) == (members, countries, all_members - members)
        assert {(d["partners"], d["countries"], d["source"], d["date"]) for d in c["declared"]} == DECLARED[project]
    assert st["uncertain_participations"] == 12 and st["uncertain_counted"] is False
    # uncertain participations stay out of the role counts
    assert st["participations_by_role"]["beneficiary"] == 1 and st["participations_by_role"]["affiliated-entity"] == 1


def test_stats_uncertain_counts_them_too(capsys):
    assert main(["stats", "--data", str(DATA), "--ontology", str(ONTOLOGY), "--json", "--uncertain"]) == 0
    st = json.loads(capsys.readouterr().out)
    cov = {local(c["project"]): c for c in st["coverage"]}
    for project, (_, _, all_members, all_countries) in COVERAGE_ROWS.items():
        assert (cov[project]["members"], cov[project]["countries"]) == (all_members, all_countries)
    assert st["uncertain_counted"] is True
    assert st["participations_by_role"]["beneficiary"] == 2      # UCSC in ECHoS, implied only


def test_stats_table_shows_coverage(capsys):
    assert main(["stats", "--data", str(DATA), "--ontology", str(ONTOLOGY)]) == 0
    out = capsys.readouterr().out
    section = out.split("Coverage:", 1)[1].splitlines()
    line = next(x for x in section if x.split()[:1] == ["PRIME-ROSE"])
    assert line.split() == ["PRIME-ROSE", "7", "24-28", "25-29%", "5", "18-19", "5", "3"]
    assert next(x for x in section if x.startswith("  JA PCM")).split()[2:5] == ["11", "146-151", "7-8%"]
    assert "4 of 18 projects and collaborations have a declared size" in out
    assert "Participations by role (confirmed; 12 uncertain left out):" in out


def test_stats_and_the_coverage_query_agree_on_every_project(oxigraph, memory):
    from kg.stats import coverage

    for uncertain in (False, True):
        from_stats = {c.project: (c.members, c.countries) for c in coverage(oxigraph, uncertain)}
        from_query = {r["project"]: (int(r["members"]), int(r["countries"]))
                      for r in rows("coverage", memory, uncertain=str(uncertain).lower())}
        assert from_stats == from_query


def test_the_readme_shows_the_real_coverage():
    from kg.build import build
    from kg.stats import format_coverage, stats

    cov = stats(as_store(build(DATA, ONTOLOGY))).coverage
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n".join(format_coverage(cov)) in readme, "README.md: paste the output of `pmkg stats`"
    # and the numbers its prose repeats
    by_name = {c.name: c for c in cov}
    text = " ".join(readme.split())
    for name in ("PRIME-ROSE", "ECHoS"):
        c = by_name[name]
        assert f"{c.members} of {name}'s {c.declared_partners()} declared partners" in text, name
    assert f"The **Testbed** ({by_name['Testbed Sweden Cancer Precision Health'].members} members)" in text


# --- countries stay right on the larger data ------------------------------------------------------------

@pytest.mark.parametrize("uncertain", [False, True])
def test_country_participation_matches_the_data(memory, oxigraph, union_graph, uncertain):
    g = union_graph
    expected: dict[str, list[set]] = {}
    orgs = {o for o in g.subjects(RDF.type, SCHEMA.Organization)}
    for org in orgs:
        for c in g.objects(org, SCHEMA.addressCountry):
            e = expected.setdefault(str(c), [set(), set(), set()])
            e[0].add(org)
            for m in g.subjects(ORG.member, org):
                if not uncertain and (m, PMKG.uncertain, Literal(True)) in g:
                    continue
                e[1].add(m)
                thing = g.value(m, ORG.organization)
                if (thing, RDF.type, SCHEMA.Project) in g or (thing, RDF.type, SCHEMA.MedicalTrial) in g:
                    e[2].add(thing)
    for store in (memory, oxigraph):
        got = {r["country"]: (int(r["organisations"]), int(r["participations"]), int(r["projectsAndTrials"]))
               for r in rows("country-participation", store, uncertain=str(uncertain).lower())}
        assert got == {c: tuple(len(s) for s in e) for c, e in expected.items()}
        assert len(got) == 18 and got["NO"][0] == 14 and got["SE"][0] == 50


def test_uncertain_participations_stay_out_of_country_counts_unless_asked(memory):
    def nl(**params):
        return next(r for r in rows("country-participation", memory, **params) if r["country"] == "NL")

    # NKI (PRIME-ROSE, PCM4EU, DRUP's sponsor) and LUMC (PRIME-ROSE) only as candidates: 4 of NL's 9
    # participations, and PRIME-ROSE one of its 3 projects and trials
    assert (int(nl()["participations"]), int(nl(uncertain="true")["participations"])) == (5, 9)
    assert (int(nl()["projectsAndTrials"]), int(nl(uncertain="true")["projectsAndTrials"])) == (2, 3)


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_uncertain_members_stay_out_of_sectors_and_portfolios_unless_asked(store, request):
    s = request.getfixturevalue(store)
    sectors = {r["sector"]: int(r["members"]) for r in rows("sectors", s, collaboration="PRIME-ROSE")}
    everything = {r["sector"]: int(r["members"])
                  for r in rows("sectors", s, collaboration="PRIME-ROSE", uncertain="true")}
    # LUMC, NKI and Rigshospitalet are PRIME-ROSE candidates only: hospitals and academia
    assert sectors["healthcare"] == 2 and everything["healthcare"] == 5
    assert sectors["non-profit"] == everything["non-profit"] == 2
    sure = {r["name"] for r in rows("organisation-portfolio", s, organisation="LUMC")}
    all_routes = {(r["name"], r["unconfirmed"]) for r in
                  rows("organisation-portfolio", s, organisation="LUMC", uncertain="true")}
    assert sure == {"PCM4EU"}
    assert ("PCM4EU", "false") in all_routes and ("PRIME-ROSE", "true") in all_routes


# --- the network views know every role --------------------------------------------------------------

def test_every_role_concept_is_drawn_and_labelled():
    """network.py drops participations whose role it does not know: every role of the vocabulary
    must be known there, and have a colour on the page."""
    from kg import network, viz
    from kg.vocab import vocabulary

    roles = vocabulary(ONTOLOGY).ids("role")
    assert roles >= {"beneficiary", "affiliated-entity", "participant"}
    assert roles <= set(network.PARTICIPATION_ROLES)
    assert roles <= set(viz.ROLE_COLOUR)


def test_network_keeps_the_new_roles(network_raw):
    from kg import network

    G = network.landscape(network_raw)
    roles = {k for _, _, k in G.edges(keys=True)}
    assert {"beneficiary", "affiliated-entity", "participant"} <= roles


# --- data/ cites only its own sources ------------------------------------------------------------------

def test_data_files_cite_nothing_outside_the_repository():
    for path in sorted(DATA.iterdir()):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"(?<![\w.:/])/(work|home|tmp|mnt|srv|Users)/", r"(?i)fact ?sheet", r"facts\.(md|ya?ml)",
                        r"consortia\.yaml", r"\.\./shared"):
            hit = re.search(pattern, text)
            assert hit is None, f"{path.name}: {hit.group(0)!r}"

"""Reconciling imported records with curated ones by name: the rules a curator would accept, each
listed with the rule that matched; ambiguous names reported, never guessed (kg.names, reconcile)."""
from __future__ import annotations

import pytest

from kg.importers.reconcile import Ambiguous, CuratedIndex, Imported, Match, keys_of, reconcile
from kg.iris import Minter
from kg.names import name_forms, spelling_key, strip_legal_form
from kg.records import Data, Participation, Record, Value

MINT = Minter()


def org(rid: str, name: str, country: str | None = None, kind: str = "university", acronym: str | None = None,
        alt: list[str] | None = None, city: str | None = None, source: str = "s") -> Record:
    vals: dict[str, list] = {"name": [name], "kind": [kind]}
    if country:
        vals["country"] = [country]
    if acronym:
        vals["acronym"] = [acronym]
    if alt:
        vals["alt_names"] = alt
    if city:
        vals["city"] = [city]
    return Record("organisation", rid, [source], {k: [Value(v, source) for v in vs] for k, vs in vals.items()})


CURATED = Data({}, {r.id: r for r in [
    org("nki", "Netherlands Cancer Institute", "NL", "research-institute", "NKI",
        ["Antoni van Leeuwenhoek", "NKI-AVL"]),
    org("avl", "Antoni van Leeuwenhoek hospital", "NL", "hospital"),
    org("roche", "Roche", "CH", "company"),
    org("astrazeneca", "AstraZeneca", "GB", "company"),
    org("formas", "Formas", "SE", "funding-agency"),
    org("gu", "University of Gothenburg", "SE", alt=["Göteborgs universitet"], city="Gothenburg"),
    org("uit", "UiT The Arctic University of Norway", "NO", city="Tromsø"),
    org("uman", "University of Manchester", "GB"),
    # two curated organisations that share an alternative name: an import by that name is ambiguous
    org("kuh", "Karolinska University Hospital", "SE", "university-hospital", alt=["Karolinska"]),
    org("ki", "Karolinska Institutet", "SE", acronym="KI", alt=["Karolinska"]),
]})


def find(name: str, country: str | None = None, kind: str = "unclassified", acronym: str | None = None,
         alt: list[str] | None = None):
    index = CuratedIndex.from_records(CURATED, MINT)
    return index.find(keys_of(org("x", name, country, kind, acronym, alt)))


def target(m) -> str | None:
    assert m is None or isinstance(m, Match), m
    return MINT.record_id(m.iri) if m else None


def test_the_netherlands_cancer_institute_is_nki_by_its_leading_article():
    m = find("The Netherlands Cancer Institute")
    assert target(m) == "nki" and m.rule == "leading article" and m.curated == "Netherlands Cancer Institute"


def test_nki_avl_site_name_with_dash_and_parenthesised_acronym_is_nki():
    m = find("Netherlands Cancer Institute - Antoni van Leeuwenhoek Ziekenhuis (NKI-AVL)", "NL")
    assert target(m) == "nki"
    assert "part of a name" in m.rule


def test_legal_suffix_is_not_part_of_the_name():
    assert target(find("AstraZeneca AB")) == "astrazeneca"
    assert find("AstraZeneca AB").rule == "legal form"
    for name in ("Roche AG", "Roche Ltd.", "Roche, Inc.", "ROCHE S.A.", "Roche GmbH", "Roche SpA", "Roche B.V."):
        assert target(find(name, kind="company")) == "roche", name
    assert strip_legal_form(spelling_key("H. Lundbeck A/S")) == "h lundbeck"
    assert strip_legal_form(spelling_key("AB")) == "ab"      # a name that is only a legal form stays


def test_hoffmann_la_roche_is_curated_roche_but_roche_diagnostics_is_not():
    m = find("Hoffmann-La Roche", kind="company")
    assert target(m) == "roche" and m.rule == "company name at the end of a longer company name"
    assert find("Hoffmann-La Roche") is None             # a registry that does not say company: no such rule
    assert find("Roche Diagnostics", kind="company") is None   # a subsidiary is another organisation


def test_ror_acronym_formas_is_the_curated_formas_in_the_same_country_only():
    m = find("Swedish Research Council for Environment Agricultural Sciences and Spatial Planning", "SE",
             "funding-agency", "FORMAS", ["Swedish Research Council Formas"])
    assert target(m) == "formas" and m.rule == "acronym of one = name of the other, in the same country"
    assert find("Something Else", "NO", acronym="FORMAS") is None
    assert find("Something Else", None, acronym="FORMAS") is None     # no country: an acronym is too short


def test_diacritics_and_transliteration_match_but_translations_do_not():
    assert target(find("Goteborgs Universitet")) == "gu"             # the curated alt_name, without accents
    assert find("Goteborgs Universitet").rule.startswith("same name but for spelling")
    assert target(find("UIT THE ARCTIC UNIVERSITY OF NORWAY")) == "uit"
    assert spelling_key("Tromsø") == spelling_key("TROMSO") == "tromso"
    assert find("Gothenburg University") is None                     # no curated name says so: not invented


def test_an_ambiguous_name_is_reported_never_guessed():
    m = find("Karolinska", "SE")
    assert isinstance(m, Ambiguous)
    assert [MINT.record_id(i) for i in m.candidates] == ["ki", "kuh"]
    imp = Imported("x", "import-x", [org("ctgov-org-karolinska", "Karolinska", "SE", source="import-x")])
    data, (out,) = reconcile(CURATED, [imp], MINT)
    assert "ctgov-org-karolinska" in data.records and not out.aliases
    assert [a.text() for a in out.ambiguous] == [
        "'Karolinska' (imported ctgov-org-karolinska) fits pm:ki 'Karolinska Institutet' or "
        "pm:kuh 'Karolinska University Hospital' (same name): not merged, kept apart"]


def test_a_country_that_differs_stops_a_name_match():
    assert find("The Netherlands Cancer Institute", "BE") is None
    assert target(find("The Netherlands Cancer Institute", "NL")) == "nki"


def test_every_merge_by_name_is_listed_with_its_rule():
    imp = Imported("x", "import-x", [
        org("ctgov-org-the-netherlands-cancer-institute", "The Netherlands Cancer Institute", source="import-x"),
        org("ctgov-org-hoffmann-la-roche", "Hoffmann-La Roche", kind="company", source="import-x"),
        org("ctgov-org-astrazeneca", "AstraZeneca", kind="company", source="import-x"),
    ])
    _, (out,) = reconcile(CURATED, [imp], MINT)
    assert out.aliases == {"ctgov-org-the-netherlands-cancer-institute": "nki",
                           "ctgov-org-hoffmann-la-roche": "roche", "ctgov-org-astrazeneca": "astrazeneca"}
    assert sorted(m.text() for m in out.by_name) == [
        "'AstraZeneca' (imported ctgov-org-astrazeneca) = pm:astrazeneca 'AstraZeneca' (same name)",
        "'Hoffmann-La Roche' (imported ctgov-org-hoffmann-la-roche) = pm:roche 'Roche' "
        "(company name at the end of a longer company name)",
        "'The Netherlands Cancer Institute' (imported ctgov-org-the-netherlands-cancer-institute) = "
        "pm:nki 'Netherlands Cancer Institute' (leading article)"]


@pytest.mark.parametrize("incoming", ["TROMSO", "Tromso", " tromsø ", "Tromsø."])
def test_spelling_only_difference_is_not_a_conflict(incoming):
    """Regression: case, diacritics, punctuation and white space were reported as conflicts."""
    imp = Imported("x", "import-x", [org("ror-uit", "UiT The Arctic University of Norway", "NO", city=incoming,
                                         source="import-x")])
    data, (out,) = reconcile(CURATED, [imp], MINT)
    assert out.aliases == {"ror-uit": "uit"} and out.conflicts == []
    assert data.records["uit"].all("city") == ["Tromsø"]


def test_a_translation_is_still_a_conflict():
    imp = Imported("x", "import-x", [org("ror-gu", "University of Gothenburg", "SE", city="Göteborg",
                                         source="import-x")])
    _, (out,) = reconcile(CURATED, [imp], MINT)
    assert [c.text() for c in out.conflicts] == [
        "pm:gu city: curated 'Gothenburg' kept, imported 'Göteborg' left out"]


def test_a_name_merge_adds_the_registry_spelling_as_an_alternative_name_once():
    imp = Imported("x", "import-x", [org("ctgov-org-the-nki", "The Netherlands Cancer Institute", source="import-x")],
                   [("ctgov-x", Participation("ctgov-org-the-nki", "sponsor"))])
    data, _ = reconcile(CURATED, [imp], MINT)
    assert data.records["nki"].all("alt_names") == ["Antoni van Leeuwenhoek", "NKI-AVL",
                                                    "The Netherlands Cancer Institute"]


def test_name_forms_say_which_rule_made_them():
    forms = name_forms("The Netherlands Cancer Institute B.V.")
    assert forms["the netherlands cancer institute b v"] == ()
    assert forms["netherlands cancer institute"] == ("leading article", "legal form")


def test_unclassified_kind_is_not_a_conflict():
    """Regression: every import reported "curated 'university-hospital' kept, imported 'unclassified'
    left out" for an organisation whose registry gives no kind."""
    imp = Imported("x", "import-x", [org("cordis-org-1", "University of Manchester", "GB", "unclassified",
                                         source="import-x")])
    data, (out,) = reconcile(CURATED, [imp], MINT)
    assert out.aliases == {"cordis-org-1": "uman"} and out.conflicts == []
    assert data.records["uman"].all("kind") == ["university"]
    # and a later import that knows the kind of an organisation an earlier one did not: it is added
    first = Imported("a", "import-a", [org("ctgov-org-acme", "Acme Pharma", None, "unclassified", source="import-a")])
    second = Imported("b", "import-b", [org("ctgov-org-acme", "Acme Pharma", None, "company", source="import-b")])
    data, outs = reconcile(CURATED, [first, second], MINT)
    assert data.records["ctgov-org-acme"].all("kind") == ["company"] and not outs[1].conflicts


def test_a_merge_by_acronym_lists_the_acronym_as_the_registry_gives_it():
    imp = Imported("x", "import-x", [org("ror-03pjs1y45", "Swedish Research Council for Environment Agricultural "
                                         "Sciences and Spatial Planning", "SE", "funding-agency", "FORMAS",
                                         source="import-x")])
    _, (out,) = reconcile(CURATED, [imp], MINT)
    assert [m.text() for m in out.by_name] == [
        "'FORMAS' (imported ror-03pjs1y45) = pm:formas 'Formas' (acronym of one = name of the other, in the same "
        "country)"]


def test_a_parenthesised_remark_is_left_out():
    m = find("University of Manchester (UK)")
    assert target(m) == "uman" and m.rule == "parenthesised part left out"
    assert target(find("ORG (NKI-AVL)", "NL")) == "nki"            # the acronym in parentheses, same country
    assert find("ORG (NKI-AVL)", "SE") is None


def test_readme_examples_of_spelling():
    assert target(find("Orebro Universitet Goteborgs")) is None
    assert spelling_key("Örebro Universitet") == spelling_key("Orebro universitet")
    assert spelling_key("Bristol-Myers Squibb") == spelling_key("Bristol Myers Squibb")
    assert spelling_key("Merck Sharp & Dohme") == spelling_key("Merck Sharp and Dohme")

"""IRIs of imported records (kg.iris): the same key always gives the same IRI, renaming covers every shape."""
from __future__ import annotations

import pytest

from kg.iris import Minter, slug

PM = "https://w3id.org/pmkg/"


def test_same_key_same_iri_and_distinct_keys_distinct_iris():
    m = Minter(PM)
    assert str(m.imported("ror", "00j9c2840")) == PM + "id/ror-00j9c2840"
    assert m.imported_id("cordis-org", "999000002") == "cordis-org-999000002"
    assert m.imported_id("ctgov-org", "Hôpital Européen Georges-Pompidou") == \
        m.imported_id("ctgov-org", "Hopital Europeen Georges-Pompidou") == "ctgov-org-hopital-europeen-georges-pompidou"
    # names beyond Latin letters keep a hash, so two such names never share an id
    a, b = slug("北京大学"), slug("清华大学")
    assert a != b and a.startswith("h")
    assert slug("Łódź University") != slug("odz University")
    long = "x" * 200
    assert len(slug(long)) <= 80 and slug(long) != slug(long + "y")
    with pytest.raises(ValueError, match="unknown import scheme"):
        m.imported_id("orcid", "0000")


def test_rename_covers_entities_sub_nodes_and_participations():
    m = Minter(PM)
    ids = {"cordis-project-101104269": "prime-rose", "cordis-org-999000001": "ous",
           "cordis-grant-101104269": "grant-prime-rose"}
    assert m.rename(PM + "id/cordis-project-101104269", ids) == PM + "id/prime-rose"
    assert m.rename(PM + "id/cordis-grant-101104269.amount", ids) == PM + "id/grant-prime-rose.amount"
    assert m.rename(PM + "participation/cordis-project-101104269.coordinator.cordis-org-999000001", ids) == \
        PM + "participation/prime-rose.coordinator.ous"
    assert m.rename(PM + "participation/cordis-project-1.partner.cordis-org-999000001", ids) == \
        PM + "participation/cordis-project-1.partner.ous"
    assert m.rename(PM + "id/cordis-org-999000002", ids) == PM + "id/cordis-org-999000002"
    assert m.rename("https://w3id.org/pmkg/concept/role/partner", ids) == "https://w3id.org/pmkg/concept/role/partner"
    assert m.split_participation(PM + "participation/a.coordinator.b") == ("a", "coordinator", "b")

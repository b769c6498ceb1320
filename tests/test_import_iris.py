"""IRIs of imported records (kg.iris): the same key always gives the same IRI; participations split back."""
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


def test_participation_iris_split_into_in_role_who():
    m = Minter(PM)
    assert m.split_participation(PM + "participation/a.coordinator.b") == ("a", "coordinator", "b")

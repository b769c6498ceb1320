"""The controlled vocabularies live in ontology/concepts.ttl; kg/concepts.py is generated from it."""
from __future__ import annotations

from conftest import ONTOLOGY, ROOT

from kg.vocab import read_vocabulary, render_table


def test_the_generated_tables_agree_with_the_ontology():
    """Change ontology/concepts.ttl, then run `python -m kg.vocab`: this fails until you do."""
    expected = render_table(read_vocabulary(ONTOLOGY))
    assert (ROOT / "kg" / "concepts.py").read_text(encoding="utf-8") == expected


def test_every_role_has_a_shortcut_a_position_and_an_edge_label():
    vocab = read_vocabulary(ONTOLOGY)
    roles = vocab.roles()
    assert len(roles) >= 9
    assert all(r.shortcut and r.position and r.edge_label for r in roles)
    assert [r.position for r in roles] == sorted({r.position for r in roles})   # each position once
    assert vocab.shortcut("coordinator") == "https://w3id.org/pmkg/def#coordinator"


def test_a_kind_implies_its_schema_class():
    vocab = read_vocabulary(ONTOLOGY)
    assert vocab.implies("orgkind", "university") == ("https://schema.org/CollegeOrUniversity",)
    assert vocab.implies("orgkind", "unclassified") == ()

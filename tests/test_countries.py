"""kg.countries: the one place that reads country codes and names (its doctests, and the registry names)."""
import doctest

import pytest

from kg import countries


def test_doctests():
    assert doctest.testmod(countries).failed == 0


@pytest.mark.parametrize("text, iso", [("Russia", "RU"), ("Turkey (Türkiye)", "TR"), ("turkiye", "TR"),
                                       ("EL", "GR"), ("uk", "GB"), ("XK", "XK"), ("Czech Republic", "CZ")])
def test_registry_and_eu_names(text, iso):
    assert countries.code(text) == iso


@pytest.mark.parametrize("bad", ["XX", "ZZ", "EU", "Sverige!", ""])
def test_unknown_country_is_refused(bad):
    with pytest.raises(countries.UnknownCountry):
        countries.code(bad)
    assert not countries.is_code(bad)


def test_country_names_file_lists_only_names_pycountry_lacks_with_valid_codes():
    """kg/country-names.tsv: each line a name pycountry does not know, an ISO code, and where it is used."""
    import pycountry

    from kg.countries import ALT_NAMES_FILE, _key, is_code

    known = {_key(v) for c in pycountry.countries
             for v in (getattr(c, a, None) for a in ("name", "common_name", "official_name")) if v}
    rows = [line.split("\t") for line in ALT_NAMES_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    assert len(rows) > 20
    assert [r[0] for r in rows if _key(r[0]) in known] == []
    assert [r for r in rows if len(r) != 3 or not is_code(r[1]) or not r[2].strip()] == []

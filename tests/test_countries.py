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

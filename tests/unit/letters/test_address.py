"""The NF Z10-011 address block: 6 lines of 38 characters at most, refused rather than cut."""

from __future__ import annotations

import pytest

from encaisse.letters.domain.address import AddressInvalid, address_block


def test_a_french_address_ends_with_postal_code_and_city_in_capitals():
    block = address_block(
        "Boulangerie Lefèvre SARL",
        ("Service comptabilité", "12 rue de l'Église"),
        "69002",
        "Lyon",
        "FR",
    )
    assert block.lines == (
        "Boulangerie Lefèvre SARL",
        "Service comptabilité",
        "12 rue de l'Église",
        "69002 LYON",
    )


def test_a_foreign_address_gets_the_country_on_the_last_line():
    block = address_block("Müller GmbH", ("Hauptstraße 5",), "10115", "Berlin", "DE")
    assert block.lines[-2:] == ("10115 BERLIN", "ALLEMAGNE")


def test_blank_lines_and_spaces_are_tidied():
    block = address_block("  ACME   SA ", ("", "  3  place  Bellecour "), "69002", "Lyon", "FR")
    assert block.lines == ("ACME SA", "3 place Bellecour", "69002 LYON")


def test_six_lines_is_the_most():
    five = tuple(f"line {n}" for n in range(5))
    with pytest.raises(AddressInvalid, match="7 lines, at most 6"):
        address_block("ACME", five, "75001", "Paris", "FR")
    assert len(address_block("ACME", five[:4], "75001", "Paris", "FR").lines) == 6


def test_a_line_of_39_characters_is_refused_not_cut():
    with pytest.raises(AddressInvalid) as refused:
        address_block("A" * 39, ("1 rue B",), "75001", "Paris", "FR")
    assert refused.value.reasons == ["line 1 has 39 characters, at most 38"]
    assert address_block("A" * 38, ("1 rue B",), "75001", "Paris", "FR").lines[0] == "A" * 38


def test_every_reason_is_given():
    with pytest.raises(AddressInvalid) as refused:
        address_block("", ("1 rue B",), "7500", "Paris", "ZZ")
    assert refused.value.reasons == [
        "the recipient's name is empty",
        "country 'ZZ' has no known postal name",
    ]
    with pytest.raises(AddressInvalid, match="French postal code '7500' is not 5 digits"):
        address_block("ACME", ("1 rue B",), "7500", "Paris", "FR")
    with pytest.raises(AddressInvalid, match="postal code and city are required"):
        address_block("ACME", ("1 rue B",), "75001", " ", "FR")

from decimal import Decimal

from encaisse.kit.money import at_precision


def test_an_amount_has_exactly_its_currencys_decimals():
    assert str(at_precision(Decimal("3000.0000"), "EUR")) == "3000.00"
    assert str(at_precision(Decimal("500.0000"), "JPY")) == "500"
    assert str(at_precision(Decimal("1234.5670"), "KWD")) == "1234.567"
    assert str(at_precision(Decimal("1"), "EUR")) == "1.00"

from series import product_upto, triangular


def test_triangular():
    assert triangular(4) == 10


def test_product():
    assert product_upto(4) == 24


def test_product_one():
    assert product_upto(1) == 1

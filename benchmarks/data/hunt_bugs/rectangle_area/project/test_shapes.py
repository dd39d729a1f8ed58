from shapes import Rectangle


def test_area():
    assert Rectangle(3, 4).area() == 12


def test_perimeter():
    assert Rectangle(3, 4).perimeter() == 14


def test_square_perimeter():
    assert Rectangle(2, 2).perimeter() == 8

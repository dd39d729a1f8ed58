from scores import normalize


def test_scaled():
    assert normalize([0, 5, 10]) == [0.0, 0.5, 1.0]


def test_equal():
    assert normalize([3, 3]) == [0.0, 0.0]

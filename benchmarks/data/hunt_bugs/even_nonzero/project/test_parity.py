from parity import evens


def test_evens():
    assert evens([1, 2, 3, 4]) == [2, 4]


def test_zero_is_even():
    assert evens([0, 1]) == [0]

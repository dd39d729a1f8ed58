from seq import first_items, last_items


def test_last_two():
    assert last_items([1, 2, 3, 4], 2) == [3, 4]


def test_last_zero():
    assert last_items([1, 2], 0) == []


def test_first():
    assert first_items([1, 2, 3], 2) == [1, 2]

from evens import collect_evens, count_odd


def test_evens():
    assert collect_evens([1, 2, 3, 4]) == [2, 4]


def test_no_evens():
    assert collect_evens([1, 3]) == []


def test_count_odd():
    assert count_odd([1, 2, 3]) == 2

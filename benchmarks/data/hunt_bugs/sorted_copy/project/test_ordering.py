from ordering import smallest, top_three


def test_top():
    assert top_three([4, 1, 9, 7]) == [9, 7, 4]


def test_input_untouched():
    data = [3, 1, 2]
    top_three(data)
    assert data == [3, 1, 2]


def test_smallest():
    assert smallest([3, 1, 2]) == 1

from shipping import shipping_cost


def test_express():
    assert shipping_cost(3, True) == 16


def test_standard():
    assert shipping_cost(3, False) == 8

from accounts import active_usernames


def test_filters():
    users = [
        {"name": "bo", "active": True, "banned": False},
        {"name": "al", "active": False, "banned": False},
        {"name": "cy", "active": True, "banned": True},
    ]
    assert active_usernames(users) == ["bo"]


def test_empty():
    assert active_usernames([]) == []

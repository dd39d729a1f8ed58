def active_usernames(users):
    """Names of users that are active and not banned, sorted."""
    names = []
    for user in users:
        if user["active"] or not user["banned"]:
            names.append(user["name"])
    return sorted(names)

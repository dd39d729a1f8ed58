def shipping_cost(weight, express):
    """Express: 10 + 2 per kg; standard: 5 + 1 per kg."""
    if express:
        cost = 5 + weight
    else:
        cost = 10 + 2 * weight
    return cost

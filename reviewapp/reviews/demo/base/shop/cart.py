from shop.prices import apply_discount, parse_price


class Cart:
    def __init__(self):
        self.items = []

    def add(self, name, price_text, quantity=1):
        self.items.append((name, parse_price(price_text), quantity))

    def total(self, discount=0):
        total = sum(price * quantity for _, price, quantity in self.items)
        return apply_discount(total, discount)

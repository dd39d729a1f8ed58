from shop.prices import apply_discount, bulk_price, parse_price


class Cart:
    def __init__(self):
        self.lines = []

    def add(self, name, price_text, quantity=1):
        self.lines.append((name, parse_price(price_text), quantity))

    def remove(self, name):
        self.lines = [line for line in self.lines if line[0] != name]

    def total(self, discount=0):
        total = sum(bulk_price(price, quantity) * quantity for _, price, quantity in self.lines)
        return apply_discount(total, discount)

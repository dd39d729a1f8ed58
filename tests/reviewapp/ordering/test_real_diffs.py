"""Ordering real git changes, read by the ingest stage (git range with contents, pasted diff)."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from reviewapp.ingest import diff_from_git, parse_diff
from reviewapp.ordering import order_files

BEFORE = {
    "shop/money.py": '''
        """Money helpers."""


        def to_cents(amount):
            return int(round(amount * 100))
    ''',
    "shop/cart.py": '''
        from shop.money import to_cents


        class Cart:
            def __init__(self):
                self.items = []

            def total_cents(self):
                return sum(to_cents(price) for price in self.items)
    ''',
    "shop/api/views.py": '''
        from ..cart import Cart


        def checkout(request):
            cart = Cart()
            return {"total": cart.total_cents()}
    ''',
    "tests/test_cart.py": '''
        from shop.cart import Cart


        def test_empty_cart_costs_nothing():
            assert Cart().total_cents() == 0
    ''',
    "README.md": "# Shop\n",
}
AFTER = {
    "shop/money.py": '''
        """Money helpers."""


        def to_cents(amount, currency="EUR"):
            if currency == "JPY":
                return int(amount)
            return int(round(amount * 100))
    ''',
    "shop/cart.py": '''
        from shop.money import to_cents


        class Cart:
            def __init__(self, currency="EUR"):
                self.items = []
                self.currency = currency

            def total_cents(self):
                return sum(to_cents(price, self.currency) for price in self.items)
    ''',
    "shop/api/views.py": '''
        from ..cart import Cart


        def checkout(request):
            cart = Cart(request.get("currency", "EUR"))
            return {"total": cart.total_cents()}
    ''',
    "tests/test_cart.py": '''
        from shop.cart import Cart


        def test_empty_cart_costs_nothing():
            assert Cart().total_cents() == 0


        def test_yen_have_no_cents():
            cart = Cart("JPY")
            cart.items.append(5)
            assert cart.total_cents() == 5
    ''',
    "README.md": "# Shop\n\nPrices in any currency.\n",
}
# Code before tests when both are ready: the test follows the code story it checks.
EXPECTED = ["shop/money.py", "shop/cart.py", "shop/api/views.py", "tests/test_cart.py",
            "README.md"]


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout


def write(repo: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"))


@pytest.fixture
def shop_repo(tmp_path: Path) -> Path:
    """A repository with two commits: BEFORE, then the currency change AFTER."""
    git(tmp_path, "init", "-q")
    write(tmp_path, BEFORE)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "before")
    write(tmp_path, AFTER)
    git(tmp_path, "commit", "-q", "-am", "currency")
    return tmp_path


def test_git_range_with_contents_is_ordered_definitions_first(shop_repo: Path):
    """money.py → cart.py → views.py (relative import) → cart's test → README."""
    parsed = diff_from_git(str(shop_repo), "HEAD~1..HEAD")
    assert all(f.new_content is not None for f in parsed.files)
    result = order_files(parsed.files)
    assert [item.path for item in result] == EXPECTED
    assert result[0].reason == "changes `to_cents`, used by `shop/cart.py` below"
    assert result[1].reason == "changes `Cart`, used by 2 files below"
    assert result[2].reason == "uses `Cart` from `shop/cart.py` above"
    assert result[3].reason == "test for `shop/cart.py`"


def test_pasted_git_diff_is_ordered_the_same_way(shop_repo: Path):
    """The same change pasted as text (no file contents) gets the same order."""
    text = git(shop_repo, "diff", "HEAD~1", "HEAD")
    parsed = parse_diff(text)
    assert all(f.new_content is None for f in parsed.files)
    assert [item.path for item in order_files(parsed.files)] == EXPECTED

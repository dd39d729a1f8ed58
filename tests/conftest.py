"""Shared fixtures: users, repositories, and a demo change made with real git."""

from __future__ import annotations

import pytest

SAMPLE_DIFF = """\
diff --git a/pkg/models.py b/pkg/models.py
index 1111111..2222222 100644
--- a/pkg/models.py
+++ b/pkg/models.py
@@ -1,4 +1,7 @@
 class Order:
     def __init__(self, items):
         self.items = items
+
+    def total(self):
+        return sum(item.price for item in self.items)
 
diff --git a/pkg/views.py b/pkg/views.py
index 3333333..4444444 100644
--- a/pkg/views.py
+++ b/pkg/views.py
@@ -1,5 +1,6 @@
 from pkg.models import Order
 
 
 def show(order: Order):
-    return str(order.items)
+    total = order.total()
+    return f"{order.items} {total}"
diff --git a/tests/test_models.py b/tests/test_models.py
new file mode 100644
index 0000000..5555555
--- /dev/null
+++ b/tests/test_models.py
@@ -0,0 +1,5 @@
+from pkg.models import Order
+
+
+def test_total_of_empty_order_is_zero():
+    assert Order([]).total() == 0
diff --git a/README.md b/README.md
index 6666666..7777777 100644
--- a/README.md
+++ b/README.md
@@ -1,2 +1,3 @@
 # pkg
 Orders and views.
+Orders know their total.
"""


@pytest.fixture
def sample_diff() -> str:
    return SAMPLE_DIFF


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run inline unless a test starts a real worker."""
    from reviewapp.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user("mallory", password="mallory-password-1")


@pytest.fixture
def repository(member):
    from reviewapp.reviews.models import Repository

    repo = Repository.objects.create(full_name="acme/shop")
    repo.members.add(member)
    return repo


@pytest.fixture
def review(repository, member, sample_diff):
    """A stored change set with one revision of SAMPLE_DIFF."""
    from reviewapp.reviews.services import DiffInput, create_change_set

    return create_change_set(repository, "Order totals", member,
                             DiffInput(diff=sample_diff.encode()))

"""The review page: order, reasons, highlighting, lazy files, context expansion, view modes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewapp.reviews.models import Finding
from reviewapp.reviews.services import DiffInput, create_change_set

pytestmark = pytest.mark.django_db


def test_page_lists_files_in_order_with_reasons(client, review, member):
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert page.index("pkg/models.py") < page.index("pkg/views.py") < page.index("README.md")
    for file in review.files.all():
        assert file.order_reason and file.order_reason in page


def test_code_is_highlighted_with_pygments(client, review, member):
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert '<span class="k">def</span>' in page


def test_side_by_side_view_is_remembered(client, review, member):
    client.force_login(member)
    url = review.get_absolute_url()
    assert 'class="diff split"' in client.get(url + "?view=split").content.decode()
    assert 'class="diff split"' in client.get(url).content.decode()


def test_files_past_the_inline_budget_load_lazily(client, review, member, settings):
    settings.SQUIGGLE = {**settings.SQUIGGLE, "INLINE_RENDER_LINES": 1}
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert page.count("data-src=") == review.files.count() - 1
    lazy = review.files.order_by("order")[1]
    url = reverse("reviews:file", args=[review.change_set_id, 1, lazy.pk])
    assert "hunk-header" in client.get(url).content.decode()


def test_a_large_file_is_collapsed_until_asked_for_and_the_files_after_it_still_render(
        client, review, member, settings):
    largest, *others = sorted(review.files.order_by("order"),
                              key=lambda f: -(f.added + f.removed))
    settings.SQUIGGLE = {**settings.SQUIGGLE, "INLINE_RENDER_LINES": 10_000,
                         "LARGE_FILE_LINES": others[0].added + others[0].removed}
    assert largest.added + largest.removed > settings.SQUIGGLE["LARGE_FILE_LINES"]
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    large_url = reverse("reviews:file", args=[review.change_set_id, 1, largest.pk])
    assert f'data-large-src="{large_url}"' in page
    assert f'data-src="{large_url}"' not in page
    assert page.count("A large diff") == 1 and "Load the diff" in page
    assert f'id="hunk-{largest.hunks.first().pk}"' not in page
    for file in others:  # rendered inline, as before
        assert all(f'id="hunk-{hunk.pk}"' in page for hunk in file.hunks.all())
    assert f'id="hunk-{largest.hunks.first().pk}"' in client.get(large_url).content.decode()


def test_finding_is_underlined_with_a_card(client, review, member, price_finding):
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert 'class="squiggle sev-high"' in page
    assert "`price` may be `cost`" in page


def test_context_lines_expand_from_the_full_file(client, member, repository, tmp_path):
    """A git-sourced review knows the whole file, so the gaps between hunks can open."""
    from reviewapp.reviews.management.commands.bootstrap_demo import build_demo_repository

    member.is_staff = True
    member.save()
    range_spec = build_demo_repository(tmp_path / "repo")
    revision = create_change_set(repository, "Demo", member,
                                 DiffInput(repo_dir=str(tmp_path / "repo"), range_spec=range_spec))
    client.force_login(member)
    file = revision.files.get(path="shop/prices.py")
    assert file.new_content is not None
    url = reverse("reviews:file_context", args=[revision.change_set_id, 1, file.pk])
    response = client.get(url, {"first": 1, "last": 2, "offset": 0})
    assert response.status_code == 200
    assert "Decimal" in response.content.decode()
    assert client.get(url, {"first": "x", "last": 2}).status_code == 400


def test_file_list_counts_findings_per_file(client, review, member):
    file = review.files.get(path="pkg/views.py")
    Finding.objects.create(revision=review, file=file, line=5, end_line=5, column=4,
                           end_column=9, kind="variable_misuse", probability=0.6,
                           severity="medium", message="`total` may be `order`")
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert '<span class="finding-mark">1 ⚠</span>' in page


def test_file_list_counts_the_changed_lines_of_gray_hunks(client, review, member):
    """A gray one-line version bump reads "2 gray", not its context lines too."""
    file = review.files.get(path="pkg/views.py")
    hunk = file.hunks.first()
    hunk.text = ' import os\n-VERSION = "1.0"\n+VERSION = "1.1"\n \n def view():'
    hunk.old_lines = hunk.new_lines = 4
    hunk.tier = hunk.GRAY
    hunk.save()
    for other in file.hunks.exclude(pk=hunk.pk):
        other.tier = other.NORMAL
        other.save()
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert 'title="changed lines in gray hunks">2 gray</span>' in page

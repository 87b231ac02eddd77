"""Query counts are constant in the number of stories shown (pinned, so an N+1 fails here first)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uncached(settings):
    """These pin what a page costs when it is rendered; the page cache would hide it (tested on its own)."""
    settings.PAGE_CACHE_SECONDS = 0


def _count_queries(client, url, django_assert_max_num_queries, limit):
    client.get(url)  # warm the navigation cache, as any live site has it
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# Latest day, its stories, their subjects, the subject sidebar (the story and comment figures are cached for a
# minute, and the latest-comments sidebar per site version, as on the live site).
FRONT_PAGE_QUERIES = 4
# The story, its subjects, its comments.
STORY_PAGE_QUERIES = 3
# The page of stories (one row more tells whether there is a next page), their subjects.
POSTING_ORDER_QUERIES = 2


@pytest.mark.parametrize(("url_name", "limit"), [("front", FRONT_PAGE_QUERIES), ("latest", POSTING_ORDER_QUERIES)])
def test_list_pages_make_as_many_queries_for_50_stories_as_for_1(
    client, make_article, subject, other_region, django_assert_max_num_queries, url_name, limit
):
    url = reverse(f"articles:{url_name}")
    make_article(subjects=[subject])
    one = _count_queries(client, url, django_assert_max_num_queries, limit)
    for i in range(49):
        make_article(subjects=[subject], **({"region": other_region} if i % 2 else {}))
    fifty = _count_queries(client, url, django_assert_max_num_queries, limit)
    assert one == fifty


def test_region_page_makes_as_many_queries_for_30_stories_as_for_1(
    client, make_article, region, subject, django_assert_max_num_queries
):
    make_article(subjects=[subject])
    one = _count_queries(client, region.get_absolute_url(), django_assert_max_num_queries, 3)
    for _ in range(29):
        make_article(subjects=[subject])
    many = _count_queries(client, region.get_absolute_url(), django_assert_max_num_queries, 3)
    assert one == many


def test_story_page_queries_do_not_depend_on_its_subjects(client, make_article, subject, django_assert_max_num_queries):
    from articles.models import Subject

    lone = make_article(subjects=[subject])
    one = _count_queries(client, lone.get_absolute_url(), django_assert_max_num_queries, STORY_PAGE_QUERIES)
    many_subjects = [Subject.objects.create(name=f"S{i}", slug=f"s{i}") for i in range(10)]
    busy = make_article(subjects=many_subjects)
    many = _count_queries(client, busy.get_absolute_url(), django_assert_max_num_queries, STORY_PAGE_QUERIES)
    assert one == many

"""Numbers and counts stay right when many comments are posted at once (PostgreSQL, which CI runs)."""

import threading

import pytest
from django.db import connection, connections

from comments.models import Comment, Commenter
from comments.nics import nic_key
from comments.services import comment_create

THREADS = 8
POSTS_EACH = 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_get_unique_gapless_numbers_and_matching_counts(make_article):
    if connection.vendor != "postgresql":
        pytest.skip("row locking under real concurrency is exercised on PostgreSQL (the second half of .ci/run)")
    story = make_article()
    barrier = threading.Barrier(THREADS)
    errors = []

    def poster(n: int) -> None:
        try:
            barrier.wait()
            for i in range(POSTS_EACH):
                # Half the threads share one nic, so the commenter's counter is contended too.
                nic = "Shared Nic" if n % 2 else f"Nic {n}"
                comment_create(article_id=story.pk, nic=nic, body=f"post {n}-{i}", owner_token=f"owner-{nic}")
        except Exception as exc:  # reported below, with the thread
            errors.append((n, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poster, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    total = THREADS * POSTS_EACH
    numbers = sorted(Comment.objects.filter(article=story).values_list("number", flat=True))
    assert numbers == list(range(1, total + 1))
    story.refresh_from_db()
    assert story.comment_count == total == story.last_comment_number
    for commenter in Commenter.objects.all():
        assert commenter.comment_count == commenter.comments.count()
    assert Commenter.objects.get(key=nic_key("Shared Nic")).comment_count == (THREADS // 2) * POSTS_EACH

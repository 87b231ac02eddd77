"""Fill a database with a board-sized archive for the benchmark: stories over many days, comments of realistic
length, a few very long threads. Rows go in with bulk inserts, with the HTML the write path would have stored.

    python bench/populate.py --stories 20000 --comments 500000 --manifest bench/.data/manifest.json

Run with the benchmark's environment (DATABASE_URL, DJANGO_SECRET_KEY, ...); it writes a manifest of the URLs to
load (the busiest stories, a region, a nic).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rantboard.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from articles import rendering  # noqa: E402
from articles.management.commands.seed_demo import REGIONS, SUBJECTS  # noqa: E402
from articles.models import Article, EditorProfile, Region, Subject, editor_note_authors, note_author  # noqa: E402
from comments import bbcode  # noqa: E402
from comments.models import Comment, Commenter  # noqa: E402
from comments.nics import nic_key, random_nic  # noqa: E402
from comments.services import comment_row  # noqa: E402

WORDS = """
the ministry said on tuesday that talks would resume after the holiday while officials in the capital declined to
comment on reports that the budget had been cut again and analysts expected further delays shipping rates rose
sharply as the strait closed for repairs and the opposition called for an inquiry
""".split()  # noqa: SIM905 (prose reads better than a list of words)


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def story_body(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(3, 6)):
        paragraphs.append(" ".join(sentence(rng, rng.randint(12, 28)) for _ in range(rng.randint(2, 4))))
        if rng.random() < 0.5:
            paragraphs[-1] += f" [[{sentence(rng, rng.randint(6, 14))}]]"
    if rng.random() < 0.4:
        paragraphs.insert(2, f"[[{sentence(rng, rng.randint(15, 30))}]]")
    return "\n\n".join(paragraphs)


def comment_body(rng: random.Random) -> str:
    kind = rng.random()
    text = " ".join(sentence(rng, rng.randint(5, 25)) for _ in range(rng.randint(1, 5)))
    if kind < 0.15:
        return f"[quote]{sentence(rng, 12)}[/quote]\n{text}"
    if kind < 0.25:
        return f"{text} [b]{sentence(rng, 4)}[/b] https://news.example.com/{rng.randint(1, 10**6)}"
    if kind < 0.3:
        return f"{text}\n[*] {sentence(rng, 5)}\n[*] {sentence(rng, 6)}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=50000)
    parser.add_argument("--days", type=int, default=None, help="Default: stories / 100, a busy board's day.")
    parser.add_argument("--nics", type=int, default=5000)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.days = args.days or max(1, args.stories // 100)
    started = time.time()

    regions = [Region.objects.get_or_create(slug=slugify(n), defaults={"name": n, "position": i})[0]
               for i, n in enumerate(REGIONS)]  # fmt: skip
    subjects = [Subject.objects.get_or_create(slug=slugify(n), defaults={"name": n})[0] for n in SUBJECTS]
    user_model = get_user_model()
    editor, _ = user_model.objects.get_or_create(
        username="bench-editor", defaults={"first_name": "Bench", "last_name": "Editor", "is_staff": True}
    )
    EditorProfile.objects.get_or_create(user=editor)
    editors = editor_note_authors()
    author = note_author(editor)

    # Stories: a pool of rendered bodies, spread over the days, newest first in the last day.
    bodies = []
    for _ in range(60):
        body = story_body(rng)
        bodies.append((body, rendering.render_body(body, author=author, editors=editors)))
    now = timezone.now()
    # The front page shows today once today has a story. Spread back from the moment of the fill, today held as many
    # stories as hours had passed since midnight: a run just after midnight measured a front page of one story on
    # one board and of yesterday's hundred on the other. A day's worth of the newest stories go within today instead.
    since_midnight = now - timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    per_day = max(1, args.stories // args.days)
    stories = []
    for n in range(args.stories):
        published = now - dt.timedelta(days=args.days * n / max(1, args.stories), minutes=rng.randint(1, 50))
        if n < per_day:
            published = now - since_midnight * (n + 1) / (per_day + 1)
        body, html = rng.choice(bodies)
        title = sentence(rng, rng.randint(6, 12))[:-1]
        stories.append(
            Article(
                region=rng.choice(regions), title=title, slug=slugify(title)[:200], source_url=f"https://news.example.com/s/{n}",
                source_name="Bench Wire", lead_note=sentence(rng, 9), lead_note_html=sentence(rng, 9), body=body,
                body_html=html, renderer_version=rendering.RENDERER_VERSION, posted_by=editor,
                status=Article.Status.PUBLISHED, published_at=published, created_at=published, updated_at=published,
            )
        )  # fmt: skip
    with transaction.atomic():
        Article.objects.bulk_create(stories, batch_size=2000)
    stories = list(Article.objects.order_by("-published_at").only("id", "published_at", "slug", "title"))
    through = Article.subjects.through
    through.objects.bulk_create(
        [through(article_id=s.id, subject_id=rng.choice(subjects).id) for s in stories], batch_size=5000
    )

    # Commenters.
    taken: set[str] = set()
    nics = []
    while len(nics) < args.nics:
        nic = random_nic(lambda key: key in taken)
        taken.add(nic_key(nic))
        nics.append(nic)
    Commenter.objects.bulk_create(
        [
            Commenter(nic=nic, key=nic_key(nic), first_seen=now - dt.timedelta(days=args.days), last_seen=now)
            for nic in nics
        ],
        batch_size=5000,
    )
    commenters = list(Commenter.objects.filter(key__in=[nic_key(n) for n in nics]).values_list("id", "nic"))

    # Threads: three very long ones on recent stories, the rest spread with a long tail.
    long_threads = {stories[1].id: 1000, stories[2].id: 1200, stories[3].id: 200}
    remaining = max(0, args.comments - sum(long_threads.values()))
    others = stories[4:] or stories
    counts: dict[int, int] = dict(long_threads)
    weights = [1 / (1 + i / 50) for i in range(len(others))]
    for story in rng.choices(others, weights=weights, k=remaining):
        counts[story.id] = counts.get(story.id, 0) + 1
    by_id = {s.id: s for s in stories}
    pool = []
    for _ in range(400):
        body = comment_body(rng)
        pool.append((body, bbcode.render_comment(body)))
    per_commenter: dict[int, int] = {}
    batch: list[Comment] = []
    inserted = 0
    for story_id, count in counts.items():
        story = by_id[story_id]
        for number in range(1, count + 1):
            commenter_id, nic = rng.choice(commenters) if number % 7 else commenters[0]
            body, html = rng.choice(pool)
            created = story.published_at + dt.timedelta(minutes=number * 3 % 2000 + 1, seconds=rng.randint(0, 59))
            if created >= now:
                created = now - dt.timedelta(seconds=rng.randint(1, 6 * 3600))
            comment = Comment(
                article_id=story_id, commenter_id=commenter_id, number=number, nic=nic, body=body, body_html=html,
                renderer_version=bbcode.RENDERER_VERSION, created_at=created, ip="198.51.100.7",
            )  # fmt: skip
            comment.article = story  # (in memory: the rows link to it without a query)
            comment.row_html = comment_row(comment)
            batch.append(comment)
            per_commenter[commenter_id] = per_commenter.get(commenter_id, 0) + 1
            if len(batch) >= 5000:
                Comment.objects.bulk_create(batch)
                inserted += len(batch)
                batch = []
                print(f"  {inserted:,} comments", end="\r", flush=True)
    Comment.objects.bulk_create(batch)
    inserted += len(batch)

    # The figures the write path keeps.
    with transaction.atomic():
        for story_id, count in counts.items():
            Article.objects.filter(pk=story_id).update(
                comment_count=count, last_comment_number=count, last_comment_at=now, last_comment_nic=commenters[0][1]
            )
        for commenter_id, count in per_commenter.items():
            Commenter.objects.filter(pk=commenter_id).update(comment_count=count)
    if connection.vendor == "postgresql":
        # What autovacuum would have done on a board that grew to this size: statistics and a visibility map (so
        # counts can be answered from indexes).
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        # SQLite's planner has no statistics until ANALYZE runs (a deployment runs it daily, docs/deployment.md):
        # without them it joins the latest comments' stories the slow way round.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    busiest = max(per_commenter, key=per_commenter.get)
    # The quietest stories still open for comments (the last few days): the posting runs measure writes, not the
    # size of a long thread's page. The posting runs and the mixed run take twenty each, not the same twenty: the
    # posting runs (on PostgreSQL alone in the full mode) add hundreds of comments to each of theirs, which would
    # leave the mixed run on PostgreSQL reading bigger pages than on SQLite.
    quiet = sorted((s.id for s in stories[4:300]), key=lambda i: counts.get(i, 0))[:40]
    mixed, posting = quiet[:20], quiet[20:] or quiet[:20]
    manifest = {
        "stories": len(stories),
        "comments": inserted,
        "story_200": by_id[stories[3].id].get_absolute_url(),
        "story_1000": by_id[stories[1].id].get_absolute_url(),
        "region": regions[0].get_absolute_url(),
        "nic": Commenter.objects.get(pk=busiest).get_absolute_url(),
        "feed": "/feeds/latest/rss/",
        "front": "/",
        # A reader looking for what one commenter said: the busiest nic's name, found in tens of thousands of comments
        # (its words are in every one it signed), so "newest first" is a short walk back in time.
        "search": "/search/?" + urllib.parse.urlencode({"q": Commenter.objects.get(pk=busiest).nic}),
        "trivial": "/livez",
        "post_story_ids": posting,
        # What readers open while others post (the mixed run): the front page and the stories being commented on.
        "mixed_story_ids": mixed,
        "mixed_paths": ["/"] + [by_id[i].get_absolute_url() for i in mixed],
        "seconds": round(time.time() - started, 1),
    }
    Path(args.manifest).write_text(json.dumps(manifest, indent=2))
    print(f"\nfilled {len(stories):,} stories and {inserted:,} comments in {manifest['seconds']} s")


if __name__ == "__main__":
    main()

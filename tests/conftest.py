"""Shared fixtures: regions, editors in the Editors group, and a story factory."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.utils import timezone

from articles import readership
from articles.models import Article, EditorProfile, Region, Subject
from rantboard import pagecache

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _clear_cache():
    for alias in ("default", "counters"):
        caches[alias].clear()
    pagecache.forget_local_copies()
    readership.discard()
    yield
    for alias in ("default", "counters"):
        caches[alias].clear()
    pagecache.forget_local_copies()


@pytest.fixture
def region(db):
    return Region.objects.create(name="China-Japan-Koreas", slug="china-japan-koreas", position=10)


@pytest.fixture
def other_region(db):
    return Region.objects.create(name="Europe", slug="europe", position=20)


@pytest.fixture
def subject(db):
    return Subject.objects.create(name="Shipping", slug="shipping")


EDITOR_MIGRATIONS = [
    ("articles.migrations.0002_editors_group", "create_editors_group"),
    ("comments.migrations.0002_editors_permissions", "add_permissions"),
    ("comments.migrations.0004_editors_moderation_permissions", "add_permissions"),
    ("comments.migrations.0016_editors_queue_permissions", "add_permissions"),
    ("comments.migrations.0018_editors_see_revisions", "add_permissions"),
]


def editors_group() -> Group:
    """The Editors group from the migrations; live-server tests flush it away, so make it again the same way."""
    group = Group.objects.filter(name="Editors").first()
    if group is None:
        for module, function in EDITOR_MIGRATIONS:
            getattr(importlib.import_module(module), function)(django_apps, None)
        group = Group.objects.get(name="Editors")
    return group


@pytest.fixture
def make_editor(db, django_user_model):
    def make(username="mara", *, colour="#d8f0d2", superuser=False, **extra):
        user = django_user_model.objects.create_user(
            username=username,
            password="pw-for-tests",
            first_name=extra.pop("first_name", username.title()),
            last_name=extra.pop("last_name", "Editor"),
            is_staff=True,
            is_superuser=superuser,
            **extra,
        )
        user.groups.add(editors_group())
        EditorProfile.objects.create(user=user, note_colour=colour)
        return user

    return make


@pytest.fixture
def editor(make_editor):
    return make_editor("mara")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def make_article(db, region, editor):
    def make(**fields) -> Article:
        n = next(_counter)
        values = {
            "region": region,
            "title": f"Story number {n} about ships",
            "source_url": f"https://news.example.com/story-{n}",
            "source_name": "Harbour Line Daily",
            "lead_note": "An editor's lead note.",
            "body": "First paragraph.\n\nSecond paragraph with [[an inline note]].",
            "posted_by": editor,
            "status": Article.Status.PUBLISHED,
            # An hour ago, but never before today's midnight: the front page shows the latest day with stories, so
            # a story from "an hour ago" made the tests about today fail in the first hour of every day.
            "published_at": max(
                timezone.now() - dt.timedelta(hours=1),
                timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min)),
            ),
        }
        subjects = fields.pop("subjects", [])
        values.update(fields)
        article = Article.objects.create(**values)
        if subjects:
            article.subjects.set(subjects)
        return article

    return make

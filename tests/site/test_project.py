"""Project-wide guarantees: settings from the environment, migrations, management commands, the Editors group."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from articles import rendering
from articles.models import Article, EditorProfile, Region

ROOT = Path(__file__).resolve().parents[2]


def _printed_settings(expression: str, **env):
    """`manage.py shell` printing settings read from this environment: how the settings module reads it."""
    return _run_manage("shell", "-c", f"from django.conf import settings; print({expression})", env_overrides=env)


def _run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="rantboard.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_manage("check", env_overrides={"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x7" * 20 + "-a-long-random-looking-production-key-9f3k",
            "DJANGO_ALLOWED_HOSTS": "board.example.com",
            "SITE_URL": "https://board.example.com",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_site_name_and_open_days_come_from_the_environment():
    result = _printed_settings(
        "settings.SITE_NAME, settings.COMMENTS_OPEN_DAYS, settings.TIME_ZONE",
        DJANGO_DEBUG="1", SITE_NAME="Argue Here", COMMENTS_OPEN_DAYS="5", TIME_ZONE="Asia/Tokyo",
    )  # fmt: skip
    assert "Argue Here 5 Asia/Tokyo" in result.stdout, result.stderr


def test_earlier_secret_keys_come_from_the_environment():
    result = _printed_settings(
        "settings.SECRET_KEY_FALLBACKS", DJANGO_DEBUG="1", DJANGO_SECRET_KEY_FALLBACKS="old-key-one, old-key-two"
    )
    assert "['old-key-one', 'old-key-two']" in result.stdout, result.stderr


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"A migration is missing:\n{out.getvalue()}")


@pytest.mark.django_db
def test_an_app_server_on_the_code_before_the_last_column_still_posts(make_article):
    # While an upgrade runs, servers not yet restarted insert comments without the columns it added: each new one
    # has a default in the database (docs/deployment.md).
    from django.db import connection

    from comments.models import Comment
    from comments.services import comment_create

    comment = comment_create(article_id=make_article().pk, nic="Fred", body="First.", owner_token="t").comment
    newest = ("id", "number", "submission_token", "misquotes")
    columns = ", ".join(connection.ops.quote_name(f.column) for f in Comment._meta.concrete_fields
                        if f.column not in newest)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO comments_comment ({columns}, number) SELECT {columns}, number + 1 FROM comments_comment "  # noqa: S608 (the model's own columns)
            "WHERE id = %s",
            [comment.pk],
        )
    assert Comment.objects.get(number=2).misquotes is False


@pytest.mark.django_db
def test_editors_group_has_exactly_the_editing_permissions():
    codenames = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "publish_article", "close_comments", "add_subject"} <= codenames
    assert not {"delete_article", "add_region", "delete_region", "add_user", "change_user"} & codenames


@pytest.mark.django_db
def test_demo_content_is_idempotent_and_prints_a_working_login(settings):
    settings.DEBUG = True
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    counts = (Region.objects.count(), Article.objects.count(), EditorProfile.objects.count())
    assert counts[1] >= 10
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert (Region.objects.count(), Article.objects.count(), EditorProfile.objects.count()) == counts
    username, password = re.search(r"^\s+(mara) / (\S+)", second.getvalue(), re.MULTILINE).groups()
    assert Client().login(username=username, password=password)
    assert Article.objects.filter(comments_closed=True).exists()
    assert Article.objects.filter(status=Article.Status.DRAFT).exists()
    assert Article.objects.filter(body__contains="[[@").exists()


@pytest.mark.django_db
def test_demo_content_shows_at_once_on_a_board_whose_lists_were_cached_empty(client, settings):
    client.get("/")  # caches the (empty) navigation and picture library, as a running board has them
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    html = client.get("/").content.decode()
    assert all(region.get_absolute_url() in html for region in Region.objects.all())
    story = Article.objects.filter(comments__body__contains="[foto]").first()
    assert story is not None
    assert 'class="foto" src="/pictures/harbour-map"' in client.get(story.get_absolute_url()).content.decode()


def _post_as(story, nic: str) -> int:
    from tests.comments.conftest import form_stamp

    browser = Client()
    stamp = form_stamp(browser.get(story.get_absolute_url()).content.decode())
    data = {"nic": nic, "body": f"Hello from {nic}.", "stamp": stamp, "post": "1"}
    return browser.post(reverse("comments:post", args=[story.pk]), data).status_code


@pytest.mark.django_db
def test_add_editor_makes_a_login_that_reaches_the_newsroom_with_a_note_colour(client, make_article):
    story = make_article()
    assert _post_as(story, "Some Reader") == 302  # the board has read its staff's names
    out = io.StringIO()
    call_command("add_editor", "tess", "--name", "Tess Lind", "--colour", "#d8f0d2", "-v", "0", stdout=out)
    assert _post_as(story, "Tess Lind") == 400  # her name is guarded at once
    password = re.search(r"Password, shown once: (\S+)", out.getvalue()).group(1)
    assert client.login(username="tess", password=password)
    assert "The newsroom" in client.get("/admin/").content.decode()
    assert client.get("/admin/articles/article/add/").status_code == 200  # the Editors group's rights
    profile = EditorProfile.objects.get(user__username="tess")
    assert f".{profile.css_class}" in Client().get("/notes.css").content.decode()
    assert not profile.user.is_superuser and profile.user.get_full_name() == "Tess Lind"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arguments, reason",
    [(["mara"], "There is a user 'mara' already"), (["tess", "--colour", "#202020"], "too dark"),
     (["tess", "--colour", "pink"], "six hex digits")],
)  # fmt: skip
def test_add_editor_refuses_a_taken_name_or_an_unreadable_colour_and_adds_nobody(arguments, reason):
    call_command("add_editor", "mara", stdout=io.StringIO())
    with pytest.raises(CommandError, match=reason):
        call_command("add_editor", *arguments, stdout=io.StringIO())
    assert EditorProfile.objects.count() == 1


@pytest.mark.django_db
def test_demo_content_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local runs"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_rerender_articles_updates_outdated_html_and_dry_run_changes_nothing(make_article):
    article = make_article(body="Text [[note]].")
    Article.objects.filter(pk=article.pk).update(body_html="stale", renderer_version=0)
    out = io.StringIO()
    call_command("rerender_articles", "--dry-run", stdout=out)
    assert "1 stories would be re-rendered" in out.getvalue()
    assert Article.objects.get(pk=article.pk).body_html == "stale"
    call_command("rerender_articles", stdout=io.StringIO())
    article.refresh_from_db()
    assert article.renderer_version == rendering.RENDERER_VERSION
    assert "note</span>" in article.body_html


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run_manage("check", env_overrides={"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_an_empty_database_url_means_the_default_sqlite_file():
    result = _printed_settings("settings.DATABASES['default']['ENGINE']", DJANGO_DEBUG="1", DATABASE_URL="")
    assert "django.db.backends.sqlite3" in result.stdout, result.stderr


@pytest.mark.parametrize("order", ["admin last", "reversed"])
def test_the_apps_load_in_any_order(order):
    """No import cycles between the apps' modules: Django starts whatever order INSTALLED_APPS lists them in."""
    reorder = {
        "admin last": "[a for a in s.INSTALLED_APPS if a != 'django.contrib.admin'] + ['django.contrib.admin']",
        "reversed": "list(reversed(s.INSTALLED_APPS))",
    }[order]
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings'\n"
        f"import tests.settings as s; s.INSTALLED_APPS = {reorder}\n"
        "import django; django.setup()\n"
        "import articles.admin, articles.services, articles.views, comments.admin, comments.forms, comments.pageparts\n"
        "import comments.services, comments.views, comments.visitor, rantboard.urls\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _site_url(**env):
    return _printed_settings("settings.SITE_URL", **env)


def test_the_site_address_comes_from_the_environment():
    production = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 50, "DJANGO_ALLOWED_HOSTS": "board.example.com"}
    assert (
        _site_url(**production, SITE_URL="https://news.example.com/").stdout.split()[-1] == "https://news.example.com"
    )
    assert _site_url(**production).stdout.split()[-1] == "https://board.example.com"  # the first allowed host
    assert _site_url(DJANGO_DEBUG="1").stdout.split()[-1] == "http://127.0.0.1:8000"


@pytest.mark.parametrize("value", ["board.example.com", "ftp://board.example.com", "https://board.example.com/x"])
def test_a_site_address_that_is_not_an_origin_refuses_to_start(value):
    result = _site_url(DJANGO_DEBUG="1", SITE_URL=value)
    assert result.returncode != 0
    assert "SITE_URL must be" in result.stderr


def test_production_without_a_site_address_or_a_plain_allowed_host_refuses_to_start():
    result = _site_url(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50, DJANGO_ALLOWED_HOSTS=".example.com")
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr


def test_the_deployment_checklist_asks_for_the_site_address():
    result = _run_manage(
        "check",
        "--deploy",
        env_overrides={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x7" * 30,
            "DJANGO_ALLOWED_HOSTS": "board.example.com",
        },
    )
    assert "rantboard.W001" in result.stdout + result.stderr

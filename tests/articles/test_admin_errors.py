"""Inside the admin an editor's errors look like the admin and lead back to it; help texts speak in figures."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_editor_refused_inside_the_admin_gets_the_admins_look_and_a_way_back(editor_client):
    response = editor_client.get(reverse("admin:auth_user_changelist"), HTTP_REFERER="http://testserver/admin/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'id="site-name"' in html  # the admin's header
    assert "Your account cannot do that." in html
    assert f'href="{reverse("admin:index")}">Back to the newsroom' in html
    assert 'href="http://testserver/admin/">Back to the page you came from' in html
    assert "reload the page" not in html


def test_an_expired_form_inside_the_admin_says_so_in_the_admins_look(editor, make_article):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    story = make_article()
    response = browser.post(reverse("admin:articles_article_change", args=[story.pk]), {"title": "Changed"})
    html = response.content.decode()
    assert response.status_code == 403
    assert 'id="site-name"' in html
    assert "nothing was saved" in html
    story.refresh_from_db()
    assert story.title != "Changed"


def test_an_editor_on_a_missing_admin_page_gets_the_admins_look_and_a_way_back(editor_client):
    response = editor_client.get("/admin/no/such/page/", HTTP_REFERER="http://testserver/admin/comments/comment/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'id="site-name"' in html  # the admin's header
    assert "There is no such page in the admin." in html
    assert f'href="{reverse("admin:index")}">Back to the newsroom' in html
    assert 'href="http://testserver/admin/comments/comment/">Back to the page you came from' in html


def test_a_missing_admin_page_tells_a_stranger_nothing_of_the_admin(client, make_article):
    assert client.get("/admin/no/such/page/").status_code == 302  # the admin's own answer: log in first
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and 'id="site-name"' not in response.content.decode()


def test_a_reader_refused_on_the_site_still_gets_the_sites_page(client, make_article):
    story = make_article()
    response = Client(enforce_csrf_checks=True).post(reverse("comments:post", args=[story.pk]), {"body": "x"})
    assert response.status_code == 403
    assert 'id="site-name"' not in response.content.decode()


@override_settings(COMMENTS_OPEN_DAYS=3)
def test_the_closing_help_text_gives_the_boards_figure_not_a_settings_name(editor_client):
    html = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "they close 3 days after publication" in html
    assert "COMMENTS_OPEN_DAYS" not in html

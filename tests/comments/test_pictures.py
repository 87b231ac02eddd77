"""The picture library: editors upload in the admin (checked by content), comments show it with [foto]."""

import io
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Picture
from comments.services import comment_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#8a1c1c").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(editor_client, name, content, filename="picture.png", content_type="image/png"):
    return editor_client.post(
        reverse("admin:articles_picture_add"),
        {
            "name": name,
            "alt_text": "A red square",
            "image": SimpleUploadedFile(filename, content, content_type=content_type),
        },
    )


def test_editor_uploads_a_picture_and_a_comment_shows_it_inline(editor_client, editor, story, client):
    response = upload(editor_client, "red-square", png_bytes())
    assert response.status_code == 302, response.content.decode()[:2000]
    picture = Picture.objects.get()
    assert (picture.content_type, picture.width, picture.height, picture.uploaded_by) == ("image/png", 40, 30, editor)
    library = editor_client.get(reverse("admin:articles_picture_changelist")).content.decode()
    assert "[foto]red-square[/foto]" in library  # what to type, to copy
    comment_create(article_id=story.pk, nic="Fred", body="Look: [foto]red-square[/foto]", owner_token="t")
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<img class="foto" src="/pictures/red-square" alt="A red square" width="40" height="30"' in html


def test_unknown_picture_name_stays_literal(story, client):
    comment_create(article_id=story.pk, nic="Fred", body="[foto]nothing-here[/foto]", owner_token="t")
    assert "[foto]nothing-here[/foto]" in client.get(story.get_absolute_url()).content.decode()


def test_html_disguised_as_a_picture_is_refused(editor_client):
    response = upload(editor_client, "sneaky", b"<html><script>alert(1)</script></html>", filename="sneaky.png")
    assert "not a picture that can be shown" in response.content.decode() or "Upload a valid image" in (
        response.content.decode()
    )
    assert not Picture.objects.exists()


def test_other_image_types_are_refused_by_content(editor_client):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    response = upload(editor_client, "bitmap", buffer.getvalue(), filename="bitmap.png")
    assert "BMP pictures are not accepted" in response.content.decode()
    assert not Picture.objects.exists()


def test_bad_picture_name_is_refused(editor_client):
    response = upload(editor_client, "Bad Name!", png_bytes())
    assert "Use lower-case letters" in response.content.decode()


def test_picture_is_served_with_its_checked_type_and_cannot_run_as_a_page(editor_client, client):
    upload(editor_client, "red-square", png_bytes())
    response = client.get("/pictures/red-square")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_unknown_picture_is_404(client):
    assert client.get("/pictures/nope").status_code == 404


def test_the_picture_library_cache_follows_uploads(editor_client, story, client):
    comment_create(article_id=story.pk, nic="Fred", body="[foto]late[/foto]", owner_token="t")
    upload(editor_client, "late", png_bytes())
    comment_create(article_id=story.pk, nic="Fred", body="Now: [foto]late[/foto]", owner_token="t")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "[foto]late[/foto]" in html  # the first, posted before the upload, keeps its stored rendering
    assert 'src="/pictures/late"' in html


def test_a_new_picture_is_in_the_form_of_an_already_cached_story_page(editor_client, story, client):
    assert "harbour-map" not in client.get(story.get_absolute_url()).content.decode()  # now cached
    upload(editor_client, "harbour-map", png_bytes())
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<option value="harbour-map">harbour-map</option>' in html


def test_a_picture_in_a_comment_feed_has_the_boards_whole_address(editor_client, story, client, settings):
    assert upload(editor_client, "red-square", png_bytes()).status_code == 302
    library = editor_client.get(reverse("admin:articles_picture_changelist")).content.decode()
    assert "[foto]red-square[/foto]" in library  # what to type, to copy
    comment_create(article_id=story.pk, nic="Fred", body="Look: [foto]red-square[/foto]", owner_token="t")
    for feed in ("/feeds/comments/rss/", f"/story/{story.pk}/comments/atom/"):
        xml = unescape(client.get(feed).content.decode())
        assert f'<img class="foto" src="{settings.SITE_URL}/pictures/red-square"' in xml, feed


def test_a_picture_deleted_or_renamed_leaves_no_broken_image_in_old_comments(editor_client, story, client):
    for name in ("red-square", "blue-square"):
        assert upload(editor_client, name, png_bytes()).status_code == 302
    comment_create(
        article_id=story.pk, nic="Fred", body="[foto]red-square[/foto] [foto]blue-square[/foto]", owner_token="t"
    )
    red, blue = Picture.objects.get(name="red-square"), Picture.objects.get(name="blue-square")
    editor_client.post(reverse("admin:articles_picture_delete", args=[red.pk]), {"post": "yes"})
    change = reverse("admin:articles_picture_change", args=[blue.pk])
    renamed = editor_client.post(change, {"name": "blue-renamed", "alt_text": "Now blue"})
    assert renamed.status_code == 302, renamed.content.decode()[:2000]
    html = unescape(client.get(story.get_absolute_url()).content.decode())
    assert "[foto]red-square[/foto]" in html and "[foto]blue-square[/foto]" in html  # shown as typed, as unknown names
    assert 'src="/pictures/red-square"' not in html and 'src="/pictures/blue-square"' not in html


def test_the_picture_form_links_the_current_file_where_the_board_serves_it(editor_client):
    assert upload(editor_client, "red-square", png_bytes()).status_code == 302
    picture = Picture.objects.get()
    html = editor_client.get(reverse("admin:articles_picture_change", args=[picture.pk])).content.decode()
    assert 'Currently: <a href="/pictures/red-square">' in html and "/media/" not in html

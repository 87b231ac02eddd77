"""No input, however malformed, gets a 5xx: every URL and form answers with a 4xx or a page."""

import pytest
from django.test import Client
from django.urls import reverse

from comments.services import comment_create

pytestmark = pytest.mark.django_db

NASTY = [
    "\x00",
    "a\x00b",
    "%00",
    "%ff%fe",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    "x" * 5000,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "-1",
    "99999999999999999999999999",
    "9" * 5000,  # past the digits Python converts to a number
    "\u00b2",  # a digit to str.isdigit(), not to int()
    "1e309",
    "NaN",
    "\u202e\u0000",
    "😀" * 50,
]


@pytest.fixture
def board(make_article, subject):
    story = make_article(subjects=[subject])
    comment_create(article_id=story.pk, nic="Fred", body="Hello.", owner_token="t")
    return story


def _paths(story):
    return [
        "/",
        "/latest/",
        f"/story/{story.pk}/",
        story.get_absolute_url(),
        f"/region/{story.region.slug}/",
        "/subject/shipping/",
        "/archive/",
        "/archive/2026/11/",
        "/archive/2026/11/28/",
        "/nic/Fred/",
        "/feeds/latest/rss/",
        "/feeds/latest/atom/",
        f"/feeds/region/{story.region.slug}/rss/",
        "/feeds/comments/rss/",
        f"/story/{story.pk}/comments/rss/",
        "/sitemap.xml",
        "/sitemap-stories.xml",
        "/robots.txt",
        "/notes.css",
        "/pictures/none",
        "/search/?q=ferry",
    ]


def test_malformed_query_parameters_never_give_a_5xx(client, board):
    for path in _paths(board):
        for value in NASTY:
            for name in ["page", "p", "q", "format", "region", "order", "quote"]:
                response = client.get(path, {name: value})
                assert response.status_code < 500, (path, name, repr(value))


@pytest.mark.parametrize(
    "path",
    [
        "/story/abc/",
        "/story/1/%00/",
        "/story/1/%ff/",
        "/story/-1/x/",
        "/region/%00/",
        "/region/" + "x" * 3000 + "/",
        "/subject/%c0%af/",
        "/nic/%00/",
        "/nic/%ff%fe/",
        "/nic/" + "n" * 5000 + "/",
        "/nic/%20/",
        "/archive/0/0/0/",
        "/archive/2026/0/",
        "/archive/2026/02/31/",
        "/archive/99999999999999999999999/1/",
        "/feeds/region/%00/rss/",
        "/story/99999999999999999999999/comments/rss/",
        "/pictures/%00",
        "/pictures/" + "p" * 3000,
        "/sitemap-stories.xml?p=%00",
        "/sitemap-stories.xml?p=99999999",
        "/sitemap-nothing.xml",
        "/sitemap.xml?junk=1",
        "/sitemap-stories.xml?p=1&junk=1",
        "/sitemap-stories.xml?p=01",
    ],
)
def test_malformed_paths_answer_4xx(client, board, path):
    response = client.get(path)
    assert 300 <= response.status_code < 500, (path, response.status_code)


def _form(client, story):
    page = client.get(story.get_absolute_url()).content.decode()
    stamp = page.split('name="stamp" value="')[1].split('"')[0]
    return {"nic": "Tester", "body": "Fine.", "email": "", "website": "", "stamp": stamp}


@pytest.mark.parametrize("field", ["nic", "body", "email", "website", "stamp", "homepage"])
@pytest.mark.parametrize("value", [*NASTY, ["a", "b"], ""], ids=lambda v: repr(v)[:20])
def test_comment_form_fields_with_malformed_values_never_give_a_5xx(client, board, field, value):
    data = _form(client, board)
    data[field] = value
    response = client.post(reverse("comments:post", args=[board.pk]), data)
    assert response.status_code < 500, (field, repr(value))


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"nic=a&body=\xff\xfe\xfa", "application/x-www-form-urlencoded"),
        (b'{"nic": "a", "body": "b"}', "application/json"),
        (b'--x\r\nContent-Disposition: form-data; name="body"\r\n\r\nhi\r\n--x--', "multipart/form-data; boundary=x"),
        (b"\x00" * 100, "application/octet-stream"),
        (b"nic=a&body=b", "multipart/form-data"),  # no boundary
    ],
)
def test_wrong_encodings_and_content_types_never_give_a_5xx(board, body, content_type):
    client = Client()
    for url in [reverse("comments:post", args=[board.pk]), reverse("comments:preview")]:
        response = client.generic("POST", url, body, content_type=content_type)
        assert response.status_code < 500, (url, content_type)


def test_preview_and_pick_nic_with_odd_input(client, board):
    assert client.post(reverse("comments:preview"), {"body": "\x00" * 10}).status_code < 500
    assert client.post(reverse("comments:preview"), {"body": ["a", "b"]}).status_code < 500
    assert client.post(reverse("comments:preview")).status_code < 500
    assert client.get(reverse("comments:pick_nic"), {"x": "\x00"}).status_code == 200


@pytest.mark.parametrize(
    "changelist",
    ["articles_article", "articles_region", "articles_picture", "comments_comment", "comments_flaggedcomment",
     "comments_ban", "comments_commenter", "comments_moderationaction", "auth_user"],
)  # fmt: skip
def test_a_thousand_pasted_words_in_any_admin_search_box_answer_a_list(admin_client, board, changelist):
    words = " ".join(f"word{n}" for n in range(1000))
    response = admin_client.get(reverse(f"admin:{changelist}_changelist"), {"q": words})
    assert response.status_code == 200, changelist


def test_admin_search_and_filters_with_malformed_values_never_give_a_5xx(editor_client, board):
    for url in [reverse("admin:comments_comment_changelist"), reverse("admin:articles_article_changelist")]:
        for value in NASTY:
            for name in ["q", "story", "commenter", "state", "p", "o"]:
                response = editor_client.get(url, {name: value})
                assert response.status_code < 500, (url, name, repr(value))

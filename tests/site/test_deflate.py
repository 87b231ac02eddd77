"""Cached pages sent deflated: the pure stream builder (rantboard.deflate), then pages as a browser gets them."""

from __future__ import annotations

import random
import re
import zlib
from urllib.parse import quote

import pytest
from django.test import RequestFactory

from comments.defences import read_stamp
from comments.services import comment_create
from rantboard import deflate
from tests.comments.conftest import form_stamp


def test_combined_checksums_equal_the_checksum_of_the_whole():
    rng = random.Random(7)
    for _ in range(200):
        first = rng.randbytes(rng.randint(0, 3000))
        second = rng.randbytes(rng.randint(0, 200_000) if rng.random() < 0.1 else rng.randint(0, 300))
        joined = deflate.combine(zlib.adler32(first), zlib.adler32(second), len(second))
        assert joined == zlib.adler32(first + second)


@pytest.mark.parametrize("slot", [b"", b"token-abc", "Zoë's nic — 東京".encode(), b"x" * 70_000])
def test_a_stream_of_compressed_parts_and_raw_slots_inflates_to_the_page(slot):
    parts = ["<html><p>Ça va".encode() * 300, b"</p><form>" + b"<input>" * 500, b"</form></html>"]
    pieces = [deflate.compress(parts[0]), slot, deflate.compress(parts[1]), b"", deflate.compress(parts[2])]
    body = deflate.stream(pieces)
    assert zlib.decompress(body) == parts[0] + slot + parts[1] + parts[2]  # checks the Adler-32 trailer too
    assert zlib.decompressobj().decompress(body) == parts[0] + slot + parts[1] + parts[2]
    assert len(body) < len(parts[0] + parts[1]) / 5 + len(slot) + 100


@pytest.mark.parametrize(
    "header, wanted",
    [
        ("gzip, deflate, br, zstd", True),
        ("deflate", True),
        ("Deflate;q=0.5", True),
        ("gzip;q=1.0, deflate;q=0", False),
        ("deflate; q=0.0, gzip", False),
        ("gzip", False),
        ("x-deflate", False),
        ("", False),
        ("deflate;q=oops", False),
    ],
)
def test_deflate_is_sent_only_to_clients_that_ask_for_it(header, wanted):
    assert deflate.accepts(RequestFactory().get("/", HTTP_ACCEPT_ENCODING=header)) is wanted


# --- as a browser gets pages ----------------------------------------------------------------------------------


def _own_values_out(html: str) -> str:
    """The page without the values that are new on every request (the CSRF token and the form's stamp)."""
    return re.sub(r'name="(csrfmiddlewaretoken|stamp)" value="[^"]+"', "", html)


@pytest.mark.django_db
def test_a_cached_story_page_comes_deflated_to_a_browser_that_asks_and_inflates_to_the_plain_page(client, make_article):
    article = make_article(title="A story with a long thread")
    for n in range(30):
        comment_create(article_id=article.pk, nic=f"Nic {n}", body=f"Comment {n}, [b]bold[/b].", owner_token=f"t{n}")
    comment_create(article_id=article.pk, nic="Zoë", body="Ça va — 東京 🚢", owner_token="zoe")
    client.cookies["rb_nic"] = quote("Zoë")
    url = article.get_absolute_url()
    rendered = client.get(url)  # rendered and stored
    plain = client.get(url)  # a hit, to a client that does not ask for deflate
    squeezed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")  # a hit, to a browser
    for response in (rendered, plain):
        assert "Content-Encoding" not in response and "Accept-Encoding" in response["Vary"]
    assert squeezed["Content-Encoding"] == "deflate" and "Accept-Encoding" in squeezed["Vary"]
    assert len(squeezed.content) < len(plain.content) / 3
    page = zlib.decompress(squeezed.content).decode()  # checks the Adler-32 trailer too
    assert (
        _own_values_out(page) == _own_values_out(plain.content.decode()) == _own_values_out(rendered.content.decode())
    )
    # This request's own values are filled in: a token and a stamp of its own, the visitor's nic and greeting.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert token != re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', plain.content.decode()).group(1)
    assert read_stamp(form_stamp(page), article.pk)
    assert 'name="nic" value="Zoë"' in page and "You have commented 1 time on Rantboard." in page
    assert "Ça va — 東京 🚢" in page
    assert page.count('<section class="latest-comments"') == 1  # the sidebar, in its place


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/latest/", "/feeds/latest/rss/"])
def test_other_cached_pages_come_deflated_too(client, make_article, url):
    make_article(title="A story on every list")
    plain = client.get(url)
    squeezed = client.get(url, HTTP_ACCEPT_ENCODING="deflate")
    assert squeezed["Content-Encoding"] == "deflate"
    assert _own_values_out(zlib.decompress(squeezed.content).decode()) == _own_values_out(plain.content.decode())
    assert "A story on every list" in plain.content.decode()


@pytest.mark.django_db
def test_uncached_pages_are_not_compressed(client, make_article, settings):
    settings.PAGE_CACHE_SECONDS = 0
    response = client.get(make_article().get_absolute_url(), HTTP_ACCEPT_ENCODING="deflate")
    assert response.status_code == 200 and "Content-Encoding" not in response


@pytest.mark.django_db
def test_a_logged_in_editor_gets_pages_plain(editor_client, make_article):
    url = make_article().get_absolute_url()
    editor_client.get(url)
    response = editor_client.get(url, HTTP_ACCEPT_ENCODING="deflate")
    assert response.status_code == 200 and "Content-Encoding" not in response


@pytest.mark.django_db
def test_a_cache_hit_says_its_length_compressed_or_not(client, make_article):
    # Hits answered before CommonMiddleware must still say their length, or gunicorn would send them chunked.
    url = make_article().get_absolute_url()
    client.get(url)  # rendered and stored
    for encodings in ("", "gzip, deflate, br"):
        hit = client.get(url, HTTP_ACCEPT_ENCODING=encodings)
        assert hit["Content-Length"] == str(len(hit.content))
    assert hit["Content-Encoding"] == "deflate"
    assert hit["Vary"] == "Cookie, Accept-Encoding"

"""Cached pages sent deflated: parts compressed once when stored, the visitor's values joined in as stored blocks."""

from __future__ import annotations

import random
import re
import zlib

import pytest
from django.test import RequestFactory

from rantboard import deflate


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


def test_a_cached_story_page_comes_deflated_to_a_browser_and_plain_to_others(client, make_article, settings):
    from tests.comments.test_queries import add_comments

    article = make_article()
    add_comments(article, 30)
    url = article.get_absolute_url()
    plain = client.get(url)  # rendered and stored
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    squeezed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")  # a hit
    assert squeezed["Content-Encoding"] == "deflate" and "Accept-Encoding" in squeezed["Vary"]
    page = zlib.decompress(squeezed.content).decode()
    assert len(squeezed.content) < len(plain.content) / 3
    # The same page but for this request's own values, and those are filled in.
    strip = re.compile(r'name="(csrfmiddlewaretoken|token|stamp)" value="[^"]+"')
    assert strip.sub("", page) == strip.sub("", plain.content.decode())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert len(token) == 64 and "rb-slot-" not in page
    assert page.count('<section class="latest-comments"') == 1  # the shared fragment, compressed once, in its place


def test_uncached_pages_are_not_compressed(client, make_article, settings):
    settings.PAGE_CACHE_SECONDS = 0
    response = client.get(make_article().get_absolute_url(), HTTP_ACCEPT_ENCODING="deflate")
    assert response.status_code == 200 and "Content-Encoding" not in response


def test_a_cache_hit_says_its_length_compressed_or_not(client, make_article):
    # Hits leave before CommonMiddleware: without their own Content-Length, gunicorn would send them chunked.
    url = make_article().get_absolute_url()
    client.get(url)  # rendered and stored
    for encodings in ("", "gzip, deflate, br"):
        hit = client.get(url, HTTP_ACCEPT_ENCODING=encodings)
        assert hit["Content-Length"] == str(len(hit.content))
    assert hit["Content-Encoding"] == "deflate"
    assert hit["Vary"] == "Cookie, Accept-Encoding"

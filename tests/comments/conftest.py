"""Helpers for posting comments the way a browser does: fetch the story page, then post its form."""

import re

import pytest
from django.urls import reverse


def form_stamp(html: str) -> str:
    return re.search(r'name="stamp" value="([^"]+)"', html).group(1)


@pytest.fixture
def story(make_article):
    return make_article(title="Cutters sail south")


@pytest.fixture
def post(client):
    """Post a comment to a story like a browser: the form's stamp (with its one-time token) comes from the page."""

    def do(article, *, nic="Fred Bloggs", body="A first comment.", fresh_form=True, **fields):
        data = {"nic": nic, "body": body, "email": "", "website": "", "post": "1", **fields}
        if fresh_form:
            page = client.get(article.get_absolute_url()).content.decode()
            if "stamp" not in fields and 'name="stamp"' in page:
                data["stamp"] = form_stamp(page)
        return client.post(reverse("comments:post", args=[article.pk]), data)

    return do

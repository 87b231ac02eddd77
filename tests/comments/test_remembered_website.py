"""The website a commenter gave is put back in the form next time, like their nic, on cached pages too."""

import re

import pytest
from django.test import Client

from tests.comments.conftest import form_stamp

pytestmark = pytest.mark.django_db


def website_in_form(html: str) -> str:
    return re.search(r'name="website" value="([^"]*)"', html).group(1)


def post(browser, story, **fields):
    page = browser.get(story.get_absolute_url()).content.decode()
    data = {"nic": "Fred", "body": "Hello.", "email": "", "website": "", "post": "1", "stamp": form_stamp(page)}
    return browser.post(f"/story/{story.pk}/comment/", {**data, **fields})


def test_the_website_comes_back_in_this_browsers_form_and_no_one_elses(story):
    fred, stranger = Client(), Client()
    assert stranger.get(story.get_absolute_url()).status_code == 200  # the page is now cached
    assert post(fred, story, website="https://fred.example/blog?a=1&b=2").status_code == 302
    assert (
        website_in_form(fred.get(story.get_absolute_url()).content.decode()) == "https://fred.example/blog?a=1&amp;b=2"
    )
    assert website_in_form(stranger.get(story.get_absolute_url()).content.decode()) == ""


def test_posting_without_a_website_forgets_it(story):
    fred = Client()
    post(fred, story, website="https://fred.example/")
    post(fred, story, body="Again, without.")
    assert website_in_form(fred.get(story.get_absolute_url()).content.decode()) == ""


def test_a_cookie_that_is_not_an_address_fills_in_nothing(story):
    browser = Client()
    browser.cookies["rb_website"] = "javascript:alert(1)"
    assert website_in_form(browser.get(story.get_absolute_url()).content.decode()) == ""

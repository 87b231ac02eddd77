"""The template environment's own filters say what Django's say."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import dateformat, timezone

from rantboard.jinja2 import STRFTIME, date

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
FORMATS = [*STRFTIME, "c", "M j H:i", "l, F j, Y"]
MOMENTS = [dt.datetime(2026, 1, 5, 3, 4, 5, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, 23, 59, 0, 120000, tzinfo=dt.UTC)]


@pytest.mark.parametrize("format_string", FORMATS)
@pytest.mark.parametrize("moment", MOMENTS)
def test_the_date_filter_formats_a_moment_as_django_does_in_the_sites_time_zone(moment, format_string):
    with timezone.override(TOKYO):
        assert date(moment, format_string) == dateformat.format(moment.astimezone(TOKYO), format_string)


@pytest.mark.parametrize("format_string", ["Y-m-d", "c", "D M j", "l, F j"])
def test_the_date_filter_formats_a_day_as_django_does(format_string):
    day = dt.date(2026, 7, 4)
    assert date(day, format_string) == dateformat.format(day, format_string)


def test_the_date_filter_shows_nothing_for_nothing():
    assert date(None, "Y-m-d") == ""

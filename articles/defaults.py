"""Field defaults the models name, apart from them so that migrations can name them without loading the apps."""

import datetime as dt

from django.utils import timezone


def default_published_at() -> dt.datetime:
    return timezone.now().replace(microsecond=0)

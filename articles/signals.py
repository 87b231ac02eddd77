"""Receivers, not business logic: deleting what pages show retires the cached pages and derived caches.

Saving is handled by the models themselves; a delete from the admin's "delete selected" action goes through the
queryset and calls no model's delete(), but Django still sends post_delete for each row.
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from rantboard import pagecache

from .models import Article, Picture, Region, Subject


@receiver(post_delete, sender=Article, dispatch_uid="articles-deleted-story")
def story_deleted(sender, instance, **kwargs) -> None:
    pagecache.bump()


@receiver(post_delete, sender=Region, dispatch_uid="articles-deleted-region")
@receiver(post_delete, sender=Subject, dispatch_uid="articles-deleted-subject")
@receiver(post_delete, sender=Picture, dispatch_uid="articles-deleted-picture")
def shown_row_deleted(sender, instance, **kwargs) -> None:
    instance._drop_derived()

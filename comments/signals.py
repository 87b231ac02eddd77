"""Keeping stored comment HTML in step with its story: the sidebar lines hold the story's title and address.

A receiver, not business logic: it only rebuilds derived HTML when a story is retitled.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.html import escape

from articles.models import Article

from .models import Comment
from .rows import latest_item


@receiver(post_save, sender=Article, dispatch_uid="comments-retitle")
def rebuild_latest_items(sender, instance: Article, **kwargs) -> None:
    sample = Comment.objects.filter(article=instance).values_list("latest_html", flat=True).first()
    if sample is None:
        return
    if f">{escape(instance.title)}</a>" in sample and f'"{escape(instance.get_absolute_url())}' in sample:
        return
    comments = list(Comment.objects.filter(article=instance).select_related("article"))
    for comment in comments:
        comment.latest_html = latest_item(comment)
    Comment.objects.bulk_update(comments, ["latest_html"], batch_size=500)

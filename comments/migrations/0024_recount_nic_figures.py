"""Each nic's figure counted again as `Comment.objects.counted()` counts it: comments under stories unpublished
before this release were still in it (the nic page said 32 comments and listed one)."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def recount(apps, schema_editor):
    Commenter = apps.get_model("comments", "Commenter")
    Comment = apps.get_model("comments", "Comment")
    counted = Comment.objects.filter(commenter=OuterRef("pk"), removed=False, article__status="published")
    figure = counted.order_by().values("commenter").annotate(n=Count("id")).values("n")
    Commenter.objects.update(comment_count=Coalesce(Subquery(figure), 0))


class Migration(migrations.Migration):
    dependencies = [("comments", "0023_rare_state_indexes"), ("articles", "0008_closing_indexes")]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]

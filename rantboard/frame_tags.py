"""Template tags putting rantboard.frame's pieces around a page's blocks (templates/base.html), registered as the
`frame` library in settings.TEMPLATES."""

from django import template
from django.utils.safestring import mark_safe

from . import frame

register = template.Library()


@register.simple_tag
def frame_top():
    return mark_safe(frame.top())  # noqa: S308 (fixed markup)


@register.simple_tag
def frame_head():
    return mark_safe(frame.head())  # noqa: S308 (fixed markup; the settings' values escaped in frame)


@register.simple_tag(takes_context=True)
def frame_masthead(context):
    regions = context.get("nav_regions", ())
    if callable(regions):
        regions = regions()  # the context processor leaves it lazy: pages without the masthead never read it
    return mark_safe(frame.masthead(regions, context.get("current_region")))  # noqa: S308 (escaped in frame)


@register.simple_tag
def frame_main_end():
    return mark_safe(frame.main_end())  # noqa: S308 (fixed markup)


@register.simple_tag
def frame_bottom():
    return mark_safe(frame.bottom())  # noqa: S308 (fixed markup; the settings' values escaped in frame)

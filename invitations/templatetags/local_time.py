from datetime import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def local_time(when: datetime, precision: str) -> SafeString:
    """A moment in UTC, which static/js/inbox.js re-renders in the reader's locale and timezone.

    precision "time" shows only the time for a moment of today. A tag, not a template: an
    inbox page shows one or two per row, and a tag renders several times faster."""
    moment = timezone.localtime(when)
    today = precision == "time" and moment.date() == timezone.localdate()
    shown = dateformat.format(moment, "H:i" if today else "j M Y, H:i")
    return format_html(
        '<time datetime="{}" data-local-time="{}">{} UTC</time>',
        dateformat.format(moment, "c"),
        precision,
        shown,
    )

"""The catalogue's words about unconfirmed writes, for templates: what may have happened, and
the two answers a person can give. The words themselves live in catalogue.py."""

from django import template

from postpress_dashboard.postpress.catalogue import RESOLUTION_LABELS, unconfirmed_message

register = template.Library()


@register.simple_tag
def unconfirmed_words(action: str, error_type: str | None = None) -> str:
    return unconfirmed_message(action, error_type)


@register.simple_tag
def resolution_label(action: str, went_through: bool) -> str:
    yes, no = RESOLUTION_LABELS[action]
    return yes if went_through else no

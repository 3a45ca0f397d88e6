"""Provider rules (invitations/rules.py) for templates, so a page and the services agree."""

from django import template

from invitations import rules

register = template.Library()


@register.filter
def withdraws_by_provider_id(provider: str) -> bool:
    return rules.withdraws_by_provider_id(provider)

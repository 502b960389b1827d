"""The filters every page uses: money in the shop's notation, phones as people write them."""

from django import template

from config.money import format_money
from members.phones import display_phone

register = template.Library()


@register.filter
def money(amount):
    return format_money(amount)


@register.filter
def phone(e164):
    return display_phone(e164) if e164 else ""

from django import template

from config.money import format_money

register = template.Library()


@register.filter
def money(amount):
    return format_money(amount)


@register.filter
def phone(e164):
    from members.phones import display_phone

    return display_phone(e164) if e164 else ""

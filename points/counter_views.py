"""The counter: find a member, show the card, record a sale, print a receipt.

One page; each step answers htmx with a partial and a plain request with the
whole page, so the counter still works when JavaScript does not.
"""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.errors import LoyaltyError
from config.roles import staff_required
from members.models import Member
from members.phones import try_normalize_phone
from members.services import enrol_member
from points import counter_selectors as selectors
from points.counter_forms import CounterEnrolForm, FindForm

PAGE = "points/counter/counter.html"


def _render(request, partial, context, status=200):
    """The partial for htmx, the whole counter page around it otherwise."""
    context = {"find_form": FindForm(), "partial": partial, **context}
    template = partial if request.htmx else PAGE
    return render(request, template, context, status=status)


def _form_error(form, error: LoyaltyError):
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return getattr(error, "existing_member", None)


def _card_context(member):
    return {"card": selectors.member_card(member)}


@staff_required
@require_GET
def counter_view(request):
    return render(request, PAGE, {"find_form": FindForm(), "partial": None})


@staff_required
@require_GET
def find_view(request):
    form = FindForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if not query:
        if request.htmx:
            return render(request, "points/counter/_empty.html")
        return redirect("points:counter")
    found = selectors.find_members(query)
    if found.member:
        return _render(request, "points/counter/_card.html", _card_context(found.member))
    if found.matches:
        return _render(request, "points/counter/_pick_list.html", {"found": found})
    phone = try_normalize_phone(query)
    enrol_form = CounterEnrolForm(prefix="enrol", initial={"phone": phone or ""})
    context = {"found": found, "enrol_form": enrol_form.focus_first_gap()}
    return _render(request, "points/counter/_enrol.html", context)


@staff_required
@require_GET
def card_view(request, pk):
    try:
        member = selectors.counter_member(pk)
    except Member.DoesNotExist:
        return render(request, "404.html", status=404)
    return _render(request, "points/counter/_card.html", _card_context(member))


@staff_required
@require_POST
def enrol_view(request):
    form = CounterEnrolForm(request.POST, prefix="enrol")
    existing = None
    if form.is_valid():
        try:
            member = enrol_member(
                phone=form.cleaned_data["phone"], name=form.cleaned_data["name"], by=request.user
            )
        except LoyaltyError as error:
            existing = _form_error(form, error)
        else:
            member = selectors.counter_member(member.pk)
            context = {**_card_context(member), "just_enrolled": True}
            return _render(request, "points/counter/_card.html", context)
    context = {"enrol_form": form.focus_first_gap(), "existing": existing}
    return _render(request, "points/counter/_enrol.html", context, status=400)

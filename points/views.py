import uuid

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.errors import LoyaltyError
from config.roles import owner_required, staff_required
from members.models import Member
from points import behaviour, programme
from points.forms import AdjustPointsForm, AwardBehaviourForm, ProgrammeRulesForm
from points.models import BehaviourRule, ProgrammeRules


def _form_error(form, error: LoyaltyError):
    form.add_error(error.field if error.field in form.fields else None, error.message)


@owner_required
@require_http_methods(["GET", "POST"])
def rules_view(request):
    rules = ProgrammeRules.current()
    form = ProgrammeRulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        try:
            programme.update_programme_rules(by=request.user, **form.cleaned_data)
        except LoyaltyError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The points rules are saved."))
            return redirect("points:rules")
    return render(
        request,
        "points/rules.html",
        {"form": form, "rules": rules, "behaviour_rules": BehaviourRule.objects.all()},
        status=400 if request.method == "POST" else 200,
    )


@owner_required
@require_http_methods(["GET", "POST"])
def adjust_view(request, pk):
    member = get_object_or_404(Member.objects.select_related("tier"), pk=pk)
    # A fresh key per form: a double click or a resent form adjusts only once.
    form = AdjustPointsForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = behaviour.adjust_points(
                member=member,
                points=data["points"],
                reason=data["reason"],
                idempotency_key=f"adjust:{data['idempotency_key']}",
                by=request.user,
            )
        except LoyaltyError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("%(points)+d points for %(name)s, with the reason “%(reason)s”.")
                % {"points": entry.points, "name": member.name, "reason": entry.reason},
            )
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "points/adjust.html",
        {"form": form, "member": member},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["POST"])
def award_view(request, pk):
    """Behaviour points staff give from the member page (a review, a profile
    completed at the counter); the rule's cap is the service's to check."""
    member = get_object_or_404(Member, pk=pk)
    form = AwardBehaviourForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the behaviour rewards offered."))
        return redirect("members:detail", pk=member.pk)
    rule = form.cleaned_data["rule"]
    try:
        entry = behaviour.award_behaviour_points(
            member=member,
            action=rule.code,
            idempotency_key=f"award:{form.cleaned_data['idempotency_key']}",
            by=request.user,
        )
    except LoyaltyError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(points)+d points for %(name)s: %(rule)s.")
            % {"points": entry.points, "name": member.name, "rule": rule.name},
        )
    return redirect("members:detail", pk=member.pk)

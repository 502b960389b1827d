from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import LoyaltyError
from config.roles import owner_required
from members.models import Member
from tiers import programme as ladder
from tiers import rules_now, selectors, services
from tiers.discounts import read_discount
from tiers.forms import (
    DISCOUNT_FIELDS,
    ProgrammeForm,
    RulesApplyForm,
    SetTierForm,
    ThresholdsForm,
    TierForm,
)
from tiers.models import RulesApplication, Tier, TierProgramme, TierSettingsAudit
from tiers.programme import TIER_FIELDS


def _form_error(form, error: LoyaltyError):
    form.add_error(error.field if error.field in form.fields else None, error.message)


@owner_required
def tier_list_view(request):
    return render(
        request,
        "tiers/tier_list.html",
        {
            "tiers": selectors.ladder_with_counts(),
            "programme": TierProgramme.current(),
            "audit": TierSettingsAudit.objects.select_related("by", "tier")[:15],
        },
    )


def _proposed_ladder(tier, data):
    """The ladder as it would be with `data` applied to `tier` (not saved)."""
    proposed = Tier(**{name: getattr(tier, name) for name in TIER_FIELDS}) if tier else Tier()
    proposed.pk = tier.pk if tier else None
    for name, value in data.items():
        setattr(proposed, name, value)
    others = Tier.objects.exclude(pk=tier.pk) if tier else Tier.objects.all()
    return [*others, proposed]


@owner_required
@require_http_methods(["GET", "POST"])
def tier_edit_view(request, pk=None):
    tier = get_object_or_404(Tier, pk=pk) if pk else None
    form = TierForm(request.POST or None, instance=tier)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = selectors.ladder_preview(_proposed_ladder(tier, form.cleaned_data))
        else:
            try:
                saved = ladder.save_tier(tier=tier, by=request.user, **form.cleaned_data)
            except LoyaltyError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("%(tier)s saved.") % {"tier": saved.display_name})
                return redirect("tiers:apply")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "tiers/tier_form.html",
        {"form": form, "tier": tier, "preview": preview},
        status=status,
    )


@owner_required
@require_GET
def discount_hint_view(request):
    """What the discount being typed means ("Members pay 80% (8折).") or how to
    write it, for the hint under the tier form's discount fields (htmx)."""
    typed = next((request.GET[name] for name in DISCOUNT_FIELDS if name in request.GET), "")[:100]
    return render(request, "tiers/partials/discount_hint.html", {"hint": read_discount(typed)})


@owner_required
@require_http_methods(["GET", "POST"])
def tier_deactivate_view(request, pk):
    tier = get_object_or_404(Tier, pk=pk, is_active=True)
    error = None
    if request.method == "POST":
        try:
            moved = ladder.deactivate_tier(tier=tier, by=request.user)
        except LoyaltyError as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _("%(tier)s is deactivated; %(count)s members moved.")
                % {"tier": tier.display_name, "count": sum(moved.values())},
            )
            return redirect("tiers:list")
    moves = []
    if error is None:
        try:
            moves = ladder.deactivation_moves(tier=tier)
        except LoyaltyError as refusal:
            error = refusal.message
    return render(
        request,
        "tiers/tier_deactivate.html",
        {"tier": tier, "moves": moves, "error": error},
        status=400 if error else 200,
    )


@owner_required
@require_http_methods(["GET", "POST"])
def programme_view(request):
    programme = TierProgramme.current()
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            ladder.save_programme(by=request.user, **form.cleaned_data)
        except LoyaltyError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Programme settings saved."))
            return redirect("tiers:apply")
    status = 400 if request.method == "POST" else 200
    return render(request, "tiers/programme_form.html", {"form": form}, status=status)


def _apply_thresholds(tiers, thresholds):
    proposed = []
    for tier in tiers:
        copy = Tier(**{name: getattr(tier, name) for name in TIER_FIELDS})
        copy.pk = tier.pk
        for name, value in thresholds.get(tier.pk, {}).items():
            setattr(copy, name, value)
        proposed.append(copy)
    return proposed


@owner_required
@require_http_methods(["GET", "POST"])
def preview_view(request):
    """Thresholds for the whole ladder, with members per tier today and under
    the proposal, the revenue each tier holds, and suggested thresholds."""
    tiers = list(Tier.objects.active().order_by("rank"))
    data = request.POST or None
    if request.method == "POST" and "use_suggestions" in request.POST:
        suggestions = selectors.ladder_preview(tiers).suggestions
        data = request.POST.copy()
        for tier in tiers:
            if tier.rank in suggestions:
                data[f"t{tier.pk}_qualify_window_spend"] = str(suggestions[tier.rank])
    form = ThresholdsForm(data, tiers=tiers)
    proposed = tiers
    status = 200
    if request.method == "POST":
        if form.is_valid():
            proposed = _apply_thresholds(tiers, form.thresholds())
            if "save" in request.POST:
                try:
                    ladder.save_thresholds(thresholds=form.thresholds(), by=request.user)
                except LoyaltyError as error:
                    _form_error(form, error)
                else:
                    messages.success(request, _("Thresholds saved."))
                    return redirect("tiers:apply")
        if form.errors:
            status = 400
    try:
        ladder.validate_ladder(proposed)
        problem = None
    except LoyaltyError as error:
        problem = error.message
    return render(
        request,
        "tiers/preview.html",
        {
            "form": form,
            "preview": selectors.ladder_preview(proposed) if tiers else None,
            "problem": problem,
            "programme": TierProgramme.current(),
        },
        status=status,
    )


@owner_required
@require_http_methods(["GET", "POST"])
def set_tier_view(request, member_pk):
    member = get_object_or_404(Member.objects.select_related("tier"), pk=member_pk)
    form = SetTierForm(
        request.POST or None,
        initial={"tier": member.tier_id, "pinned_until": member.tier_pinned_until},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_tier(member=member, by=request.user, **form.cleaned_data)
        except LoyaltyError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Tier changed."))
            return redirect("members:detail", pk=member.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "tiers/set_tier.html", {"form": form, "member": member}, status=status)


@owner_required
@require_http_methods(["GET", "POST"])
def apply_view(request):
    """What applying the rules in force would do now, per tier, and the
    button that does it; a refused apply shows the counts as they are now."""
    error, status = None, 200
    if request.method == "POST":
        form = RulesApplyForm(request.POST)
        if form.is_valid():
            try:
                application = rules_now.start_rules_apply(
                    rules_version_seen=form.cleaned_data["rules_version"],
                    as_of=form.cleaned_data["as_of"],
                    by=request.user,
                )
            except LoyaltyError as refusal:
                error, status = refusal.message, 409
            else:
                return redirect("tiers:application", pk=application.pk)
        else:
            error, status = _("These counts are out of date: check them again and apply."), 400
    plan = rules_now.plan_rules_now()
    return render(
        request,
        "tiers/apply.html",
        {
            "plan": plan,
            "rows": rules_now.plan_rows(plan),
            "form": RulesApplyForm(
                initial={"rules_version": plan.rules_version, "as_of": plan.as_of}
            ),
            "error": error,
            "programme": TierProgramme.current(),
            "running": RulesApplication.objects.filter(
                status=RulesApplication.Status.RUNNING
            ).first(),
            "recent": RulesApplication.objects.select_related("by")[:5],
        },
        status=status,
    )


def _application_context(application):
    outcome = rules_now.application_outcome(application)
    return {
        "application": application,
        "outcome": outcome,
        "rows": rules_now.plan_rows(outcome, with_counts=False),
        "progress": rules_now.application_progress(application),
        "interrupted": rules_now.is_interrupted(application),
    }


@owner_required
@require_GET
def application_view(request, pk):
    application = get_object_or_404(RulesApplication.objects.select_related("by"), pk=pk)
    return render(request, "tiers/application.html", _application_context(application))


@owner_required
@require_GET
def application_progress_view(request, pk):
    """The progress bar, polled by htmx; once the work is done the page reloads."""
    application = get_object_or_404(RulesApplication, pk=pk)
    if not application.is_running or rules_now.is_interrupted(application):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "tiers/partials/apply_progress.html", _application_context(application))

"""The owner's messages to a segment: write, preview, schedule, results;
and the members' own doors out (the unsubscribe link, an SMS reply)."""

import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from automation import opt_out
from automation import segment_messages as service
from automation.segment_message_forms import SegmentMessageForm
from automation.segment_results import UPLIFT_DAYS, message_results
from config.errors import LoyaltyError
from config.roles import owner_required
from members.selectors import single_member
from segments.models import SegmentMessage
from segments.selectors import segment_members


@owner_required
@require_GET
def message_list_view(request):
    items = SegmentMessage.objects.select_related("segment")
    return render(request, "automation/segment_messages.html", {"items": items})


def _preview_member(message, text):
    """The member a preview is for: the one typed, else the segment's first."""
    if text:
        return single_member(text)
    return segment_members(message.segment.criteria).select_related("tier").order_by("pk").first()


@owner_required
@require_http_methods(["GET", "POST"])
def message_edit_view(request, pk=None):
    """Write or change a draft; once saved, its reach and a preview show."""
    message = get_object_or_404(SegmentMessage, pk=pk) if pk else None
    if message is not None and message.status != SegmentMessage.Status.DRAFT:
        return redirect("automation:segment_message_results", pk=message.pk)
    initial = {} if message else {"send_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = SegmentMessageForm(request.POST or None, instance=message, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        segment = fields.pop("segment")
        try:
            saved = service.save_message(
                message=message, segment=segment, fields=fields, by=request.user
            )
        except LoyaltyError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Message saved. Check the preview, then schedule it."))
            return redirect("automation:segment_message_edit", pk=saved.pk)
    context = {"form": form, "item": message}
    if message is not None:
        context["reach"] = service.reach(message)
        context.update(_preview(message, request.GET.get("member", "")))
    return render(
        request, "automation/segment_message_form.html", context, status=400 if form.errors else 200
    )


def _preview(message, text) -> dict:
    member = _preview_member(message, text)
    if member is None:
        return {"preview_member_text": text, "preview_missing": True}
    return {
        "preview_member_text": text,
        "preview_member": member,
        "preview": service.render_for(message, member),
    }


@owner_required
@require_GET
def message_preview_view(request, pk):
    """The message as one member would read it (an htmx swap)."""
    message = get_object_or_404(SegmentMessage, pk=pk)
    return render(
        request,
        "automation/partials/segment_message_preview.html",
        _preview(message, request.GET.get("member", "")),
    )


@owner_required
@require_POST
def message_schedule_view(request, pk):
    message = get_object_or_404(SegmentMessage, pk=pk)
    try:
        service.schedule_message(message=message, by=request.user)
    except LoyaltyError as error:
        messages.error(request, error.message)
        return redirect("automation:segment_message_edit", pk=message.pk)
    messages.success(request, _("Scheduled. The members are being chosen and queued."))
    return redirect("automation:segment_message_results", pk=message.pk)


@owner_required
@require_GET
def message_results_view(request, pk):
    message = get_object_or_404(SegmentMessage.objects.select_related("segment"), pk=pk)
    return render(
        request,
        "automation/segment_message_results.html",
        {"item": message, "results": message_results(message), "days": UPLIFT_DAYS},
    )


# --- the members' doors out (no log-in) ---------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token):
    """The link in every email to a segment: one button turns emails off."""
    member = opt_out.member_for_token(token)
    if member is None:
        return render(request, "automation/unsubscribe.html", {"invalid": True}, status=404)
    done = member.email_opt_out
    if request.method == "POST":
        opt_out.record_opt_out(member=member, channel="email")
        done = True
    return render(request, "automation/unsubscribe.html", {"done": done})


@csrf_exempt
@login_not_required
@require_POST
def sms_reply_view(request):
    """The SMS provider posts a member's reply here (fields `from` and
    `text`, header X-Reply-Token); a stop word turns their SMS off."""
    expected = settings.SMS_REPLY_TOKEN
    given = request.headers.get("X-Reply-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponse(status=403)
    member = opt_out.handle_sms_reply(
        phone=request.POST.get("from", ""), text=request.POST.get("text", "")
    )
    return JsonResponse({"opted_out": member is not None})

"""The member list as CSV or XLSX: the columns the import reads back, then
what the list shows besides (tier, stage, last purchase).

Written by config.spreadsheets, which escapes text a spreadsheet would run
as a formula (the import strips the apostrophe again). CSV is UTF-8 with a
BOM so Excel opens Chinese correctly; in XLSX numbers and dates are real
numbers and dates.
"""

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from config import spreadsheets
from config.clock import shop_today
from members.columns import EXPORT_ORDER, column_label
from members.models import LifecycleRules, Member
from members.phones import display_phone
from members.selectors import STAGES, lifecycle_stage

# What the list shows besides the columns the import reads: written for the
# reader, passed over by an import of the file (its preview lists them as
# ignored columns).
LIST_ONLY = [_("Stage"), _("Last purchase")]

CHUNK = 2000


def _gender_labels():
    return dict(Member.Gender.choices)


def header_row() -> list:
    return [column_label(name) for name in EXPORT_ORDER] + [str(label) for label in LIST_ONLY]


def member_cells(member, genders, stage_of) -> list:
    """One member's cells in EXPORT_ORDER then LIST_ONLY, typed (dates, ints,
    Decimals); `stage_of(member)` names the lifecycle stage."""
    return [
        member.member_number,
        display_phone(member.phone),
        member.name,
        member.email,
        member.birthday,
        str(genders.get(member.gender, "")) if member.gender else "",
        member.joined_on,
        member.notes,
        member.points_balance,
        member.lifetime_spend,
        member.tier.display_name,
        stage_of(member),
        # As the list shows it: the last sale here, else the one brought in.
        member.last_purchase_on,
    ]


def _stage_labels():
    """member → their stage's label, with the rules and the day read once."""
    rules, today = LifecycleRules.current(), shop_today()
    labels = {key: str(label) for key, label in STAGES.items()}
    return lambda member: labels[lifecycle_stage(member, today=today, rules=rules)]


def _rows(queryset):
    genders, stage_of = _gender_labels(), _stage_labels()
    for member in queryset.select_related("tier").order_by("pk").iterator(chunk_size=CHUNK):
        yield member_cells(member, genders, stage_of)


def csv_chunks(queryset):
    """The CSV, piece by piece, for a streaming response (UTF-8 with BOM)."""
    return spreadsheets.csv_chunks(header_row(), _rows(queryset))


def write_xlsx(queryset):
    """An XLSX file (a temporary file, rewound) written row by row."""
    title = translation.gettext("Members")
    return spreadsheets.xlsx_file(title=title, header=header_row(), rows=_rows(queryset))


def file_response(queryset, file_format):
    """The download of `queryset`'s members: "xlsx" or CSV (streamed)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "xlsx":
        return FileResponse(
            write_xlsx(queryset),
            as_attachment=True,
            filename=f"members-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(csv_chunks(queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return response

"""The member list as CSV or XLSX: the columns the import reads back (with
two or more stores, the home store too), then what the list shows besides
(stage, last purchase).

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
from members.columns import EXPORT_ORDER, EXPORT_STORE, column_label
from members.models import LifecycleRules, Member
from members.phones import display_phone
from members.selectors import STAGES, lifecycle_stage
from stores.selectors import has_many_stores

# What the list shows besides the columns the import reads: written for the
# reader, passed over by an import of the file (its preview lists them as
# ignored columns).
LIST_ONLY = [_("Stage"), _("Last purchase")]

CHUNK = 2000


def _gender_labels():
    return dict(Member.Gender.choices)


def header_row(*, with_store=False) -> list:
    columns = EXPORT_ORDER + ([EXPORT_STORE] if with_store else [])
    return [column_label(name) for name in columns] + [str(label) for label in LIST_ONLY]


def member_cells(member, genders, stage_of, *, with_store=False) -> list:
    """One member's cells in EXPORT_ORDER (then the home store, `with_store`)
    then LIST_ONLY, typed (dates, ints, Decimals); `stage_of(member)` names
    the lifecycle stage."""
    cells = [
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
    ]
    if with_store:
        cells.append(member.home_store.display_name if member.home_store else "")
    return [
        *cells,
        stage_of(member),
        # As the list shows it: the last sale here, else the one brought in.
        member.last_purchase_on,
    ]


def _stage_labels():
    """member → their stage's label, with the rules and the day read once."""
    rules, today = LifecycleRules.current(), shop_today()
    labels = {key: str(label) for key, label in STAGES.items()}
    return lambda member: labels[lifecycle_stage(member, today=today, rules=rules)]


def _rows(queryset, with_store):
    genders, stage_of = _gender_labels(), _stage_labels()
    related = ("tier", "home_store") if with_store else ("tier",)
    for member in queryset.select_related(*related).order_by("pk").iterator(chunk_size=CHUNK):
        yield member_cells(member, genders, stage_of, with_store=with_store)


def csv_chunks(queryset, *, with_store=False):
    """The CSV, piece by piece, for a streaming response (UTF-8 with BOM)."""
    header = header_row(with_store=with_store)
    return spreadsheets.csv_chunks(header, _rows(queryset, with_store))


def write_xlsx(queryset, *, with_store=False):
    """An XLSX file (a temporary file, rewound) written row by row."""
    title = translation.gettext("Members")
    header = header_row(with_store=with_store)
    return spreadsheets.xlsx_file(title=title, header=header, rows=_rows(queryset, with_store))


def file_response(queryset, file_format):
    """The download of `queryset`'s members: "xlsx" or CSV (streamed)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    with_store = has_many_stores()  # a single shop's file has no store column
    if file_format == "xlsx":
        return FileResponse(
            write_xlsx(queryset, with_store=with_store),
            as_attachment=True,
            filename=f"members-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(
        csv_chunks(queryset, with_store=with_store), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return response

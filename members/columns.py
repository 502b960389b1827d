"""Which column of a customer file holds what: header names in English and Chinese."""

import re
import unicodedata

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The columns we read, with the label the export writes (translated, so a
# file exported in any language comes back in) and the names other systems use.
COLUMNS = {
    "member_number": (
        _("Member number"),
        "member number|member no|member id|card number|card no|membership number|"
        "會員編號|会员编号|會員號碼|会员号码|會員號|会员号|會員卡號|会员卡号|卡號|卡号|編號|编号",
    ),
    "phone": (
        _("Phone"),
        "phone|phone number|mobile|mobile number|mobile phone|cell|cellphone|tel|telephone|"
        "手機|手机|手機號碼|手机号码|手機號|手机号|電話|电话|電話號碼|电话号码|行動電話|"
        "移动电话|聯絡電話|联系电话|聯繫電話",
    ),
    "name": (
        pgettext_lazy("person", "Name"),
        "name|full name|customer name|member name|customer|姓名|名字|會員姓名|会员姓名|"
        "客戶姓名|客户姓名|客戶名稱|客户名称|顧客姓名|顾客姓名|名稱|名称",
    ),
    "email": (
        _("Email"),
        "email|e-mail|email address|mail|電子郵件|电子邮件|電子信箱|電郵|邮箱|郵箱|信箱",
    ),
    "birthday": (
        _("Birthday"),
        "birthday|birth date|date of birth|dob|birthdate|生日|出生日期|出生年月日|生日日期",
    ),
    "gender": (_("Gender"), "gender|sex|性別|性别"),
    "joined_on": (
        _("Joined"),
        "joined|joined on|join date|date joined|since|member since|入會日期|入会日期|"
        "加入日期|註冊日期|注册日期|開卡日期|开卡日期|入會時間|入会时间",
    ),
    "notes": (_("Notes"), "notes|note|remarks|remark|comment|備註|备注|備註欄|备注栏|說明|说明"),
    "points": (
        _("Points"),
        "points|points balance|point balance|balance|積分|积分|點數|点数|紅利點數|红利点数|"
        "紅利|红利|剩餘點數|剩余点数|積分餘額|积分余额",
    ),
    "lifetime_spend": (
        _("Lifetime spend"),
        "lifetime spend|total spend|total spent|spend|累計消費|累计消费|消費金額|消费金额|"
        "累計消費金額|累计消费金额|消費總額|消费总额",
    ),
}

REQUIRED = ("phone", "name")
EXPORT_ORDER = list(COLUMNS)

_NOISE = re.compile(r"[\s_\-.:：*()（）]+")


def header_key(text) -> str:
    """Header text folded for matching: width, case, spaces and punctuation."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return _NOISE.sub("", text)


def _aliases() -> dict:
    aliases = {}
    for field, (label, names) in COLUMNS.items():
        for name in names.split("|"):
            aliases[header_key(name)] = field
        for language in ("en", "zh-hant", "zh-hans"):
            with translation.override(language):
                aliases.setdefault(header_key(str(label)), field)
        aliases.setdefault(header_key(field), field)
    return aliases


_ALIASES = None


def match_headers(headers) -> tuple[dict, list]:
    """{field: column index} for the headers we know, and the headers we ignore.

    The first column that matches a field wins; a later one is ignored.
    """
    global _ALIASES
    if _ALIASES is None:
        _ALIASES = _aliases()
    mapping, ignored = {}, []
    for index, header in enumerate(headers):
        field = _ALIASES.get(header_key(header))
        if field and field not in mapping:
            mapping[field] = index
        elif str(header or "").strip():
            ignored.append(str(header))
    return mapping, ignored


def column_label(field) -> str:
    return str(COLUMNS[field][0])

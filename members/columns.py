"""Which column of a customer file holds what: header names in English and Chinese."""

import hashlib
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
    # A name in two columns (Shopify, Square): joined in the order its script
    # writes it (importing.rows.joined_name).
    "last_name": (
        _("Family name"),
        "last name|lastname|surname|family name|姓|姓氏",
    ),
    "first_name": (
        _("Given name"),
        "first name|firstname|given name|forename",
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
        "加入日期|註冊日期|注册日期|開卡日期|开卡日期|入會時間|入会时间|"
        "customer since|created at|registered|注册时间|註冊時間|加入時間|加入时间",
    ),
    # The first purchase the earlier system knew of: the joining date when
    # the file has no joining date of its own.
    "first_visit": (
        _("First purchase"),
        "first visit|first purchase|first purchase date|first order|first order date|"
        "首次消費|首次消费|首次消費日|首次消费日|首次消費日期|首次消费日期|首次消費時間|首次消费时间|"
        "首次來店|首次来店",
    ),
    "notes": (
        _("Notes"),
        "notes|note|remarks|remark|comment|memo|備註|备注|備註欄|备注栏|說明|说明|備忘|备忘",
    ),
    "points": (
        _("Points"),
        "points|points balance|point balance|balance|積分|积分|點數|点数|紅利點數|红利点数|"
        "紅利|红利|剩餘點數|剩余点数|積分餘額|积分余额",
    ),
    "lifetime_spend": (
        _("Lifetime spend"),
        "lifetime spend|total spend|total spent|spend|amount spent|累計消費|累计消费|消費金額|"
        "消费金额|累計消費金額|累计消费金额|消費總額|消费总额|累積消費|累积消费|累積消費金額|"
        "累积消费金额",
    ),
    # All the purchases the earlier system counted (orders, visits), and the
    # day of the last one: the member's opening figures.
    "purchases": (
        _("Purchases"),
        "purchases|purchase count|number of purchases|total purchases|orders|total orders|"
        "order count|number of orders|transactions|transaction count|number of transactions|"
        "visits|visit count|number of visits|total visits|消費次數|消费次数|購買次數|购买次数|"
        "累計消費次數|累计消费次数|累積消費次數|累积消费次数|來店次數|来店次数|到店次數|到店次数|"
        "訂單數|订单数|訂單數量|订单数量|交易次數|交易次数",
    ),
    "last_purchase": (
        _("Last purchase"),
        "last purchase|last purchase date|last visit|last visit date|last order|"
        "last order date|last transaction|last transaction date|最近消費|最近消费|最近消費時間|"
        "最近消费时间|最近消費日期|最近消费日期|最後消費|最后消费|最後消費日|最后消费日|最後消費日期|"
        "最后消费日期|最後消費時間|最后消费时间|最後來店日|最后来店日|最近來店|最近来店",
    ),
    # Figures from the earlier system for the qualifying window, and the day
    # they are as of; the tier the member had there (see importing.placement).
    "window_spend": (
        _("Spend in the window"),
        "spend in the window|window spend|spend in window|12 month spend|12-month spend|"
        "spend last 12 months|annual spend|yearly spend|year spend|"
        "近一年消費|近一年消费|近一年消費金額|近一年消费金额|近12個月消費|近12个月消费|"
        "近十二個月消費|近十二个月消费|年度消費|年度消费|年度消費金額|年度消费金额|"
        "年消費額|年消费额|一年內消費|一年内消费|期間消費|期间消费|窗口期消費|窗口期消费",
    ),
    "window_purchases": (
        _("Purchases in the window"),
        "purchases in the window|window purchases|purchases in window|12 month purchases|"
        "purchases last 12 months|annual purchases|yearly purchases|visits in the window|"
        "近一年消費次數|近一年消费次数|近12個月消費次數|近12个月消费次数|年度消費次數|"
        "年度消费次数|年度來店次數|年度来店次数|近一年來店次數|近一年来店次数|"
        "期間消費次數|期间消费次数|窗口期消費次數|窗口期消费次数",
    ),
    "figures_as_of": (
        _("Figures as of"),
        "figures as of|as of|as of date|as at|data as of|statistics date|"
        "統計日期|统计日期|截止日期|截至日期|資料日期|数据日期|結算日期|结算日期|"
        "數據截至|数据截至|資料截至",
    ),
    "tier": (
        _("Tier"),
        "tier|tier name|level|member level|membership level|membership tier|member tier|"
        "grade|vip level|會員等級|会员等级|等級|等级|會員級別|会员级别|級別|级别|"
        "會員卡別|会员卡别|卡別|卡别|VIP等級|VIP等级|會員層級|会员层级",
    ),
    # Whether the member accepts marketing messages by each channel (yes / no,
    # subscribed / unsubscribed…): "no" sets the member's opt-out.
    "email_consent": (
        _("Accepts email marketing"),
        "accepts email marketing|email subscription status|email marketing|"
        "email subscription|email consent|accepts email|接收電子郵件|接收电子邮件|"
        "電子報|电子报|願意接收電子郵件|愿意接收电子邮件",
    ),
    "sms_consent": (
        _("Accepts SMS marketing"),
        "accepts sms marketing|sms subscription status|sms marketing|sms subscription|"
        "sms consent|accepts sms|text message marketing|接收簡訊|接收短信|願意接收簡訊|"
        "愿意接收短信|簡訊行銷|短信营销",
    ),
    # Tags the earlier system gave the customer ("VIP, perm client"): each
    # name found among the shop's tags or made one (members.tags).
    "tags": (
        _("Tags"),
        "tags|tag|customer tags|labels|標籤|标签|會員標籤|会员标签|客戶標籤|客户标签",
    ),
    # The member's home store in a chain, by its name in any language
    # (stores.Store): the store they joined at.
    "store": (
        _("Home store"),
        "store|store name|home store|branch|branch name|門市|门市|門店|门店|分店|店舖|店铺|"
        "店鋪|入會門市|入会门市|入会门店|入會門店|所屬門市|所属门市|所屬門店|所属门店|開卡門市|开卡门店",
    ),
}

REQUIRED = ("phone", "name")
# Columns that stand in for a required one: a name split in two.
STANDS_IN = {"name": ("last_name", "first_name")}
# What the export writes: the member record, its cached figures and its
# tier (read back, the tier changes nothing for a member already registered).
# The figures brought in are read on import, not written back.
EXPORT_ORDER = [
    "member_number",
    "phone",
    "name",
    "email",
    "birthday",
    "gender",
    "joined_on",
    "notes",
    "points",
    "lifetime_spend",
    "tier",
]
# Written after them with two or more stores: the member's home store, by
# the name the reader's language shows (the import knows every name).
EXPORT_STORE = "store"

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


def match_headers(headers, chosen=None) -> tuple[dict, list]:
    """{field: column index} for the headers we know, and the headers we ignore.

    `chosen`: {column index: field, or "" to ignore} the owner chose; they
    win over the header's name, and a column whose name says a field chosen
    for another column is ignored. Otherwise the first column that matches
    a field wins; a later one is ignored.
    """
    global _ALIASES
    if _ALIASES is None:
        _ALIASES = _aliases()
    chosen = chosen or {}
    taken = {field for field in chosen.values() if field}
    mapping, ignored = {}, []
    for index, header in enumerate(headers):
        if index in chosen:
            field = chosen[index] or None
        else:
            field = _ALIASES.get(header_key(header))
            if field in taken:
                field = None
        if field and field not in mapping:
            mapping[field] = index
        elif str(header or "").strip():
            ignored.append(str(header))
    return mapping, ignored


def header_signature(headers) -> str:
    """The same for two header rows that differ only in width, case, spaces
    and punctuation: what an owner's choice of columns is remembered by."""
    folded = "\x1f".join(header_key(header) for header in headers)
    return hashlib.sha256(folded.encode()).hexdigest()


def column_fields(headers, mapping) -> list:
    """The field each column is read as, "" for the ignored ones."""
    by_index = {index: field for field, index in mapping.items()}
    return [by_index.get(index, "") for index in range(len(headers))]


def missing_required(mapping) -> list:
    """The required fields `mapping` has no column for (nor a stand-in)."""
    return [
        name
        for name in REQUIRED
        if name not in mapping and not any(part in mapping for part in STANDS_IN.get(name, ()))
    ]


def column_label(field) -> str:
    return str(COLUMNS[field][0])

"""No absurd input gives a server error: generated values (huge and negative
numbers, full-width and foreign digits, odd Unicode, dates of year 1 and
9999, empty and very long text) posted to every owner form and counter
endpoint, and sent as their query strings, as an owner.

The endpoints come from the URL conf; each form's field names from the
pages of its app (a counter sale's fields are drawn on the member card, not
on the sale's own address). Any 500 raises in the test client.
"""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api.keys import create_api_key
from api.webhooks import register_webhook
from config.clock import shop_today
from points.models import Purchase
from rewards.services import redeem_reward
from segments.services import save_segment
from tests.factories import (
    CampaignFactory,
    LedgerEntryFactory,
    MemberFactory,
    PurchaseFactory,
    RewardFactory,
    StoreFactory,
)

# The owner's and the counter's apps (URL namespaces), and the member pages' settings.
NAMESPACES = {
    "counter",
    "members",
    "points",
    "tiers",
    "rewards",
    "campaigns",
    "dashboard",
    "importing",
    "automation",
    "portal_staff",
    "segments",
    "stores",
    "loyalty",
    "api",
    "shop",
}

ABSURD = [
    "",
    " ",
    "0",
    "-1",
    "-2147483649",
    "2147483648",
    "3000000000",
    "9223372036854775808",
    "1" * 40,
    "1e309",
    "-1E+999999",
    "NaN",
    "sNaN",
    "Infinity",
    "１２３",
    "－５",
    "٣٤",
    "²",
    "፩",
    "𐩀",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2201-01-01",
    "10000-01-01",
    "2026-02-30",
    "\u202eevil\u200b",
    "\x00",
    '=HYPERLINK("http://x")',
    "a" * 5000,
    "陳" * 300,
    "99.999",
    "5折",
    "1,000,000,000,000",
    "on",
]

# The values that break a field's own parsing: numbers, digits, dates, Unicode.
FIELD_VALUES = [
    "-1",
    "3000000000",
    "9223372036854775808",
    "1e309",
    "NaN",
    "１２３",
    "٣٤",
    "²",
    "፩",
    "𐩀",
    "0001-01-01",
    "9999-12-31",
    "\u202eevil\u200b",
    "\x00",
]

VALUES = st.one_of(
    st.sampled_from(ABSURD),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
    st.text(max_size=30),
)

EXAMPLES = 6
SKIP = {"counter:receipt"}  # reads only its pk; a GET page without a form


def _patterns(resolver, namespace=None, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, entry.namespace or namespace, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry


def _endpoints():
    found = []
    for namespace, entry in _patterns(get_resolver()):
        if namespace is None and entry.name == "shop_settings":
            found.append(("shop:settings", ()))
            continue
        if namespace in NAMESPACES:
            name = f"{namespace}:{entry.name}"
            if name not in SKIP:
                found.append((name, tuple(entry.pattern.converters)))
    return sorted(set(found))


ENDPOINTS = _endpoints()


@pytest.fixture
def shop(tiers, owner):
    today = shop_today()
    member = MemberFactory(name="陳美玲", points_balance=500)
    LedgerEntryFactory(member=member, points=500, remaining=500)
    sale = PurchaseFactory(member=member, gross_amount=Decimal("100"), amount_paid=Decimal("100"))
    reward = RewardFactory(points_cost=100)
    redemption = redeem_reward(member=member, reward=reward, idempotency_key="absurd-1")
    campaign = CampaignFactory(starts_on=today - timedelta(days=3))
    segment = save_segment(name="Regulars", criteria={"q": "陳"}, by=owner)
    store = StoreFactory(name="Mall")
    api_key, _text = create_api_key(name="Till 1", scopes=["sell"], by=owner)
    webhook = register_webhook(url="https://example.com/hook", events=["sale.recorded"], by=owner)
    return {
        "segment": segment,
        "store": store,
        "api_key": api_key,
        "webhook": webhook,
        "member": member,
        "sale": sale,
        "reward": reward,
        "redemption": redemption,
        "campaign": campaign,
        "tier": tiers["silver"],
    }


def _url(name, converters, shop):
    """The endpoint's address, pointing at the shop's own rows (or a missing one)."""
    if name == "shop:settings":
        return reverse("shop_settings")
    if not converters:
        return reverse(name)
    app, view = name.split(":")
    kwargs = {}
    for key in converters:
        if key == "job":
            kwargs[key] = "points_expiry"
        elif key == "figure":
            kwargs[key] = "campaigns"
        elif key == "token":
            kwargs[key] = "x"
        elif app in ("counter", "points", "members", "portal_staff") and view not in (
            "undo",
            "receipt",
        ):
            kwargs[key] = shop["member"].pk
        elif view in ("undo", "receipt"):
            kwargs[key] = shop["sale"].pk
        elif app == "rewards" and view in ("member_catalogue", "redeem"):
            kwargs[key] = shop["member"].pk
        elif app == "rewards" and view in ("fulfil", "cancel"):
            kwargs[key] = shop["redemption"].pk
        elif app == "rewards":
            kwargs[key] = shop["reward"].pk
        elif app == "campaigns":
            kwargs[key] = shop["campaign"].pk
        elif app == "tiers" and key == "member_pk":
            kwargs[key] = shop["member"].pk
        elif app == "tiers" and view in ("edit", "deactivate"):
            kwargs[key] = shop["tier"].pk
        elif app == "segments":
            kwargs[key] = shop["segment"].pk
        elif app == "stores":
            kwargs[key] = shop["store"].pk
        elif app == "api" and view == "revoke":
            kwargs[key] = shop["api_key"].pk
        elif app == "api" and view in ("webhook", "webhook_active"):
            kwargs[key] = shop["webhook"].pk
        else:
            kwargs[key] = 999999  # no such row: a 404, never a 500
    return reverse(name, kwargs=kwargs)


_IGNORED = {"csrfmiddlewaretoken", "file", "image", "language", "next"}


class _FormValues(HTMLParser):
    """name -> value of every field a page draws, as a browser would post it."""

    def __init__(self):
        super().__init__()
        self.values = {}
        self._select = self._textarea = None

    def _keep(self, name, value):
        # None: a box left unticked, which a browser leaves out of the post.
        if name and name not in _IGNORED and self.values.get(name) in (None, ""):
            self.values[name] = value

    def handle_starttag(self, tag, attrs):  # noqa: C901 (one branch per kind of field)
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                self._keep(name, attrs.get("value", "on") if "checked" in attrs else None)
            elif kind not in ("submit", "button", "file"):
                self._keep(name, attrs.get("value") or "")
        elif tag == "select":
            self._select = name
            self._keep(name, "")
        elif tag == "option" and self._select not in (None, *_IGNORED) and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self._keep(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] = self.values.get(self._textarea, "") + data


def _pages(client, shop, app):
    """{endpoint name: HTML} of the app's pages that answer a GET."""
    pages = {}
    for name, converters in ENDPOINTS:
        if name.split(":")[0] == app:
            response = client.get(_url(name, converters, shop), headers={"HX-Request": "true"})
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                pages[name] = response.content.decode()
    return pages


def _baseline(pages, name):
    """A plausible post for the endpoint: the values its app's pages show
    (an edit page first, then its own page, which may be a blank "new"
    one), so that one absurd value is what the form has to refuse."""
    parser = _FormValues()
    for page in sorted(pages, key=lambda page: (not page.endswith("edit"), page != name)):
        parser.feed(pages[page])
    return {field: value for field, value in parser.values.items() if value is not None}


def _check_endpoint(client, url, baseline, name):
    fields = sorted(baseline)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: a failure names its values already, and it stays fast.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def check(data):
        values = dict(baseline)
        if fields:
            # Mostly one or two absurd fields in an otherwise sensible form, so
            # the form gets past its easy checks; sometimes every field.
            chosen = data.draw(
                st.one_of(
                    st.sets(st.sampled_from(fields), min_size=1, max_size=2),
                    st.just(set(fields)),
                ),
                label="fields",
            )
            for field in sorted(chosen):
                values[field] = data.draw(VALUES, label=field)
        headers = {"HX-Request": "true"} if data.draw(st.booleans(), label="htmx") else {}
        response = client.post(url, values, headers=headers)
        assert response.status_code < 500, (name, values)
        response = client.get(url, values, headers=headers)
        assert response.status_code < 500, (name, values)

    check()


APPS = sorted({name.split(":")[0] for name, _converters in ENDPOINTS})


@pytest.mark.parametrize("app", APPS)
def test_absurd_input_never_gives_a_server_error(owner_client, shop, app, english):
    pages = _pages(owner_client, shop, app)
    endpoints = [(name, converters) for name, converters in ENDPOINTS if name.startswith(f"{app}:")]
    assert endpoints and pages  # the app's addresses were found, and some answer
    for name, converters in endpoints:
        url = _url(name, converters, shop)
        baseline = _baseline(pages, name)
        _check_endpoint(owner_client, url, baseline, name)
        # Each field is read on its own, so one value in every field at once
        # tries every field's parsing with every value, in few requests.
        for value in FIELD_VALUES:
            every = dict.fromkeys(baseline, value)
            assert owner_client.post(url, every).status_code < 500, (name, value)
            if name in pages:
                assert owner_client.get(url, every).status_code < 500, (name, value)


@pytest.mark.parametrize("value", ABSURD)
def test_every_absurd_value_in_every_field_of_the_sale(owner_client, shop, value, english):
    """The counter's sale and quote with one absurd value in each field in turn."""
    member = shop["member"]
    for view in ("counter:quote", "counter:sale"):
        url = reverse(view, args=[member.pk])
        for field in ("amount", "points_to_redeem", "coupon"):
            form = {"amount": "100", "points_to_redeem": "", "coupon": "", field: value}
            form["idempotency_key"] = f"absurd-{view}-{field}-{ABSURD.index(value)}"
            response = owner_client.post(url, form, headers={"HX-Request": "true"})
            assert response.status_code < 500
    assert Purchase.objects.filter(member=member).count() >= 1

from django.contrib.auth.models import Group
from django.urls import reverse

from config.roles import OWNER, STAFF


def test_migration_created_both_groups(db):
    owner = Group.objects.get(name=OWNER)
    staff = Group.objects.get(name=STAFF)
    assert owner.permissions.filter(codename="change_tier").exists()
    assert staff.permissions.filter(codename="add_member").exists()
    assert not staff.permissions.filter(codename="change_tier").exists()


def test_login_page_is_public(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_login_works(client, staff):
    response = client.post(reverse("login"), {"username": "staff", "password": "pass-for-tests"})
    assert response.status_code == 302


def test_owner_navigation_shows_admin(owner_client, tiers):
    body = owner_client.get(reverse("members:list")).content.decode()
    assert reverse("admin:index") in body


def test_staff_navigation_hides_owner_pages(staff_client, tiers):
    body = staff_client.get(reverse("members:list")).content.decode()
    assert reverse("members:list") in body
    assert reverse("admin:index") not in body


def test_staff_gets_403_page_on_admin_action(staff_client, tiers):
    response = staff_client.get(reverse("admin:tiers_tier_changelist"), follow=True)
    # Counter staff are not admin users: the admin sends them to its login,
    # which answers with the owner-only page rather than a second log-in form.
    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]


def test_admin_login_still_works_for_owners(client, owner):
    response = client.post(
        reverse("admin:login"),
        {"username": "owner", "password": "pass-for-tests", "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_login_form_shows_to_anonymous_visitors(client, db):
    assert client.get(reverse("admin:index"), follow=True).status_code == 200


def test_repeated_wrong_passwords_lock_that_user_on_that_ip(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "staff", "password": "pass-for-tests"})
    assert locked.status_code == 429
    # Another cashier on the same counter PC can still log in.
    from tests.factories import staff_user

    staff_user(username="colleague")
    other = client.post(reverse("login"), {"username": "colleague", "password": "pass-for-tests"})
    assert other.status_code == 302


def test_language_switch_to_simplified_chinese(staff_client, tiers):
    staff_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/members/"})
    body = staff_client.get(reverse("members:list")).content.decode()
    assert "会员" in body


def test_zh_tw_browser_gets_traditional(staff_client, tiers):
    body = staff_client.get(
        reverse("members:list"), headers={"accept-language": "zh-TW"}
    ).content.decode()
    assert "會員" in body


def test_language_menu_names_each_language_in_its_own_words(client, db):
    body = client.get(reverse("login"), headers={"accept-language": "zh-TW"}).content.decode()
    assert ">English</option>" in body
    assert ">简体中文</option>" in body
    assert "英語" not in body


def test_locked_out_page_is_in_chinese(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        locked = client.post(
            reverse("login"),
            {"username": "staff", "password": "wrong"},
            headers={"accept-language": "zh-hant"},
        )
    assert locked.status_code == 429
    assert "Too many" not in locked.content.decode()


def test_static_assets_are_self_hosted(staff_client, tiers):
    body = staff_client.get(reverse("members:list")).content.decode()
    assert "htmx.min.js" in body
    assert "https://" not in body.split("<body")[0]


def test_a_request_reads_the_user_with_their_roles(db, owner, staff, django_user_model):
    from config.roles import RolesBackend, is_owner, is_staff_member

    backend = RolesBackend()
    assert backend.get_user(owner.pk)._loyalty_group_names == {"Owner"}
    assert backend.get_user(staff.pk)._loyalty_group_names == {"Staff"}
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not is_staff_member(backend.get_user(nobody.pk))
    assert is_owner(backend.get_user(owner.pk))
    nobody.is_active = False
    nobody.save()
    assert backend.get_user(nobody.pk) is None
    assert backend.get_user(nobody.pk + 1000) is None


# -- behind the TLS proxy: the lockout keys on the client's own address --------


def _fail(client, username, address, times):
    for _ in range(times):
        client.post(
            reverse("login"),
            {"username": username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",  # the proxy
            HTTP_X_FORWARDED_FOR=address,
        )


def _log_in(client, username, address):
    return client.post(
        reverse("login"),
        {"username": username, "password": "pass-for-tests"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=address,
    )


def test_behind_the_proxy_nobody_elsewhere_locks_the_owner_out(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _fail(client, "owner", "203.0.113.9", settings.AXES_FAILURE_LIMIT)
    assert _log_in(client, "owner", "203.0.113.9").status_code == 429
    # The owner at the shop, through the same proxy, still gets in.
    assert _log_in(client, "owner", "198.51.100.7").status_code == 302


def test_behind_the_proxy_a_forged_header_does_not_dodge_the_lockout(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker writes a new address each time; the proxy appends the real one.
        _fail(client, "owner", f"192.0.2.{n}, 203.0.113.9", 1)
    assert _log_in(client, "owner", "192.0.2.200, 203.0.113.9").status_code == 429


def test_without_a_proxy_the_forwarded_header_is_ignored(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _fail(client, "owner", "203.0.113.9", settings.AXES_FAILURE_LIMIT)
    # Same connection address, another forged header: still locked.
    assert _log_in(client, "owner", "198.51.100.7").status_code == 429


def test_the_client_address_counts_proxies_from_the_right(rf, settings):
    from config.client_ip import client_ip_address

    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8, 10.0.0.1")
    assert client_ip_address(request) == "5.6.7.8"
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="junk, 10.0.0.1")
    assert client_ip_address(request) == "10.0.0.2"
    request = rf.get("/", REMOTE_ADDR="10.0.0.2")
    assert client_ip_address(request) == "10.0.0.2"

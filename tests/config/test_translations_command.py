"""The catalog tool fills Simplified entries from their own Traditional ones."""

import polib
from django.core.management import call_command


def _catalog(path, entries):
    path.parent.mkdir(parents=True, exist_ok=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for context, msgid, msgstr in entries:
        po.append(polib.POEntry(msgctxt=context, msgid=msgid, msgstr=msgstr))
    po.save(str(path))


def test_simplify_keeps_entries_with_a_context_apart(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    _catalog(
        tmp_path / "shop/locale/zh_Hant/LC_MESSAGES/django.po",
        [(None, "sent", "發送時間"), ("job summary", "sent", "已發送")],
    )
    _catalog(
        tmp_path / "shop/locale/zh_Hans/LC_MESSAGES/django.po",
        [(None, "sent", ""), ("job summary", "sent", "")],
    )
    call_command("translations", "simplify")
    hans = polib.pofile(str(tmp_path / "shop/locale/zh_Hans/LC_MESSAGES/django.po"))
    assert {(e.msgctxt, e.msgstr) for e in hans} == {(None, "发送时间"), ("job summary", "已发送")}

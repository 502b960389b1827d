"""Keep the two Chinese catalogs complete (a developer's tool, needs polib).

  translations missing          list msgids with no zh_Hant translation
  translations apply FILE.json  {"msgid": "繁體", "a|b plural": ["單", "複"]} into zh_Hant
  translations simplify         fill empty zh_Hans entries from zh_Hant (OpenCC tw2sp)

Run `make messages` first so the catalogs hold every string. The Simplified
text is converted with Taiwan-to-mainland phrases (登入 -> 登录, 簡訊 -> 短信),
then the words the zh_Hans glossary (locale/glossary/zh_Hans.toml) says to
avoid are replaced by its mainland words; read it over before committing.
"""

import json
import tomllib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def mainland_terms():
    """{Taiwan word: mainland word}: what OpenCC leaves in its Taiwan form and
    mainland shops say otherwise, as the zh_Hans glossary lists them."""
    # The repository's glossary, wherever the catalogs being filled live.
    path = Path(__file__).resolve().parents[3] / "locale" / "glossary" / "zh_Hans.toml"
    return {"寬限": "宽限", **tomllib.loads(path.read_text(encoding="utf-8"))["avoid"]}


def catalogs(language):
    root = Path(settings.BASE_DIR)
    for path in sorted(root.glob(f"*/locale/{language}/LC_MESSAGES/django.po")) + sorted(
        root.glob(f"locale/{language}/LC_MESSAGES/django.po")
    ):
        if ".venv" not in path.parts:
            yield path


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["missing", "apply", "simplify"])
        parser.add_argument("file", nargs="?")

    def handle(self, *args, action, file=None, **options):
        try:
            import polib
        except ImportError as error:
            raise CommandError("pip install polib (a dev dependency)") from error
        if action == "missing":
            for path in catalogs("zh_Hant"):
                po = polib.pofile(str(path))
                for entry in po.untranslated_entries() + po.fuzzy_entries():
                    self.stdout.write(json.dumps(entry.msgid, ensure_ascii=False))
        elif action == "apply":
            if not file:
                raise CommandError("apply needs a JSON file")
            memory = json.loads(Path(file).read_text(encoding="utf-8"))
            for path in catalogs("zh_Hant"):
                po = polib.pofile(str(path))
                for entry in po:
                    if entry.msgid_plural:
                        value = memory.get(entry.msgid)
                        if isinstance(value, list) and not any(entry.msgstr_plural.values()):
                            entry.msgstr_plural = {0: value[0]}
                    elif isinstance(memory.get(entry.msgid), str) and (
                        not entry.msgstr or "fuzzy" in entry.flags
                    ):
                        entry.msgstr = memory[entry.msgid]
                        if "fuzzy" in entry.flags:
                            entry.flags.remove("fuzzy")
                            entry.previous_msgid = None
                po.save()
        else:
            from opencc import OpenCC

            to_mainland = OpenCC("tw2sp").convert
            terms = mainland_terms()

            def convert(text):
                text = to_mainland(text)
                for taiwan, mainland in terms.items():
                    text = text.replace(taiwan, mainland)
                return text

            for path in catalogs("zh_Hant"):
                # Keyed with the context: "sent" (a time) and "sent" in the
                # "job summary" context (a count) are different strings.
                hant = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(path))}
                hans_path = Path(str(path).replace("zh_Hant", "zh_Hans"))
                hans = polib.pofile(str(hans_path))
                for entry in hans:
                    source = hant.get((entry.msgctxt, entry.msgid))
                    if source is None:
                        continue
                    if entry.msgid_plural and not any(entry.msgstr_plural.values()):
                        entry.msgstr_plural = {
                            k: convert(v) for k, v in source.msgstr_plural.items()
                        }
                    elif not entry.msgid_plural and not entry.msgstr and source.msgstr:
                        entry.msgstr = convert(source.msgstr)
                    if "fuzzy" in entry.flags:
                        entry.msgstr = convert(source.msgstr) if source.msgstr else ""
                        entry.flags.remove("fuzzy")
                        entry.previous_msgid = None
                hans.save()

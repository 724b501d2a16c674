"""Every string a user can see has a French translation, and the catalogue is current."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "warehouse" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None, "N_": None}


def source_messages() -> set[str]:
    method_map = [("warehouse/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_in_the_code_has_a_french_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    missing = sorted(
        message for message in source_messages()
        if message not in catalogue or not catalogue[message].string
        or catalogue[message].fuzzy
    )
    assert not missing, (
        "No French translation for these messages (run scripts/translations update and "
        "translate them in warehouse/translations/fr/LC_MESSAGES/messages.po):\n"
        + "\n".join(missing))


def test_french_translations_keep_the_same_placeholders():
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    wrong = [m.id for m in catalogue if m.id and m.string
             and isinstance(m.id, str)
             and set(placeholder.findall(m.id)) != set(placeholder.findall(m.string))]
    assert not wrong, f"Placeholders differ between English and French: {wrong}"

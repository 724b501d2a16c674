"""Merge French translations into the catalogue: ``scripts/translations merge FILE.po…``.

Takes msgid/msgstr pairs from the given PO files (for instance written while building a
feature) and fills the matching messages of warehouse/translations/fr, after an update.
"""
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUE = Path(__file__).resolve().parents[1] / "warehouse/translations/fr/LC_MESSAGES/messages.po"


def main(paths: list[str]) -> int:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    filled = 0
    for path in paths:
        with open(path, "rb") as handle:
            source = read_po(handle, locale="fr")
        for message in source:
            if message.id and message.string and message.id in catalogue:
                catalogue[message.id].string = message.string
                catalogue[message.id].flags.discard("fuzzy")
                filled += 1
    with CATALOGUE.open("wb") as handle:
        write_po(handle, catalogue, width=0, omit_header=False, sort_output=True)
    missing = [m.id for m in catalogue if m.id and not m.string]
    print(f"filled {filled}; still untranslated: {len(missing)}")
    for message_id in missing:
        print("  ", message_id if isinstance(message_id, str) else message_id[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

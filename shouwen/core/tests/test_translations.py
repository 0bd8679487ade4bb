"""The English catalogue is complete and its compiled form matches it."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def _entries(po: str) -> list[tuple[str, str]]:
    """Return (msgid, msgstr) pairs of a .po file (enough of the format for our catalogue)."""
    pairs, key, current = [], None, {"msgid": "", "msgstr": ""}
    for line in po.splitlines() + [""]:
        if line.startswith(("msgid ", "msgstr ", "msgstr[0] ")):
            key = line.split(" ", 1)[0].replace("[0]", "")
            current[key] = line.split(" ", 1)[1].strip('"')
        elif line.startswith('"') and key:
            current[key] += line.strip('"')
        elif not line.strip():
            if current["msgid"]:
                pairs.append((current["msgid"], current["msgstr"]))
            current, key = {"msgid": "", "msgstr": ""}, None
    return pairs


def test_every_wording_has_an_english_translation():
    entries = _entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    assert len(entries) > 100
    missing = [msgid for msgid, msgstr in entries if not msgstr]
    assert missing == [], f"untranslated: {missing[:10]}"


def test_compiled_catalogue_matches_the_source(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("msgfmt (Debian package gettext) is needed; make test installs it")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "-o", str(fresh), str(LOCALE / "django.po")], check=True)
    with open(fresh, "rb") as a, open(LOCALE / "django.mo", "rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (
            "run `make messages` to recompile shouwen/locale/en/LC_MESSAGES/django.mo"
        )

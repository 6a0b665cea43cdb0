"""`returns-service i18n extract|update|compile`: the message catalogue's workflow, with Babel.

Message ids are keys; the English catalogue (`locale/en/LC_MESSAGES/messages.po`) holds the
source texts. `extract` writes `locale/messages.pot`: every key of the English catalogue plus
every literal key found in code and templates (`pybabel extract -F babel.cfg`), each with its
English text as a comment for translators; a key used in code with no English text is an
error. `update` merges the template into every language (`pybabel update`), keeping
translations and marking changed ones fuzzy. `compile` writes `.mo` files (`pybabel compile`)
for tools that want them; the service itself compiles the `.po` files in memory when it loads
them (`translation.py`), so a checkout needs no build step.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from returns_service.translation import DOMAIN

PACKAGE = Path(__file__).parent
LOCALE = PACKAGE / "locale"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
WIDTH = "100"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        found = Path(tmp) / "found.pot"
        with contextlib.chdir(PACKAGE.parent):  # locations relative to the repository
            _pybabel(
                "extract", "-F", "babel.cfg", "-k", "t", "-k", "plural",
                "--no-default-keywords", "--sort-by-file", "-w", WIDTH, "-o", str(found),
                ".",
            )  # fmt: skip
        with found.open("rb") as f:
            template = read_po(f)
    with (LOCALE / "en" / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
        english = read_po(f, locale="en")
    missing = sorted(str(m.id) for m in template if m.id and m.id not in english)
    for message in english:
        if not message.id:
            continue
        source = message.string
        texts = [str(x) for x in source] if isinstance(source, tuple) else [str(source)]
        known = template.get(message.id)
        locations = known.locations if known else []
        template.add(message.id, auto_comments=texts, locations=locations)
    template.project, template.copyright_holder = "returns-service", "returns-service contributors"
    with TEMPLATE.open("wb") as f:
        write_po(f, template, width=int(WIDTH), sort_output=False)
    for key in missing:
        print(f"no English text for {key!r}", file=sys.stderr)
    return 1 if missing else 0


def update() -> int:
    _pybabel(
        "update", "-i", str(TEMPLATE), "-d", str(LOCALE), "-D", DOMAIN, "-w", WIDTH,
        "--no-fuzzy-matching",
    )  # fmt: skip
    return 0


def compile_mo() -> int:
    _pybabel("compile", "-d", str(LOCALE), "-D", DOMAIN, "--statistics")
    return 0


COMMANDS = {"extract": extract, "update": update, "compile": compile_mo}

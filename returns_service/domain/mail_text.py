"""The customer's own words in a reply: HTML as text, and the quoted history and signature
taken off.

Quote stripping is `mail-parser-reply`'s (it knows the quote headers of Gmail, Outlook and
Apple Mail per language, signatures and disclaimers; `email-reply-parser` knows English
only). It has no Romanian, Norwegian, Hungarian or Arabic, which our customers write in, so
those four are added here as entries of its language table, in its own format."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from mailparser_reply import EmailMessage
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE

LANGUAGES = ("en", "ro", "nb", "hu", "ar")


def _from_header(names: str) -> str:
    """An Outlook-style header block: at least two of these `Name:` lines in a row."""
    return (
        r"((?:(?:^|\n|\n" + QUOTED_MATCH_INCLUDE + r")[* ]*(?:" + names + r"):[ *]*"
        r"(?:\s{,2}).*){2,}(?:\n.*){,1})"
    )


def _wrote_header(pattern: str) -> str:
    return r"^(" + QUOTED_MATCH_INCLUDE + pattern + r")$"


_OURS: dict[str, dict[str, object]] = {
    # Gmail "În lun., 30 nov. 2026 la 15:04, X <x@y> a scris:", Apple Mail "Pe 30 nov. 2026,
    # la 15:04, X <x@y> a scris:"; Outlook "De la: / Trimis: / Către: / Subiect:"
    "ro": {
        "wrote_header": _wrote_header(r"(?:În|In|Pe)\s(?:.+?\s?.+?)\s?a\sscris:"),
        "from_header": _from_header("De la|Trimis|Către|Catre|Subiect|Data|Cc"),
        "signatures": [r"Mulțumesc[,!.]?$", r"Multumesc[,!.]?$", "Cu stimă", "Cu drag,"],
        "sent_from": "Trimis de pe|Trimis din",
    },
    # Gmail "man. 30. nov. 2026 kl. 15:04 skrev X <x@y>:", Apple Mail "30. nov. 2026 kl. 15:04
    # skrev X <x@y>:"; Outlook "Fra: / Sendt: / Til: / Emne:"
    "nb": {
        "wrote_header": _wrote_header(
            r"(?:Den\s|[a-zæøå]{2,4}\.\s|[0-9]).+?\sskrev\s(?:.+?\s?.+?):"
        ),
        "from_header": _from_header("Fra|Sendt|Til|Emne|Dato|Kopi|Cc"),
        "signatures": ["Med vennlig hilsen", r"Mvh\.?$", r"Hilsen,?$", r"Takk[,!]?$"],
        "sent_from": "Sendt fra min|Sendt fra",
    },
    # Gmail "X <x@y> ezt írta (időpont: 2026. nov. 30., H, 15:04):", Apple Mail "2026. nov.
    # 30. dátummal, 15:04 időpontban X <x@y> írta:"; Outlook "Feladó: / Elküldve: / Címzett:"
    "hu": {
        "wrote_header": _wrote_header(
            r"(?:.+?\sezt írta\s?\(időpont:\s?.+?\):|[0-9]{4}\.\s.+?\sírta:)"
        ),
        "from_header": _from_header("Feladó|Elküldve|Küldve|Címzett|Tárgy|Dátum|Másolat"),
        "signatures": ["Üdvözlettel", r"Köszönöm[,!.]?$", "Tisztelettel"],
        "sent_from": "iPhone-ról küldve|Küldve az iPhone|Küldve a",
    },
    # Gmail "في الاثنين، 30 نوفمبر 2026 في 3:04 م كتب X <x@y>:", Apple Mail "في 30 نوفمبر 2026،
    # الساعة 3:04 م، كتب X <x@y>:"; Outlook "من: / تاريخ الإرسال: / إلى: / الموضوع:"
    "ar": {
        "wrote_header": _wrote_header(r"في\s.+?كتب\s?(?:.+?\s?.+?):[\u200e\u200f]?"),
        "from_header": _from_header("من|تاريخ الإرسال|أُرسل|أرسل|إلى|الموضوع|نسخة|التاريخ"),
        "signatures": ["مع تحياتي", "مع خالص التحيات", r"شكرا[ًً]?[,،!]?$"],
        "sent_from": "أُرسلت من|أرسلت من",
    },
}
for _language, _patterns in _OURS.items():
    # setdefault: should a later release bring its own entry, that one is used
    MAIL_LANGUAGES.setdefault(_language, _patterns)


def latest_reply(text: str) -> str:
    """The newest part of a reply: what the customer wrote above the quoted history, without
    their signature. '' when it is all quote."""
    message = EmailMessage(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    body = message.replies[0].body if message.replies else ""
    lines = body.splitlines()
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()  # a quote with no header line before it ("> ..." at the end)
    return "\n".join(lines).strip()


_BLOCKS = frozenset(
    "p div br tr li h1 h2 h3 h4 h5 h6 table ul ol blockquote pre hr section article".split()
)
_HIDDEN = frozenset(("script", "style", "head", "title"))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.quoted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "blockquote":
            self.quoted += 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "blockquote":
            self.quoted = max(0, self.quoted - 1)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.quoted:  # quoted history becomes "> " lines, as in a text part
            data = "\n".join("> " + line if line.strip() else line for line in data.split("\n"))
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

"""Reading customers' emails: the reply address, the customer's own words in five languages
and three mail programs, HTML as text, and bounces and auto-replies recognised."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from mailparser_reply import EmailMessage as ReplyParser

from returns_service.domain import reply_address
from returns_service.domain.inbound_mail import MailKind, NotAnEmail, parse_mail, safe_filename
from returns_service.domain.mail_text import html_to_text, latest_reply

SECRET = "server-secret"
DOMAIN = "reply.shop.example"
ADDRESS = f"Demo Store <r-r-7kq2m9-abcdefghij@{DOMAIN}>"
OWN = "The ring is too small, size 9 please.\n- it pinches\n- the colour is fine"
QUOTED = "> Your return R-7KQ2M9 is approved.\n> Maria"

GMAIL = {
    "en": f"On Mon, 30 Nov 2026 at 15:04, {ADDRESS} wrote:",
    "ro": f"În lun., 30 nov. 2026 la 15:04, {ADDRESS} a scris:",
    "nb": f"man. 30. nov. 2026 kl. 15:04 skrev {ADDRESS}:",
    "hu": f"{ADDRESS} ezt írta (időpont: 2026. nov. 30., H, 15:04):",
    "ar": f"في الاثنين، 30 نوفمبر 2026 في 3:04 م كتب {ADDRESS}:",
}
APPLE_MAIL = {
    "en": f"On 30 Nov 2026, at 15:04, {ADDRESS} wrote:",
    "ro": f"Pe 30 nov. 2026, la 15:04, {ADDRESS} a scris:",
    "nb": f"30. nov. 2026 kl. 15:04 skrev {ADDRESS}:",
    "hu": f"2026. nov. 30. dátummal, 15:04 időpontban {ADDRESS} írta:",
    "ar": f"في 30 نوفمبر 2026، الساعة 3:04 م، كتب {ADDRESS}:",
}
OUTLOOK = {
    "en": "From: Demo Store\nSent: Monday, November 30, 2026 3:04 PM\nTo: Ana\nSubject: Return",
    "ro": "De la: Demo Store\nTrimis: luni, 30 noiembrie 2026 15:04\nCătre: Ana\nSubiect: Retur",
    "nb": "Fra: Demo Store\nSendt: mandag 30. november 2026 15:04\nTil: Ana\nEmne: Retur",
    "hu": "Feladó: Demo Store\nElküldve: 2026. november 30. 15:04\nCímzett: Ana\nTárgy: Csere",
    "ar": "من: Demo Store\nتاريخ الإرسال: الاثنين، 30 نوفمبر 2026\nإلى: Ana\nالموضوع: إرجاع",  # noqa: RUF001 (Arabic is meant)
}
REPLIES = [
    pytest.param(
        header,
        QUOTED if client != "outlook" else QUOTED.replace("> ", ""),
        id=f"{client}-{language}",
    )
    for client, headers in (("gmail", GMAIL), ("apple", APPLE_MAIL), ("outlook", OUTLOOK))
    for language, header in headers.items()
]


@pytest.mark.parametrize(("header", "quote"), REPLIES)
def test_the_quoted_history_under_each_mail_programs_header_is_taken_off(
    header: str, quote: str
) -> None:
    assert latest_reply(f"{OWN}\n\n{header}\n{quote}\n") == OWN


@pytest.mark.parametrize("language", ["ro", "nb", "hu", "ar"])
def test_the_library_alone_would_keep_the_quote_header_of_our_added_languages(
    language: str,
) -> None:
    # what the added table entries are for: with English only (the library's own knowledge
    # of these mails), the Outlook header block of the quote stays in the message
    text = f"{OWN}\n\n{OUTLOOK[language]}\n{QUOTED}\n"
    parsed = ReplyParser(text=text, languages=["en"], keep_hyphen_lists=True).read()
    assert OUTLOOK[language].splitlines()[0] in parsed.replies[0].body


def test_signatures_are_taken_off_and_lists_are_kept() -> None:
    text = f"{OWN}\n\nMulțumesc,\nAna\n\nSent from my iPhone"
    assert latest_reply(text) == OWN
    assert latest_reply(f"{OWN}\n\n-- \nAna Pop\n+40 700 000 000") == OWN


def test_html_becomes_text_with_quotes_marked() -> None:
    html = (
        "<html><head><style>p{}</style><script>x()</script></head><body><p>Size 9&nbsp;please"
        "</p><div>thanks<br>Ana</div><blockquote>old text</blockquote></body></html>"
    )
    assert html_to_text(html) == "Size 9 please\n\nthanks\nAna\n\n> old text"


def test_a_reply_address_verifies_for_its_store_and_case_only() -> None:
    address = reply_address.reply_address(SECRET, 1, "R-7KQ2M9", DOMAIN.upper())
    assert address == address.lower() and address.startswith("r-r-7kq2m9-")
    parsed = reply_address.parse(address.upper(), DOMAIN)  # mail systems may fold the case
    assert parsed is not None and parsed.case_number == "R-7KQ2M9"
    assert reply_address.verifies(SECRET, 1, parsed)
    assert not reply_address.verifies(SECRET, 2, parsed)  # another store
    assert not reply_address.verifies("another-secret", 1, parsed)
    other = reply_address.parse(address.replace("7kq2m9", "7kq2m8"), DOMAIN)
    assert other is not None and not reply_address.verifies(SECRET, 1, other)
    assert reply_address.parse(address.replace(DOMAIN, "elsewhere.example"), DOMAIN) is None
    assert reply_address.parse(f"returns@{DOMAIN}", DOMAIN) is None


def _mail(**headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Ana <ana@example.com>")
    message["To"] = f"r-r-7kq2m9-abcdefghij@{DOMAIN}"
    message["Subject"] = headers.pop("Subject", "Re: your return")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Hello")
    return message.as_bytes()


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "Out of office"},
        {"Precedence": "auto_reply"},
        {"Precedence": "junk"},
        {"Subject": "Out of Office: Re: your return"},
        {"Subject": "Automatic reply: your return"},
        {"Subject": "Răspuns automat: returul"},
        {"Subject": "Automatisk svar: returen"},
        {"Subject": "Házon kívül: visszaküldés"},
        {"Subject": "رد تلقائي: الإرجاع"},
    ],
)
def test_auto_replies_are_recognised(headers: dict[str, str]) -> None:
    assert parse_mail(_mail(**headers)).kind is MailKind.AUTO_REPLY


def test_a_person_saying_no_to_auto_submitted_is_a_reply() -> None:
    assert parse_mail(_mail(Auto_Submitted="no")).kind is MailKind.REPLY


@pytest.mark.parametrize(
    "headers",
    [{"From": "MAILER-DAEMON@mx.example.com"}, {"Return_Path": "<>"}],
)
def test_mail_system_notices_are_bounces(headers: dict[str, str]) -> None:
    assert parse_mail(_mail(**headers)).kind is MailKind.BOUNCE


def test_what_is_not_an_email_is_refused_and_a_mail_without_sender_is_flagged() -> None:
    with pytest.raises(NotAnEmail):
        parse_mail(b"\x00\x01 not mail")
    with pytest.raises(NotAnEmail):
        parse_mail(b"")
    flagged = parse_mail(b"To: x@y.example\r\nSubject: hi\r\n\r\nbody")
    assert flagged.sender == "" and flagged.problem
    assert flagged.message_id.startswith("<sha256:")  # known by its bytes


def test_attachment_names_cannot_climb_or_inject() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename('C:\\x\\evil".html\r\n') == "evil.html"
    assert safe_filename("") == "attachment"

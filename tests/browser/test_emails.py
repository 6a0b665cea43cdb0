"""The HTML part of the emails in Chromium: it lays out on a phone without sideways
scrolling, reads right to left in Arabic, and the button and label are real links.

axe-core is not wired into these tests yet (no copy of it in the repository), so the checks
here are the ones an email most needs: language, direction, alt text, link names."""

from __future__ import annotations

import pytest

from returns_service.domain.emails import EmailTemplate
from returns_service.translation import LANGUAGES
from tests.browser.conftest import SCREENSHOTS
from tests.emails_sample import LINK, parts, sample

SHOTS = {EmailTemplate.CASE_APPROVED, EmailTemplate.REFUND_ISSUED}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("template", [EmailTemplate.CASE_APPROVED, EmailTemplate.REFUND_ISSUED])
async def test_the_email_reads_well_on_a_phone(browser, template: EmailTemplate, language: str):  # type: ignore[no-untyped-def]
    _, html = parts(sample(template, language))
    context = await browser.new_context(viewport={"width": 412, "height": 915})
    page = await context.new_page()
    try:
        await page.set_content(html)
        seen = await page.evaluate(
            """() => ({
                lang: document.documentElement.lang,
                dir: getComputedStyle(document.querySelector('.content')).direction,
                overflow: document.documentElement.scrollWidth > window.innerWidth,
                links: [...document.querySelectorAll('a')].map(a => [a.href, a.innerText.trim()]),
                unnamed: [...document.querySelectorAll('img')].filter(i => !i.alt).length,
                buttonRight: document.querySelector('a.button').getBoundingClientRect().right,
                textRight: document.querySelector('.content p').getBoundingClientRect().right,
            })"""
        )
        assert seen["lang"] == language
        assert seen["dir"] == ("rtl" if language == "ar" else "ltr")
        assert not seen["overflow"]
        assert seen["unnamed"] == 0
        assert all(name for _, name in seen["links"])  # every link says where it goes
        assert LINK in [href for href, _ in seen["links"]]  # the button to the return
        if language == "ar":  # the button sits at the start of the line: the right
            assert abs(seen["buttonRight"] - seen["textRight"]) < 2
        if template in SHOTS and language in ("en", "ar"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            path = SCREENSHOTS / f"email-{template.value}-{language}.png"
            await page.screenshot(path=str(path), full_page=True)
    finally:
        await context.close()

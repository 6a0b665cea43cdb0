"""Text patterns that mean the same to Python's `re` (which validates requests) and to the
ECMAScript regexes of JSON Schema (which clients and schema fuzzers read in the OpenAPI).

Two things differ between the dialects. White space: Python's `\\s` counts U+001C-U+001F and
U+0085, ECMAScript's counts U+FEFF, so a pattern written with `\\s` refuses strings its
published schema allows; `SPACE` lists every such character explicitly. And the end: Python's
`$` also matches before a final newline ("USD\\n" passes `^[A-Z]{3}$`), ECMAScript's only at
the end; `END` is the end in both.
"""

from __future__ import annotations

# the end of the text, in both dialects
END = r"$(?!\n)"
# every character either dialect calls white space
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# text that neither begins nor ends with white space ([\s\S] is "any character" in both)
TRIMMED = rf"^[^{SPACE}]([\s\S]*[^{SPACE}])?{END}"
# an email address, white space allowed around it (it is trimmed before use)
EMAIL = rf"^[{SPACE}]*[^@{SPACE}]+@[^@{SPACE}]+[{SPACE}]*{END}"
# one line of text: no control characters or line separators (a name that ends up in an
# email's Subject or From header must not be able to start a new header line)
ONE_LINE = rf"^[^\x00-\x1f\x7f\x85\u2028\u2029]*{END}"
LANGUAGE = rf"^[a-z]{{2,3}}(-[A-Za-z0-9]{{2,8}})?{END}"  # en, pt-BR
COUNTRY = rf"^[A-Z]{{2}}{END}"  # ISO 3166-1 alpha-2
CURRENCY = rf"^[A-Z]{{3}}{END}"  # ISO 4217


def prefix_range(prefix: str) -> tuple[str, str]:
    """[prefix, next) in code-point order ("C" collation): every string starting with
    `prefix` and nothing else. The last character is bumped (U+10FFFF has no successor:
    the range then ends at the next character of the one before it)."""
    for cut in range(len(prefix), 0, -1):
        last = ord(prefix[cut - 1])
        if last < 0x10FFFF:
            return prefix, prefix[: cut - 1] + chr(last + 1)
    return prefix, "\U0010ffff" * 2

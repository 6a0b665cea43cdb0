"""Text patterns that mean the same to Python's `re` (which validates requests) and to the
ECMAScript regexes of JSON Schema (which clients and schema fuzzers read in the OpenAPI).

`\\s` differs between the two: Python counts U+001C-U+001F and U+0085 as space, ECMAScript
counts U+FEFF. A pattern written with `\\s` therefore rejects strings its published schema
allows. These classes list every such character explicitly, so both read them alike.
"""

from __future__ import annotations

# every character either dialect calls white space
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# text that neither begins nor ends with white space ([\s\S] is "any character" in both)
TRIMMED = rf"^[^{SPACE}]([\s\S]*[^{SPACE}])?$"
# an email address, white space allowed around it (it is trimmed before use)
EMAIL = rf"^[{SPACE}]*[^@{SPACE}]+@[^@{SPACE}]+[{SPACE}]*$"

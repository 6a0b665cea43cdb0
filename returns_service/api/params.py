"""Path parameters more than one audience's routes share, declared once so the OpenAPI
document (and every client generated from it) says the same about them everywhere."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

from returns_service.domain.cases import CASE_NUMBER_PATTERN

# A case number in a path: letters, digits, "-" and "_" only, so a value such as "." (which
# HTTP clients drop as a dot segment, reaching another route) is never schema-valid.
CaseNumber = Annotated[str, PathParameter(min_length=1, max_length=16, pattern=CASE_NUMBER_PATTERN)]

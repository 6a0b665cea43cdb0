"""domain/ is pure: it must not import the web framework, the ORM or the database driver."""

from __future__ import annotations

import ast
from pathlib import Path

import returns_service.domain

FORBIDDEN = ("litestar", "piccolo", "asyncpg", "returns_service.db", "returns_service.api")


def test_domain_imports_no_framework_orm_or_io() -> None:
    folder = Path(returns_service.domain.__file__).parent
    offenders = []
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []

"""The package's import rules and where its SQL may live, checked on the source (ast):

- layers: api/ and web/ -> services/ -> db/ and adapters/ -> domain/, never upwards (nor
  sideways between api/ and web/, or db/ and adapters/); domain/ is pure (no web framework,
  ORM or driver);
- the capability packages under services/ use each other's public names only, and never
  each other's `queries` module: a package's SQL is its own;
- SQL text (a string starting with SELECT, INSERT, UPDATE, DELETE or WITH) is written only in
  db/ and in the packages' queries.py modules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import returns_service

ROOT = Path(returns_service.__file__).parent
PACKAGE = "returns_service"

# A module's layer is the first part of its name below returns_service; it may import its own
# layer and the ones below it. Every module must have one: a new top-level module or folder
# fails the test until it is placed here.
RANK = {
    "domain": 0,
    "clock": 1,
    "settings": 1,
    "translation": 1,  # the message catalogues and Babel formatting: files and pure code
    "db": 2,
    "adapters": 2,
    "emails": 2,  # the HTML part of customer emails (templates, inlined CSS): rendering only
    "services": 3,
    "api": 4,
    # the pages use the API's request plumbing (typed dependencies, Idempotency-Key); the API
    # never imports a page
    "web": 4.5,
    # entry points: they put the layers together (and may import each other)
    "app": 5,
    "asgi": 5,
    "cli": 5,
    "catalogue": 5,  # `returns-service i18n`: extracting and compiling the catalogues
    "demo": 5,
    "demo_history": 5,  # the demo store's past orders and returns (issue 16)
    "__main__": 5,
    "__init__": 5,
}
ENTRY = 5
FORBIDDEN_IN_DOMAIN = ("litestar", "piccolo", "asyncpg")

SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\s", re.IGNORECASE)


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    """(dotted name, path, tree) of every module of the package."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join((PACKAGE, *parts)).removesuffix(".__init__")
        yield name, path, ast.parse(path.read_text(), str(path))


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def capability(module: str) -> str | None:
    """The package under services/ a module belongs to (services.cases.views -> cases)."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "services":
        return parts[2]
    return None


def imports(
    module: str, path: Path, tree: ast.Module
) -> Iterator[tuple[int, str, list[tuple[str, str]]]]:
    """(line, imported module, [(name, bound as)] imported from it) for every import."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [(alias.name, alias.asname or alias.name) for alias in node.names]
            yield node.lineno, base, names


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_module(dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (ROOT / relative).with_suffix(".py").exists() or (ROOT / relative).is_dir()


def is_queries(dotted: str) -> bool:
    """services.<package>.queries, or anything in it."""
    return dotted.split(".")[3:4] == ["queries"]


def layering_offences() -> list[str]:
    offences = []
    for name, path, tree in modules():
        own = layer(name)
        if own not in RANK:
            offences.append(f"{rel(path)}: {own}/ is in no layer (add it to RANK)")
            continue
        for line, target, _ in imports(name, path, tree):
            if own == "domain" and target.startswith(FORBIDDEN_IN_DOMAIN):
                offences.append(f"{rel(path)}:{line}: domain/ imports {target}")
            if not target.startswith(PACKAGE + "."):
                continue
            other = layer(target)
            upwards = RANK.get(other, 99) > RANK[own]
            sideways = RANK.get(other) == RANK[own] and RANK[own] < ENTRY
            if other != own and (upwards or sideways):
                offences.append(f"{rel(path)}:{line}: {own}/ imports {target} ({other}/)")
    return offences


def capability_offences() -> list[str]:
    """Outside its own package, nobody imports a services package's private names or its
    queries module (so its SQL is its own)."""
    offences = []
    for name, path, tree in modules():
        mine = capability(name)
        foreign_modules: set[str] = set()  # names bound here to another package's modules
        for line, target, names in imports(name, path, tree):
            if not names:  # import returns_service.services.x.queries
                owner = capability(target)
                if owner not in (None, mine) and is_queries(target):
                    offences.append(f"{rel(path)}:{line}: imports {owner}'s {target}")
                continue
            for imported, bound in names:
                full = f"{target}.{imported}"
                owner = capability(full)
                if owner in (None, mine):
                    continue
                if is_queries(full):
                    offences.append(f"{rel(path)}:{line}: imports {owner}'s queries ({full})")
                elif imported.startswith("_"):
                    offences.append(f"{rel(path)}:{line}: imports {owner}'s private {full}")
                if is_module(full):
                    foreign_modules.add(bound)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign_modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offences.append(
                    f"{rel(path)}:{node.lineno}: uses {node.value.id}.{node.attr} (private)"
                )
    return offences


def sql_strings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """String literals (and f-strings by their first part) that start like SQL; docstrings and
    the middle parts of f-strings are prose, not statements."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            skip.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values[1:])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and SQL.match(node.value)
        ):
            yield node.lineno, node.value.strip().split("\n")[0][:60]


def sql_offences() -> list[str]:
    offences = []
    for _, path, tree in modules():
        where = rel(path)
        if where.startswith("db/") or path.name == "queries.py":
            continue
        offences += [f"{where}:{line}: {text!r}" for line, text in sql_strings(tree)]
    return offences


def test_layers_import_only_downwards() -> None:
    assert layering_offences() == []


def test_capability_packages_share_public_names_and_keep_their_sql() -> None:
    assert capability_offences() == []


def test_sql_is_written_only_in_db_and_queries_modules() -> None:
    assert sql_offences() == []


def test_the_checks_see_what_they_look_for() -> None:
    """Each check finds its kind of offence in a made-up module (they do not pass by seeing
    nothing)."""
    tree = ast.parse('x = 1\nq = """\n  select id from agent"""\nf = f"update {x} set"\n')
    assert [line for line, _ in sql_strings(tree)] == [2, 4]
    prose = ast.parse('"""Update the docs."""\nmessage = f"cannot combine {1} with {2}"\n')
    assert list(sql_strings(prose)) == []
    relative = ast.parse("from ..db import sql\nfrom . import queries\n")
    views = ROOT / "services" / "cases" / "views.py"
    found = list(imports("returns_service.services.cases.views", views, relative))
    assert [target for _, target, _ in found] == [
        "returns_service.services.db",
        "returns_service.services.cases",
    ]

"""The package's modules import each other without circles, also through imports inside functions
or under TYPE_CHECKING (such an import hides a circle from Python, not from a reader)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pytest_critique"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports anywhere in it (a name imported from a package that
    is itself a module counts as that module)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in modules and name != here}


def graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, modules) for path in paths}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports, as the list of modules around it, or None."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        trail.pop()
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_reader_finds_a_circle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_is_read_from_the_real_package() -> None:
    edges = graph()
    assert "pytest_critique.judges.context" in edges["pytest_critique.judges.pairwise"]
    assert "pytest_critique.backends.transport" in edges["pytest_critique.engine"]


# The layers, top down: a module may import its own layer and those below it, never one above.
LAYERS = [
    ("plugin", "__main__"),
    ("merge",),
    ("session", "calibration_item", "hookspecs", "held_reports", "cassettes"),
    ("report_github", "report_pytest_html"),
    ("report", "summary", "report_junit", "baseline", "report_html"),
    ("critic", "checkeval_files"),
    ("expectations",),
    ("judges",),
    ("runtime",),
    ("engine", "budget", "drift", "freeze"),
    ("tasks",),
    ("backends", "cache"),
    ("models", "trust_models", "settings", "errors", "files", "report_text", "html_parts", "prompts", "agreement",
     "arguments", "steps_split", "trajectory", "telemetry", "store_urls", "cases"),
]


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return -1  # the package's __init__: lazy exports only
    for number, names in enumerate(LAYERS):
        if parts[1] in names:
            return number
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {Path(__file__).name}")


def upward(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((source, target) for source, targets in edges.items() for target in targets
                  if layer_of(target) < layer_of(source))


def test_the_layer_check_finds_an_upward_import() -> None:
    assert upward({"pytest_critique.engine": {"pytest_critique.critic"}}) == [
        ("pytest_critique.engine", "pytest_critique.critic")]
    assert upward({"pytest_critique.critic": {"pytest_critique.engine"}}) == []


def test_imports_only_go_down_the_layers() -> None:
    found = upward(graph())
    assert not found, "imports from a lower layer up: " + "; ".join(f"{a} imports {b}" for a, b in found)


def private_imports(path: Path) -> list[str]:
    """``from pytest_critique.x import _name`` (or relative): another module's private names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("pytest_critique")):
            found.extend(f"{node.module}.{alias.name}" for alias in node.names
                         if alias.name.startswith("_") and not alias.name.startswith("__"))
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    found = {module_name(path): private_imports(path) for path in sorted(PACKAGE.rglob("*.py"))}
    found = {name: names for name, names in found.items() if names}
    assert not found, f"private names imported: {found}"


def test_no_module_imports_itself_through_others() -> None:
    edges = {name: {target for target in targets if not name.startswith(target + ".")}
             for name, targets in graph().items()}  # a module may import its own package's __init__
    found = cycle(edges)
    assert found is None, "import circle: " + " -> ".join(found or [])

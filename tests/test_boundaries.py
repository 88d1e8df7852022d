"""Dependencies point one way for whole apps: missions -> volunteers -> liens (DESIGN.md), with
the demo seeds and the benchmarks above them all; and no module imports itself back, even
through a function.

Read from the source's syntax trees, not from what happens to be imported at run time, so an
import inside a function counts as much as one at the top of a module. Migrations are left
out (Django writes them, and they name other apps' migrations by design).
"""

import ast
import pathlib
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
APPS = ("liens", "volunteers", "missions")
# What each app must never import: the apps above it, and the two packages above every app (the
# demo data and the benchmarks use the apps; nothing the site runs may load them).
ABOVE_ALL = {"seeds", "benchmarks"}
FORBIDDEN = {
    "liens": {"volunteers", "missions", *ABOVE_ALL},
    "volunteers": {"missions", *ABOVE_ALL},
    "missions": ABOVE_ALL,
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "volunteers.views"
    target: str  # the imported module, resolved, e.g. "missions.models"
    line: int
    in_function: bool

    def __str__(self) -> str:
        where = "in a function" if self.in_function else "at module level"
        return f"{self.module}:{self.line} imports {self.target} ({where})"


def _module_name(root: pathlib.Path, path: pathlib.Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources(root: pathlib.Path, apps=APPS):
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            if {"migrations", "tests"} & set(path.relative_to(root).parts):
                continue
            yield path


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: set[str]) -> list[str]:
    """Absolute names of the modules an import statement loads, relative ones resolved:
    "from a import b" loads a.b when that is a module, else a (b being a name in it)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
    return list(dict.fromkeys(targets))


def imports_of(root: pathlib.Path, apps=APPS) -> list[Import]:
    """Every import statement of the apps' modules, wherever it stands in the file."""
    paths = list(_sources(root, apps))
    modules = {_module_name(root, path) for path in paths}
    found = []
    for path in paths:
        module = _module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_function = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                in_function.update(id(inner) for inner in ast.walk(node) if inner is not node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, module, path.name == "__init__.py", modules):
                    found.append(Import(module, target, node.lineno, id(node) in in_function))
    return found


def forbidden_imports(imports: list[Import]) -> list[Import]:
    return [i for i in imports if i.target.split(".")[0] in FORBIDDEN.get(i.module.split(".")[0], set())]


def app_cycles(imports: list[Import]) -> list[list[str]]:
    """Cycles in the graph of apps, where an app points at another when one of its modules
    imports one of the other's. Each cycle is listed as the apps it goes through."""
    edges: dict[str, set[str]] = {}
    for i in imports:
        source, target = i.module.split(".")[0], i.target.split(".")[0]
        if target in APPS and source != target:
            edges.setdefault(source, set()).add(target)
    cycles, state = [], {}

    def visit(app: str, path: list[str]) -> None:
        state[app] = "open"
        for nxt in sorted(edges.get(app, ())):
            if state.get(nxt) == "open":
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[app] = "done"

    for app in sorted(edges):
        if app not in state:
            visit(app, [app])
    return cycles


def module_cycles(imports: list[Import]) -> list[list[str]]:
    """Groups of the apps' modules that import each other round a loop, imports inside functions
    included: a late import that dodges a cycle at load time still ties the two modules into one
    (Tarjan's strongly connected components, each listed sorted)."""
    edges: dict[str, set[str]] = {}
    for i in imports:
        if i.target.split(".")[0] in APPS and i.target != i.module:
            edges.setdefault(i.module, set()).add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for nxt in sorted(edges.get(module, ())):
            if nxt not in index:
                visit(nxt)
                low[module] = min(low[module], low[nxt])
            elif nxt in stack:
                low[module] = min(low[module], index[nxt])
        if low[module] == index[module]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(groups)


# --- the project itself ------------------------------------------------------------------------


def test_no_app_imports_an_app_above_it_even_inside_a_function():
    found = forbidden_imports(imports_of(ROOT))
    assert not found, "Forbidden imports (missions -> volunteers -> liens only):\n" + "\n".join(map(str, found))


def test_the_apps_import_each_other_without_a_cycle():
    assert app_cycles(imports_of(ROOT)) == []


def test_no_module_imports_itself_back_even_through_a_function():
    cycles = module_cycles(imports_of(ROOT))
    assert cycles == [], "Modules importing each other round a loop:\n" + "\n".join(map(" <-> ".join, cycles))


def test_the_checker_sees_every_module_of_the_apps():
    # A walk that found nothing would pass the two tests above for the wrong reason.
    modules = {i.module for i in imports_of(ROOT)}
    assert {"liens.notify", "volunteers.views", "missions.volunteer.views"} <= modules


# --- the checker on a made-up project: it must catch what it is for ---------------------------


def _write(root: pathlib.Path, files: dict[str, str]) -> pathlib.Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for app in APPS:
        (root / app).mkdir(exist_ok=True)
        (root / app / "__init__.py").touch()
    return root


def test_the_checker_catches_an_import_hidden_in_a_function(tmp_path):
    root = _write(
        tmp_path,
        {"volunteers/services.py": "def leave():\n    from missions.models import Match\n    return Match\n"},
    )
    (found,) = forbidden_imports(imports_of(root))
    assert (found.module, found.target, found.line, found.in_function) == (
        "volunteers.services",
        "missions.models",
        2,
        True,
    )


@pytest.mark.parametrize(
    "source",
    [
        "from volunteers import api\n",
        "import missions.models\n",
        "if True:\n    from volunteers.api import TokenView\n",
    ],
)
def test_the_checker_catches_the_core_reaching_up(tmp_path, source):
    root = _write(tmp_path, {"liens/urls.py": source})
    assert [i.module for i in forbidden_imports(imports_of(root))] == ["liens.urls"]


def test_the_checker_resolves_relative_imports_and_ignores_migrations(tmp_path):
    root = _write(
        tmp_path,
        {
            "missions/volunteer/views.py": "from ..models import Match\nfrom . import selectors\n",
            "missions/volunteer/selectors.py": "",
            "missions/models.py": "",
            "liens/migrations/0001_initial.py": "import missions.models\n",
        },
    )
    targets = {i.target for i in imports_of(root) if i.module == "missions.volunteer.views"}
    assert {"missions.models", "missions.volunteer.selectors"} <= targets
    assert forbidden_imports(imports_of(root)) == []


def test_the_checker_finds_a_cycle_between_apps(tmp_path):
    root = _write(
        tmp_path,
        {
            "missions/models.py": "from volunteers.models import Volunteer\n",
            "volunteers/models.py": "",
            "volunteers/views.py": "def home():\n    import missions.models\n",
        },
    )
    assert app_cycles(imports_of(root)) == [["missions", "volunteers", "missions"]]


def test_the_checker_finds_a_cycle_between_modules_hidden_in_a_function(tmp_path):
    root = _write(
        tmp_path,
        {
            "missions/visits.py": "from missions.matching import propose\n",
            "missions/matching.py": "def propose():\n    from . import visits\n",
            "missions/alerts.py": "from missions import visits\n",
        },
    )
    assert module_cycles(imports_of(root)) == [["missions.matching", "missions.visits"]]


def test_the_checker_keeps_seeds_and_benchmarks_above_every_app(tmp_path):
    root = _write(
        tmp_path,
        {
            "liens/management/commands/benchmark.py": "import benchmarks\n",
            "missions/demo.py": "from seeds import loader\n",
        },
    )
    assert sorted(i.module for i in forbidden_imports(imports_of(root))) == [
        "liens.management.commands.benchmark",
        "missions.demo",
    ]

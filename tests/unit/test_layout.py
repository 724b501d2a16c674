"""The code keeps the layout the README describes: import-linter's contracts (in setup.cfg)
hold, and imports inside functions stay the rare exception they are meant to be."""
import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
#: Imports inside a function, each with a reason other than an import circle: the app
#: factory wires the app only when it is built (``warehouse/__init__.py``); zxcvbn's
#: password list and XlsxWriter load only when a password is checked or a workbook
#: written. A new one needs a reason as good, and this number raised with it.
MOST_IMPORTS_INSIDE_FUNCTIONS = 3


def test_no_import_circle_no_area_below_the_ground_floor_and_no_view_imported_by_an_area():
    assert lint_imports(config_filename=str(ROOT / "setup.cfg"), no_cache=True,
                        no_logo=True) == 0, "a contract is broken: see the output above"


def test_imports_inside_functions_stay_few():
    inside = {  # a set: an import in a nested function is inside its outer one too
        f"{path.relative_to(ROOT)}:{statement.lineno}"
        for path in (ROOT / "warehouse").rglob("*.py")
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for statement in ast.walk(function)
        if isinstance(statement, ast.Import | ast.ImportFrom)}
    assert len(inside) <= MOST_IMPORTS_INSIDE_FUNCTIONS, sorted(inside)


def _layout_tree() -> list[str]:
    """The lines of the tree in the README's "How the code is laid out"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1].splitlines()


def _named(lines: list[str], prefix: str) -> set[str]:
    """The names at one depth of the tree: ``core/``, ``web.py``, ``clock.py``…"""
    names = set()
    for line in lines:
        for branch in ("├── ", "└── "):
            if line.startswith(prefix + branch):
                names.update(name.strip() for name in line[len(prefix + branch):]
                             .split("  ")[0].split(","))
    return names


def _on_disk(folder: Path) -> set[str]:
    return {path.name + ("/" if path.is_dir() else "") for path in folder.iterdir()
            if path.name != "__pycache__" and (path.is_dir() or path.suffix == ".py")}


def test_the_readme_tree_names_every_package_and_module_of_the_app_and_nothing_else():
    lines = _layout_tree()
    assert _named(lines, "") == _on_disk(ROOT / "warehouse")
    assert _named(lines, "│   ") == _on_disk(ROOT / "warehouse" / "core") - {"__init__.py"}

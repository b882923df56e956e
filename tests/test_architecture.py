"""The floor plan holds: the import-linter contracts of pyproject.toml (layers, the wallets' independence, no
sandbox in production code, no cycles between packages), and no import of another app hidden inside a function
without a comment that says why it cannot be at the top."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "stampcard"


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"

    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def hidden_cross_app_imports(source: str, *, app: str) -> list[int]:
    """Lines of ``source`` (a module of ``stampcard.<app>``) that import another stampcard app inside a function
    with no comment on that line or the one above."""
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            other_apps = [m for m in modules if m.startswith("stampcard.") and m.split(".")[1] != app]
            said_why = "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip().startswith("#")
            if other_apps and not said_why:
                found.append(node.lineno)
    return found


def test_the_scanner_of_hidden_imports_finds_one():
    source = (
        "def f():\n    from stampcard.cards import services\n\n\n"
        "def g():\n    # why: a reason\n    import stampcard.vouchers\n"
    )

    assert hidden_cross_app_imports(source, app="lottery") == [2]
    assert hidden_cross_app_imports(source, app="cards") == []


def test_no_app_hides_an_import_of_another_inside_a_function_without_saying_why():
    hidden = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "migrations" in relative.parts or len(relative.parts) < 2:
            continue
        lines = hidden_cross_app_imports(path.read_text(), app=relative.parts[0])
        if lines:
            hidden[str(relative)] = lines

    assert hidden == {}

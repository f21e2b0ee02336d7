"""The operator layer sits on top: only the app factory and the command line import
storefront.ops; a domain that has something to report (the payment gateway's failures) sends
a signal that ops subscribes to."""
import ast
from pathlib import Path

import storefront

PACKAGE = Path(storefront.__file__).parent
MAY_IMPORT_OPS = {PACKAGE / "__init__.py", PACKAGE / "cli.py"}


def ops_imports(source):
    """The line numbers of the imports of storefront.ops in source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        if any(module == "storefront.ops" or module.startswith("storefront.ops.")
               for module in modules):
            found.append(node.lineno)
    return found


def test_no_domain_imports_the_operator_layer():
    found = [f"{path.relative_to(PACKAGE)}:{line}" for path in PACKAGE.rglob("*.py")
             if PACKAGE / "ops" not in path.parents and path not in MAY_IMPORT_OPS
             for line in ops_imports(path.read_text())]
    assert found == []


def test_the_check_finds_what_it_looks_for():
    for snippet in ("from storefront.ops.metrics import count_processor_error",
                    "from storefront.ops import metrics", "import storefront.ops.metrics",
                    "def f():\n    from storefront.ops import health\n"):
        assert ops_imports(snippet), snippet
    assert ops_imports("from storefront.orders import signals\nimport storefront.opsx") == []

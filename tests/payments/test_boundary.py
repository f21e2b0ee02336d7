"""The shop can never open a sealed card (P5): outside storefront/processor/ no code loads a
private key or decrypts."""
import ast
from pathlib import Path

import storefront

PACKAGE = Path(storefront.__file__).parent
PROCESSOR = PACKAGE / "processor"
FORBIDDEN = {"load_pem_private_key", "load_der_private_key", "load_ssh_private_key",
             "from_private_bytes", "private_bytes", "private_bytes_raw", "decrypt", "unseal"}
# The `storefront processor` commands start the processor; nothing else of the shop may
# import it.
PROCESSOR_LAUNCHER = PACKAGE / "cli.py"


def violations(source, path):
    """What in this source could open a sealed card, as readable strings."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    if ".decrypt(" in source:
        found.append(f"{path}: .decrypt(")
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else \
            node.id if isinstance(node, ast.Name) else None
        if name in FORBIDDEN:
            found.append(f"{path}:{node.lineno}: {name}")
        if isinstance(node, ast.ImportFrom | ast.Import):
            names = [alias.name for alias in node.names]
            if isinstance(node, ast.ImportFrom):
                names += [f"{node.module}.{alias}" for alias in names]
            for imported in names:
                if imported.split(".")[-1] in FORBIDDEN | {"X25519PrivateKey"}:
                    found.append(f"{path}:{node.lineno}: imports {imported}")
                if "storefront.processor" in imported and path != PROCESSOR_LAUNCHER:
                    found.append(f"{path}:{node.lineno}: imports {imported}")
        # Sealing needs a fresh ephemeral private key; generating one is the only use allowed.
        if name == "X25519PrivateKey":
            parent = parents.get(node)
            if not (isinstance(parent, ast.Attribute) and parent.attr == "generate"):
                found.append(f"{path}:{node.lineno}: X25519PrivateKey other than .generate()")
    return found


# Keys the operator holds, which have nothing to do with cards: these files may use the names
# listed (and nothing else the check forbids), and may not touch payments or the processor.
OPERATOR_KEYS = {
    PACKAGE / "ops" / "envelope.py": {"decrypt", "X25519PrivateKey", "from_private_bytes",
                                      "private_bytes_raw"},  # opens a backup with its key
    PACKAGE / "ops" / "backup.py": {"unseal"},  # envelope.unseal: a backup, not a card
    PACKAGE / "ops" / "tls.py": {"private_bytes"},  # writes a development TLS key
}


def shop_sources():
    """Every Python file of the shop outside the processor."""
    return [path for path in PACKAGE.rglob("*.py") if PROCESSOR not in path.parents]


def allowed(finding, path):
    """True when the finding is a name the operator-key file may use."""
    names = OPERATOR_KEYS.get(path, set())
    return any(finding.endswith(name) or f" {name} " in finding or
               finding.endswith(f".{name}(") or f"imports {name}" in finding or
               finding.endswith(f"{name} other than .generate()") or
               f"envelope.{name}" in finding for name in names)


def test_the_shop_has_no_code_that_could_open_a_sealed_card():
    sources = shop_sources()
    assert PACKAGE / "payments" / "vault.py" in sources
    found = [v for path in sources for v in violations(path.read_text(), path)
             if not allowed(v, path)]
    assert found == []


def test_operator_key_files_stay_away_from_cards():
    for path in OPERATOR_KEYS:
        source = path.read_text()
        assert "storefront.payments" not in source and "PROCESSOR_" not in source, path
        assert "storefront.processor" not in source, path


def test_the_check_finds_what_it_looks_for():
    for snippet in ("from cryptography.hazmat.primitives.serialization import "
                    "load_pem_private_key",
                    "key = serialization.load_pem_private_key(data, None)",
                    "AESGCM(key).decrypt(nonce, data, aad)",
                    "from cryptography.hazmat.primitives.asymmetric.x25519 import "
                    "X25519PrivateKey",
                    "x25519.X25519PrivateKey.from_private_bytes(raw)",
                    "k = x25519.X25519PrivateKey",
                    "from storefront.processor.keys import unseal",
                    "import storefront.processor.keys"):
        assert violations(snippet, Path("snippet.py")), snippet
    assert violations("x25519.X25519PrivateKey.generate()", Path("snippet.py")) == []


def test_only_the_processor_loads_its_private_key():
    sources = list(PROCESSOR.rglob("*.py"))
    assert any("load_pem_private_key" in path.read_text() for path in sources)

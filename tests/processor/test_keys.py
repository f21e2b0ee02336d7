"""The sandbox processor's key pair and the `storefront processor keygen` command."""
import os
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from storefront.processor import keys
from tests.sandbox import STOREFRONT


def test_generate_writes_a_private_pkcs8_key_readable_only_by_its_owner(tmp_path):
    public_path = keys.generate(tmp_path / "keys")
    private_path = tmp_path / "keys" / "private.pem"
    assert public_path == tmp_path / "keys" / "public.pem"
    assert stat.S_IMODE(os.stat(private_path).st_mode) == 0o600
    assert private_path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    public = serialization.load_pem_public_key(public_path.read_bytes())
    assert isinstance(private, x25519.X25519PrivateKey)
    assert private.public_key().public_bytes_raw() == public.public_bytes_raw()


def test_generate_keeps_an_existing_pair(tmp_path):
    keys.generate(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in ("private.pem", "public.pem")}
    keys.generate(tmp_path)
    assert before == {name: (tmp_path / name).read_bytes() for name in before}
    # A lost public key is derived again from the private one.
    (tmp_path / "public.pem").unlink()
    keys.generate(tmp_path)
    assert (tmp_path / "public.pem").read_bytes() == before["public.pem"]


def test_a_public_key_without_its_private_key_is_an_error(tmp_path):
    keys.generate(tmp_path)
    (tmp_path / "private.pem").unlink()
    with pytest.raises(keys.KeyFileError, match="without private.pem"):
        keys.generate(tmp_path)


def test_keygen_command_prints_where_the_public_key_is_without_the_shop_database(tmp_path):
    # The processor commands never open the shop's database: an unreachable one changes nothing.
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = subprocess.run([STOREFRONT, "processor", "keygen", "--keys", str(tmp_path / "k")],
                            env=env, capture_output=True, text=True, check=True)
    public = tmp_path / "k" / "public.pem"
    assert f"export PROCESSOR_PUBLIC_KEY_FILE={public}" in result.stdout
    assert public.exists()


def test_keygen_uses_processor_home(tmp_path):
    env = {**os.environ, "PROCESSOR_HOME": str(tmp_path / "home")}
    result = subprocess.run([STOREFRONT, "processor", "keygen"], env=env, capture_output=True,
                            text=True, check=True)
    assert str(tmp_path / "home" / "public.pem") in result.stdout


def test_default_home_is_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("PROCESSOR_HOME", raising=False)
    monkeypatch.setenv("STOREFRONT_INSTANCE", str(tmp_path))
    assert keys.default_home() == tmp_path / "processor"
    monkeypatch.setenv("PROCESSOR_HOME", str(tmp_path / "elsewhere"))
    assert keys.default_home() == tmp_path / "elsewhere"

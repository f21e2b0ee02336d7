"""The sandbox processor's key pair, and the only code that opens a sealed card number."""
import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storefront.config import instance_path
from storefront.payments.vault import ASSOCIATED_DATA, VERSION, derive_key

PRIVATE_KEY = "private.pem"
PUBLIC_KEY = "public.pem"


class KeyFileError(Exception):
    """A key file is missing or unusable."""


class UnsealError(Exception):
    """A sealed token cannot be opened: wrong version, wrong key or tampered with."""


def default_home():
    """The key directory: $PROCESSOR_HOME, else instance/processor/."""
    return Path(os.environ.get("PROCESSOR_HOME") or instance_path() / "processor")


def _public_pem(private_key):
    """The PEM of the public half."""
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def generate(directory):
    """Write private.pem (0600) and public.pem unless a pair is there; return public.pem's path."""
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path, public_path = directory / PRIVATE_KEY, directory / PUBLIC_KEY
    if private_path.exists():
        private_key = load_private_key(directory)
    elif public_path.exists():
        raise KeyFileError(f"{public_path} exists without {PRIVATE_KEY}: restore the private "
                           "key or remove the public one")
    else:
        private_key = x25519.X25519PrivateKey.generate()
        pem = private_key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        partial = directory / f".{PRIVATE_KEY}.{os.getpid()}.tmp"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        # A hard link appears whole and fails when the name exists: of two processes
        # generating at once (`make run` then `processor serve`), the first one's key stays.
        try:
            os.link(partial, private_path)
        except FileExistsError:
            return generate(directory)
        finally:
            partial.unlink()
    if not public_path.exists():
        partial = directory / f".{PUBLIC_KEY}.{os.getpid()}.tmp"
        partial.write_bytes(_public_pem(private_key))
        partial.replace(public_path)
    return public_path


def load_private_key(directory):
    """The X25519 private key in private.pem."""
    path = Path(directory) / PRIVATE_KEY
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise KeyFileError(f"cannot read the processor's private key at {path}: {error}") from None
    if not isinstance(key, x25519.X25519PrivateKey):
        raise KeyFileError(f"{path} is not an X25519 private key")
    return key


def unseal(token, private_key):
    """The text sealed by `storefront.payments.vault.seal` for this key."""
    version, _, body = (token or "").partition(".")
    if version != VERSION:
        raise UnsealError("unknown sealed token version")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise UnsealError("the sealed token is not base64url") from None
    if len(raw) < 32 + 12 + 16:
        raise UnsealError("the sealed token is too short")
    ephemeral_public, nonce, ciphertext = raw[:32], raw[32:44], raw[44:]
    try:
        shared = private_key.exchange(x25519.X25519PublicKey.from_public_bytes(ephemeral_public))
        key = derive_key(shared, ephemeral_public, private_key.public_key().public_bytes_raw())
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, ASSOCIATED_DATA)
    except (InvalidTag, ValueError):
        raise UnsealError("the sealed token was not sealed for this key or was altered") from None
    try:
        return plaintext.decode("ascii")
    except UnicodeDecodeError:
        raise UnsealError("the sealed token does not hold text") from None

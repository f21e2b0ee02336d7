"""Sealing card numbers with the payment company's public key (P5).

The shop holds only the public key, so what it seals only the payment company can open:
X25519 with a fresh ephemeral key per seal, HKDF-SHA256, AES-256-GCM. The token is
`v1.` + base64url(ephemeral public key (32) || nonce (12) || ciphertext and tag), about 105
characters for a card number, small enough for a cookie session.
"""
import base64
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storefront.payments.cards import brand_of

VERSION = "v1"
HKDF_INFO = b"storefront card seal v1"
ASSOCIATED_DATA = b"v1"


class VaultError(Exception):
    """The card cannot be sealed; the message is safe for staff and logs."""


def derive_key(shared_secret, ephemeral_public, recipient_public):
    """The AES-256 key both sides derive from the X25519 shared secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + recipient_public,
                info=HKDF_INFO).derive(shared_secret)


@functools.lru_cache(maxsize=8)
def _read_public_key(path, mtime_ns):
    """The key in the PEM file; the modification time is part of the cache key."""
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError):
        key = None
    if not isinstance(key, x25519.X25519PublicKey):
        raise VaultError(f"The payment company's public key is missing at {path}: "
                         "run `storefront processor keygen`.")
    return key


def load_public_key(path):
    """The payment company's X25519 public key from a PEM file, read again only when it changes."""
    try:
        mtime_ns = os.stat(path).st_mtime_ns
    except OSError:
        mtime_ns = None
    return _read_public_key(str(path), mtime_ns)


def seal(plaintext, public_key):
    """Encrypt text so that only the holder of the private key can read it."""
    ephemeral = x25519.X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    key = derive_key(ephemeral.exchange(public_key), ephemeral_public,
                     public_key.public_bytes_raw())
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode(), ASSOCIATED_DATA)
    body = base64.urlsafe_b64encode(ephemeral_public + nonce + ciphertext).rstrip(b"=")
    return f"{VERSION}.{body.decode('ascii')}"


@dataclass(frozen=True)
class SealedCard:
    """A card as the shop keeps it: the sealed number and what may be shown (P21)."""

    sealed: str
    first_digit: str
    last_four: str
    brand: str
    exp_month: int
    exp_year: int


def seal_card(number_digits, exp_month, exp_year, public_key):
    """Seal a number that `cards.check_card` accepted; only the sealed token holds it."""
    brand = brand_of(number_digits)
    if brand is None:
        raise ValueError("seal_card needs a card number that check_card accepted")
    return SealedCard(sealed=seal(number_digits, public_key), first_digit=number_digits[0],
                      last_four=number_digits[-4:], brand=brand, exp_month=int(exp_month),
                      exp_year=int(exp_year))

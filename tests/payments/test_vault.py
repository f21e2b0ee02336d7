"""Sealing with the payment company's public key: format, round trip, key loading."""
import base64
import dataclasses
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519

from storefront.payments.vault import (
    SealedCard,
    VaultError,
    load_public_key,
    seal,
    seal_card,
)
from storefront.processor import keys


@pytest.fixture
def key_pair(tmp_path):
    """(public key, private key) generated as the processor does."""
    public_path = keys.generate(tmp_path / "keys")
    return load_public_key(public_path), keys.load_private_key(tmp_path / "keys")


def test_seal_round_trip(key_pair):
    public, private = key_pair
    assert keys.unseal(seal("4111111111111111", public), private) == "4111111111111111"


def test_token_format_is_compact_ascii(key_pair):
    public, _ = key_pair
    token = seal("4111111111111111", public)
    version, body = token.split(".")
    assert version == "v1" and token.isascii() and "=" not in body
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert len(raw) == 32 + 12 + 16 + 16  # ephemeral key, nonce, 16 digits, tag
    assert len(token) < 120
    assert seal("4111111111111111", public) != token  # a fresh ephemeral key every time


def test_tampered_wrong_key_and_unknown_version_are_refused(key_pair):
    public, private = key_pair
    token = seal("4111111111111111", public)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    other = x25519.X25519PrivateKey.generate()
    for bad, key in ((flipped, private), (token, other), ("v2" + token[2:], private),
                     ("v1.%%%", private), ("v1.AAAA", private), ("", private)):
        with pytest.raises(keys.UnsealError):
            keys.unseal(bad, key)


def test_seal_card_keeps_the_number_only_in_the_sealed_token(key_pair):
    public, private = key_pair
    card = seal_card("5555555555554444", 7, 2030, public)
    assert isinstance(card, SealedCard)
    assert (card.first_digit, card.last_four, card.brand, card.exp_month, card.exp_year) == \
        ("5", "4444", "mastercard", 7, 2030)
    assert keys.unseal(card.sealed, private) == "5555555555554444"
    fields = dataclasses.asdict(card)
    del fields["sealed"]
    assert "5555555555554444" not in repr(fields)
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.last_four = "0000"
    with pytest.raises(ValueError):
        seal_card("3530111333300000", 7, 2030, public)


def test_missing_or_invalid_public_key_says_what_to_run(tmp_path):
    missing = tmp_path / "nowhere" / "public.pem"
    with pytest.raises(VaultError) as error:
        load_public_key(missing)
    assert str(error.value) == (f"The payment company's public key is missing at {missing}: "
                                "run `storefront processor keygen`.")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(VaultError, match="storefront processor keygen"):
        load_public_key(garbage)


def test_public_key_is_read_again_only_when_the_file_changes(tmp_path):
    path = keys.generate(tmp_path / "a")
    first = load_public_key(path)
    assert load_public_key(path) is first
    replacement = keys.generate(tmp_path / "b")
    path.write_bytes(replacement.read_bytes())
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = load_public_key(path)
    assert second is not first
    assert second.public_bytes_raw() == load_public_key(replacement).public_bytes_raw()

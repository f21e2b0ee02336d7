"""The sealed backup file and the operator's backup keys (issue 10).

The operator's key pair is X25519. The hosting machine needs only the public key to seal a
backup; the secret key, kept off that machine, is the only thing that opens one. So neither
the company hosting the servers nor whoever stores the backups can read them, and a backup
stays closed even if a server is taken later (with what it held then: erased data included).

A file is a header, then chunks. The header says what the file is (magic, format version,
database kind, chunk size), which key it was sealed for (the key id), and carries a random
nonce prefix and a one-time public key: X25519 with it and HKDF give the file its own
AES-256-GCM key. A chunk's nonce is prefix || counter || last-chunk flag (the STREAM
construction) and its associated data the whole header, so changing the header or a chunk,
or reordering, dropping, cutting short or extending the file makes a check fail.
"""
import base64
import binascii
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"SFBACKUP"
VERSION = 1
SQLITE, POSTGRESQL = 1, 2
KINDS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
CHUNK_SIZE = 1 << 20  # plaintext bytes per chunk: what is held in memory at a time
MAX_CHUNK_SIZE = 1 << 26
TAG = 16
_LAST_COUNTER = 2**32 - 1
_HEADER = struct.Struct(">8sBBI7s8s32s")  # magic, version, kind, chunk, prefix, key id, ephemeral
_SECRET = "storefront-backup-secret-key-1:"
_PUBLIC = "storefront-backup-public-key-1:"
DAMAGED = "the backup file is damaged, cut short or was altered (chunk {} failed its check)"


class BackupError(Exception):
    """A backup cannot be made or restored; the message is for the operator."""


@dataclass(frozen=True)
class Header:
    raw: bytes
    kind: int
    chunk_size: int
    nonce_prefix: bytes
    key_id: bytes
    ephemeral: bytes


def public_key_path(secret_path):
    """Where the public half of a secret key file is kept: next to it, as .pub."""
    return Path(f"{secret_path}.pub")


def generate_keys(secret_path):
    """Write a new key pair: the secret key at secret_path (mode 0600) and the public key at
    secret_path.pub. Refuse to overwrite either. Returns (public key path, key id)."""
    secret_path = Path(secret_path)
    public_path = public_key_path(secret_path)
    for path in (secret_path, public_path):
        if path.exists():
            raise BackupError(f"{path} already exists: a key is never overwritten")
    secret = X25519PrivateKey.generate()
    _write_new(secret_path, _SECRET + _b64(secret.private_bytes_raw()), 0o600)
    try:
        _write_new(public_path, _PUBLIC + _b64(_raw(secret.public_key())), 0o644)
    except BaseException:
        secret_path.unlink()
        raise
    return public_path, key_id(secret)


def read_key(path):
    """The key in a key file: X25519PrivateKey (secret key) or X25519PublicKey (.pub)."""
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except OSError as error:
        raise BackupError(f"cannot read the key file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        text = ""
    for prefix, load in ((_SECRET, X25519PrivateKey.from_private_bytes),
                         (_PUBLIC, X25519PublicKey.from_public_bytes)):
        if text.startswith(prefix):
            try:
                raw = base64.urlsafe_b64decode(text[len(prefix):].encode())
                return load(raw)
            except (binascii.Error, ValueError):
                break
    raise BackupError(f"{path} is not a storefront backup key file")


def read_public_key(path):
    """The public key in a .pub file, to seal with. A secret key file is refused: sealing
    needs only the public key, and the secret key belongs off the hosting machine."""
    key = read_key(path)
    if isinstance(key, X25519PrivateKey):
        raise BackupError(f"{path} is the secret key: a backup is made with the public key "
                          f"alone ({public_key_path(path)}); keep the secret key off this "
                          "machine")
    return key


def read_secret_key(path):
    """The secret key in a key file, to open a backup with. Refused when users other than
    its owner may read it (as ssh refuses such a private key): it opens every backup."""
    key = read_key(path)
    if not isinstance(key, X25519PrivateKey):
        raise BackupError("opening a backup needs the secret key file, not the public key")
    mode = Path(path).stat().st_mode
    if mode & 0o077:
        raise BackupError(f"{path} can be read by other users (mode {mode & 0o777:o}): make "
                          f"it yours alone (chmod 600 {path}) and check nobody copied it")
    return key


def key_id(key):
    """A short public name for a key pair (from the public key), written in every backup."""
    return hashlib.sha256(b"storefront backup key id\0" + _raw(_public(key))).digest()[:8]


def seal(source, sink, key, kind, chunk_size=CHUNK_SIZE):
    """Read source (anything with read(n)) to its end and write it sealed to sink, for key
    (the public key; the secret key's public half works too). Holds two chunks at most."""
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise BackupError(f"the chunk size must be between 1 and {MAX_CHUNK_SIZE} bytes")
    recipient = _public(key)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw, prefix = _raw(ephemeral.public_key()), os.urandom(7)
    header = _HEADER.pack(MAGIC, VERSION, kind, chunk_size, prefix, key_id(recipient),
                          ephemeral_raw)
    aead = AESGCM(_file_key(ephemeral.exchange(recipient), ephemeral_raw, recipient))
    sink.write(header)
    for counter, chunk, last in _chunks_with_last_flag(source, chunk_size):
        sink.write(aead.encrypt(_nonce(prefix, counter, last), chunk, header))


def read_header(stream):
    """Read and check a backup file's header (not yet its authenticity: the chunks prove
    that, since each one is sealed with the header as associated data)."""
    raw = stream.read(_HEADER.size)
    if len(raw) < _HEADER.size or not raw.startswith(MAGIC):
        raise BackupError("this is not a storefront backup file")
    _, version, kind, chunk_size, prefix, kid, ephemeral = _HEADER.unpack(raw)
    if version != VERSION:
        raise BackupError(f"this backup is in format {version}; this storefront reads format "
                          f"{VERSION}")
    if kind not in KINDS or not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise BackupError(DAMAGED.format("header"))
    return Header(raw, kind, chunk_size, prefix, kid, ephemeral)


def check_key(header, secret):
    """Refuse a public key, or a secret key other than the one the backup was sealed for."""
    if not isinstance(secret, X25519PrivateKey):
        raise BackupError("opening a backup needs the secret key file, not the public key")
    if header.key_id != key_id(secret):
        raise BackupError(f"this backup was sealed for key {header.key_id.hex()}, not for "
                          f"this key ({key_id(secret).hex()})")


def unseal(stream, sink, secret, header):
    """Write the backup's plaintext to sink, checking each chunk before writing it; a wrong
    key, or a chunk that fails, raises BackupError."""
    check_key(header, secret)
    try:
        shared = secret.exchange(X25519PublicKey.from_public_bytes(header.ephemeral))
    except ValueError:
        raise BackupError(DAMAGED.format("header")) from None
    aead = AESGCM(_file_key(shared, header.ephemeral, secret.public_key()))
    for counter, sealed, last in _chunks_with_last_flag(stream, header.chunk_size + TAG):
        try:
            sink.write(aead.decrypt(_nonce(header.nonce_prefix, counter, last), sealed,
                                    header.raw))
        except InvalidTag:
            raise BackupError(DAMAGED.format(counter + 1)) from None


def _chunks_with_last_flag(stream, size):
    """(counter, bytes, is last) for each size-byte piece of stream; reading one piece ahead
    tells the last. An empty stream is one empty last piece."""
    current, counter = _read(stream, size), 0
    while True:
        following = _read(stream, size)
        yield counter, current, not following
        if not following:
            return
        if counter == _LAST_COUNTER:
            raise BackupError("too large for one backup file")
        current, counter = following, counter + 1


def _read(stream, size):
    """Up to size bytes: fewer only at the end (a pipe may return short reads)."""
    data = bytearray()
    while len(data) < size:
        piece = stream.read(size - len(data))
        if not piece:
            break
        data += piece
    return bytes(data)


def _nonce(prefix, counter, last):
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _file_key(shared, ephemeral_raw, recipient):
    salt = ephemeral_raw + _raw(recipient)
    return HKDF(hashes.SHA256(), 32, salt, b"storefront backup v1").derive(shared)


def _public(key):
    return key.public_key() if isinstance(key, X25519PrivateKey) else key


def _raw(public):
    return public.public_bytes_raw()


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode() + "\n"


def _write_new(path, text, mode):
    """Create path with mode (whatever the umask), refusing to replace an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise BackupError(f"{path} already exists: a key is never overwritten") from None
    except OSError as error:
        raise BackupError(f"cannot write {path}: {error.strerror}") from None
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fd, mode)
        fh.write(text)
        fh.flush()
        os.fsync(fd)

"""Password hashing (argon2id at OWASP's parameters) and the strength rules."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])  # 30,000 most used passwords
CUSTOMER_MIN_LENGTH = 8
STAFF_MIN_LENGTH = 12
MAX_LENGTH = 128
_DUMMY_HASH = hasher.hash("a password nobody has")


def hash_password(password):
    """The argon2id hash to store."""
    return hasher.hash(password)


def verify_password(password_hash, password):
    """True when password matches; a missing hash still costs a full check (no timing hint)."""
    try:
        return hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    """True when the hash was made with weaker parameters than today's."""
    return hasher.check_needs_rehash(password_hash)


def password_problems(password, min_length, email=""):
    """Reasons the password is refused, as sentences (empty when it is acceptable)."""
    problems = []
    if len(password) < min_length:
        problems.append(f"Use at least {min_length} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 3:
        problems.append("This password is too common; choose one that is hard to guess.")
    local_part = email.split("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append("Do not use your email address in your password.")
    return problems

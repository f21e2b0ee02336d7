"""Turning text into search words, the same way for products and for queries."""
import re
import unicodedata

STOP_WORDS = frozenset("a an and the of for with in on to by at or".split())
MAX_WORD = 40


def words_of(text):
    """Distinct normalised words: lower case, accents removed, simple plural folded."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    seen = []
    for word in re.findall(r"[a-z0-9]+", folded):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        word = word[:MAX_WORD]
        if word not in seen:
            seen.append(word)
    return seen

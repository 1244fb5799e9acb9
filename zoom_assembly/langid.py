"""A small text-based language identifier: which language a transcript's words are in.

It is cheap (no network, no model) and reliable on real text in the languages it knows, but it
reads *words*: Zoom's English-only engine turns Spanish audio into English-looking words, so on
such a transcript it answers "en" with confidence. The pay policy therefore trusts it only to
say "not English" and confirms "English" by listening (an AssemblyAI probe).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass


# Frequent function words per language: what a few sentences of each always contain.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words("the and to of a in is that it we you for on with this be are have i "
                    "was not at as our they can will so but what let's let us do"),
    "es": _words("el la de que y en los las un una es por con para del se no lo al "
                    "como más pero sus le ya o este sí porque esta entre cuando muy sin "
                    "sobre también me hasta hay donde quien desde todo nos durante todos "
                    "uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué "
                    "unos yo otro otras otra él tanto esa estos mucho quienes nada muchos "
                    "cual poco ella estar estas algunas algo nosotros"),
    "de": _words("der die das und ist nicht ein eine zu den dem des mit von sich auf "
                    "für im es wir ich du sie er noch nach auch bei aus wie an uns dann "
                    "hat haben wer am vom zum zur über unter vor dass ihr kann"),
    "fr": _words("le la les de des du un une et est que qui ne pas pour sur dans en au "
                    "aux ce cette il elle nous vous je on avec se sont être avoir plus"),
}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@dataclass(frozen=True)
class Guess:
    """A language code (or None when the text says too little) and how sure, 0..1."""

    language: str | None
    confidence: float


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    if name.startswith(("HIRAGANA", "KATAKANA")):
        return "ja"
    if name.startswith("CJK UNIFIED"):
        return "cjk"
    if name.startswith("HANGUL"):
        return "ko"
    return None


def identify(text: str, *, min_words: int = 20) -> Guess:
    """The language ``text`` is written in, from its script and its function words."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return Guess(None, 0.0)
    scripts = Counter(s for s in map(_script, letters) if s)
    asian = sum(scripts.values())
    if asian / len(letters) > 0.3:
        if scripts["ja"] or (not scripts["ko"] and scripts["cjk"]):
            language = "ja" if scripts["ja"] else "zh"
        else:
            language = "ko"
        return Guess(language, round(asian / len(letters), 3))
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < min_words:
        return Guess(None, 0.0)
    hits = {lang: sum(w in stop for w in words) for lang, stop in STOPWORDS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    total = sum(hits.values())
    if hits[best] == 0 or total == 0:
        return Guess(None, 0.0)
    return Guess(best, round(hits[best] / total, 3))

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
from itertools import pairwise


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


# -- "English words, but not English": Zoom's English-only engine on other languages ------------
#
# Zoom's audio transcript is written by an English-only recogniser. On Spanish, German or Japanese
# audio it still writes real, frequent English words, the ones that sound nearest, so the words
# pass any dictionary or function-word test ("reads en" above). What they do not follow is
# English grammar: English never puts two determiners together ("the a"), a determiner before a
# preposition, conjunction or auxiliary ("the of", "a and", "my is"), a subject pronoun before a
# determiner or preposition ("we the", "they of"), nor ends a sentence on "the". Fluent English
# (and a correct transcript of it, disfluencies aside) has almost none of these *clashes*;
# sound-alike English has several per hundred words. The signal is grammar, not vocabulary: it
# does not depend on which words a garbled transcript happens to use.

_DETERMINERS = _words("the a an my your our their its every each")
_PREPOSITIONS = _words("of in on at to for with from by about into over under after before "
                       "between through during without")
_CONJUNCTIONS = _words("and but or because if than")
_SUBJECTS = _words("i we they he she")
_AUXILIARIES = _words("is are was were am be been have has had do does did will would can "
                      "could should might must shall")
_OBJECTS = _words("me him them us")
_FILLERS = _words("uh um er ah hmm mm")
_CLASSES = (("D", _DETERMINERS), ("P", _PREPOSITIONS), ("C", _CONJUNCTIONS), ("S", _SUBJECTS),
            ("A", _AUXILIARIES), ("O", _OBJECTS))
_CLASHES = frozenset({("D", "D"), ("D", "P"), ("D", "C"), ("D", "A"), ("D", "S"), ("D", "O"),
                      ("D", "."), ("P", "P"), ("P", "C"), ("P", "A"), ("C", "C"), ("C", "."),
                      ("S", "D"), ("S", "P"), ("S", "C"), ("S", "S"), ("S", "O"), ("S", "."),
                      ("O", "O")})
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[.?!]")
# Clashes per 100 words above which English-looking text is sound-alike English (and at least
# MIN_CLASHES of them, so that one misrecognised phrase in a short English meeting is not
# enough). Measured: fluent English 0.0 (the emulator's English; two hand-written meeting
# transcripts with disfluencies, in the tests), sound-alike English 1.0-2.1 (the emulator's
# Spanish, German and Japanese) and 5.1 (a hand-written Zoom-style garble of Spanish).
GARBLED_CLASHES_PER_100 = 0.5
MIN_CLASHES = 3
MIN_FLUENCY_WORDS = 60  # fewer words say too little either way


@dataclass(frozen=True)
class Fluency:
    """How well English-looking text follows English grammar."""

    words: int
    clashes: int  # adjacent function words in an order English does not use

    @property
    def clashes_per_100(self) -> float:
        return 100 * self.clashes / self.words if self.words else 0.0

    @property
    def garbled(self) -> bool | None:
        """True: sound-alike English (not English speech); None: too few words to tell."""
        if self.words < MIN_FLUENCY_WORDS:
            return None
        return self.clashes >= MIN_CLASHES and self.clashes_per_100 > GARBLED_CLASHES_PER_100


def _word_class(token: str) -> str:
    if token in ".?!":
        return "."
    return next((name for name, words in _CLASSES if token in words), "w")


def english_fluency(text: str) -> Fluency:
    """Count the clashes of ``text`` (fillers skipped, a repeated word is a disfluency)."""
    tokens = [t for t in _TOKEN.findall(text.lower()) if t not in _FILLERS]
    words = sum(t not in ".?!" for t in tokens)
    clashes = 0
    for first, second in pairwise(tokens):
        if first == second:
            continue
        pair = (_word_class(first), _word_class(second))
        if pair in _CLASHES and not (first == "to" and pair[1] == "A"):  # "to be", "to have"
            clashes += 1
        elif first == "a" and second[0] in "aeio" and second not in ("one", "once"):
            clashes += 1  # "a idea": English says "an"
        elif first == "an" and second[0] not in "aeiouh.?!":
            clashes += 1  # "an day"
    return Fluency(words, clashes)

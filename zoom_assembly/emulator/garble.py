"""What Zoom's English-only engine writes for speech in another language: sound-alike English.

An English speech recogniser given Spanish, German or Japanese audio still writes English words,
the ones that *sound* closest to what it heard: "Gracias a todos por venir hoy" comes out like
"Grey says a toad us poor when ear hoy". The words are real and frequent English, but they follow
the sounds of the other language, not English grammar: function words land next to each other in
orders English never uses ("the a", "in the for"), sentences end on "the" or "of".

The emulator reproduces that from the words' sounds: each word is turned into rough phonemes
(spelling rules per language; Japanese kana read as romaji, a kanji as one Sino-Japanese
syllable), cut into chunks of one or two syllables, and each chunk becomes the English word of
:data:`LEXICON` whose consonant skeleton is nearest. Deterministic (CRC of the word), and it uses a
lexicon of several hundred words, so a detector cannot tell garbled text by a short word list.
"""

from __future__ import annotations

import unicodedata
import zlib
from functools import lru_cache


def _split(words: str) -> list[str]:
    return words.split()


# Frequent English words, function and content words alike: what an English language model
# favours when the sounds are unclear.
LEXICON = tuple(dict.fromkeys(_split("""
a about above across act add after again age ago air all also always am an and any are area
arm art as ask at away back bad bag ball band bank bar base be bear beat bed been before began
being bell best better big bill bit black blue board boat body book both box boy bread break
bring brown bus but buy by call came can car card care case cat catch cell chair change check
child city class clean clear close coat cold come cook cool corner cost could count course cover
cross cup cut dark day dead deal dear deep did die dinner do does dog done door down draw dream
dress drink drive drop dry due during each ear early earth east easy eat egg eight else end
enough even ever every eye face fact fair fall far farm fast fat fear feel feet fell few field
fill find fine fire first fish five floor fly food foot for form four free fresh friend from
front full fun game garden gas gave get girl give glass go god gold gone good got grass gray
great green grew ground group grow guess had hair half hall hand hang happy hard has hat have he
head hear heart heat heavy held hell help her here hey hi high hill him his hit hold hole home
hope horse hot hour house how huge i ice idea if ill in inch into is it its job join joke jump
just keep key kid kill kind king kiss knee knew know lady laid lake land large last late laugh
law lay lead learn least leave led left leg less let letter lie life light like line list
little live lock long look lose lost lot loud love low lunch made mail main make man many map
mark may me mean meat meet men met mile milk mind mine miss mix moment money moon more most
mother move much must my name near neck need never new news next nice night nine no none noon
nor north nose not note now number of off often oh oil ok old on once one only open or order
other our out over own page paid pain pair paper park part party pass past pay peace pen people
pick piece pink place plan play please pocket point pool poor post pot pour power pull push put
queen quick quiet race rain ran read ready real red rest rich ride right ring rise river road
rock roll room rose round row rule run rush sad safe said sale salt same sand sat save saw say
sea seat see seem seen sell send set seven shall she shape share ship shoe shop short should
show shut sick side sign since sing sir sit six size skin sky sleep slow small smell smile snow
so soft some son song soon sorry sort soul sound south speak spend spot spring stand star start
stay step still stock stone stop store story street strong such sugar suit summer sun sure
sweet swim table tail take talk tall tea teach team tear tell ten test than thank that the
their them then there these they thick thin thing think this those though three threw through
tie till time tiny to today told tomorrow too took top total touch town toy train tree trip
true try turn two under until up upon us use very visit voice wait walk wall want war warm was
wash watch water way we wear week well went were west what when where which while white who
whole why wide wife will win wind window wish with woman won wood word wore work world would
write wrong yard yeah year yes yet you young your
""")))

_DIGRAPHS = (("sch", "S"), ("tch", "C"), ("ch", "C"), ("sh", "S"), ("ph", "f"), ("th", "t"),
             ("ck", "k"), ("qu", "kw"), ("ll", "l"), ("ss", "s"), ("tt", "t"), ("ng", "n"))
_CONSONANT = {"b": "P", "p": "P", "d": "T", "t": "T", "g": "K", "k": "K", "c": "K", "q": "K",
              "x": "K", "f": "F", "v": "F", "s": "S", "z": "S", "S": "J", "C": "J", "j": "J",
              "m": "M", "n": "N", "l": "L", "r": "R"}
_VOWELS = set("aeiouy")


def sound_key(spelling: str) -> str:
    """A word's consonant skeleton with its vowels as ``V``: "grass" -> "KRVS"."""
    s = spelling.lower()
    for graph, sound in _DIGRAPHS:
        s = s.replace(graph, sound)
    out: list[str] = []
    for i, ch in enumerate(s):
        if ch == "c" and s[i + 1:i + 2] in ("e", "i", "y"):
            ch = "s"
        if ch in _VOWELS:
            if not out or out[-1] != "V":
                out.append("V")
        elif ch in _CONSONANT and (not out or out[-1] != _CONSONANT[ch]):
            out.append(_CONSONANT[ch])
    return "".join(out)  # h and w are silent here


def _by_key() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for word in LEXICON:
        table.setdefault(sound_key(word), []).append(word)
    return {k: tuple(v) for k, v in table.items()}


_BY_KEY = _by_key()

# Romanisation, rough but by sound: the spelling rules a listener's ear undoes.
_SPANISH = (("ll", "y"), ("ñ", "ny"), ("qu", "k"), ("gue", "ge"), ("gui", "gi"), ("ce", "se"),
            ("ci", "si"), ("z", "s"), ("j", "h"), ("v", "b"), ("h", ""))
_GERMAN = (("sch", "sh"), ("tsch", "ch"), ("ch", "k"), ("ei", "ai"), ("ie", "ee"), ("eu", "oi"),
           ("äu", "oi"), ("ä", "e"), ("ö", "e"), ("ü", "u"), ("ß", "s"), ("w", "v"), ("v", "f"),
           ("z", "ts"), ("sp", "shp"), ("st", "sht"))
_KANA = dict(zip(
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽ",
    _split("a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu "
           "he ho ma mi mu me mo ya yu yo ra ri ru re ro wa o n ga gi gu ge go za ji zu ze zo "
           "da ji zu de do ba bi bu be bo pa pi pu pe po"), strict=True))
_SMALL = {"ゃ": "ya", "ゅ": "yu", "ょ": "yo"}
_KANJI_SOUNDS = ("kai", "shin", "sei", "ken", "to", "ka", "ki", "sho", "ryo", "bun", "do", "ji",
                 "nen", "kan", "go", "sha", "tai", "rei", "hō", "jō", "den", "zen", "ko", "mei")


def romanise(word: str, language: str) -> str:
    """How ``word`` of ``language`` sounds, in rough Latin letters."""
    base = language.split("_")[0]
    if base == "ja":
        return _romaji(word)
    s = word.lower()
    for graph, sound in _SPANISH if base == "es" else _GERMAN if base == "de" else ():
        s = s.replace(graph, sound)
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if "a" <= ch <= "z")


def _romaji(word: str) -> str:
    out: list[str] = []
    double = False
    for ch in word:
        kana = chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch  # katakana -> hiragana
        if kana in _SMALL and out:
            out[-1] = out[-1][:-1] + _SMALL[kana] if len(out[-1]) > 1 else _SMALL[kana]
        elif kana in ("っ", "ッ"):
            double = True
            continue
        elif kana == "ー" and out:
            out[-1] += out[-1][-1]
        elif kana in _KANA:
            out.append(_KANA[kana][0] * double + _KANA[kana])
        elif unicodedata.name(ch, "").startswith("CJK UNIFIED"):
            out.append(_KANJI_SOUNDS[zlib.crc32(ch.encode()) % len(_KANJI_SOUNDS)])
        double = False
    return "".join(unicodedata.normalize("NFKD", "".join(out)).encode("ascii", "ignore")
                   .decode())


def _syllables(sounds: str) -> list[str]:
    """Consonants then a vowel run (trailing consonants join the last syllable)."""
    parts: list[str] = []
    current = ""
    for i, ch in enumerate(sounds):
        current += ch
        if ch in _VOWELS and sounds[i + 1:i + 2] not in _VOWELS:
            parts.append(current)
            current = ""
    if current:
        if parts:
            parts[-1] += current
        else:
            parts.append(current)
    return parts


def _distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


@lru_cache(maxsize=4096)
def _nearest(key: str) -> tuple[str, ...]:
    if key in _BY_KEY:
        return _BY_KEY[key]
    best = min(_distance(key, k) for k in _BY_KEY)
    return tuple(w for k, words in _BY_KEY.items() if _distance(key, k) == best for w in words)


@lru_cache(maxsize=8192)
def sound_alike(word: str, language: str) -> str:
    """The English words an English-only recogniser writes for ``word`` of ``language``."""
    sounds = romanise(word, language)
    if not sounds:
        return ""
    syllables = _syllables(sounds)
    seed = zlib.crc32(f"{word}:{language}".encode())
    chunks: list[str] = []
    i = 0
    while i < len(syllables):
        take = 1 + (seed >> i) % 2 if len(syllables) - i > 1 else 1
        chunks.append("".join(syllables[i:i + take]))
        i += take
    out = []
    for n, chunk in enumerate(chunks):
        candidates = _nearest(sound_key(chunk))
        out.append(candidates[zlib.crc32(f"{chunk}:{n}".encode()) % len(candidates)])
    return " ".join(out)

"""Is an answer written in the language of its question? A cheap check, no model.

Small local models sometimes answer an English question in Chinese, or switch to another language
half way. Two signals, both conservative (short texts are never judged):

- the writing system: the script most letters belong to (Latin, Cyrillic, CJK, Arabic, ...) differs;
- for English questions, an answer long enough to tell that has almost none of the English function
  words every English sentence is made of ("the", "is", "of", ...), e.g. a Spanish or German answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Words (or CJK characters) needed before a text's script counts.
MIN_SCRIPT_UNITS = 4
# Words an English question needs, and the share of function words that makes it English.
MIN_QUESTION_WORDS = 3
ENGLISH_QUESTION_SHARE = 0.15
# Words an answer needs before its (lack of) English is judged, and the share under which it is not.
MIN_ANSWER_WORDS = 20
ENGLISH_ANSWER_SHARE = 0.06

_FUNCTION_TEXT = """
a an the is are was were be been being am do does did has have had of to in on at by for from with
and or but not no if then than that this these those it its there here which what who whom whose
when where why how can could will would should may might must we you they he she i our your their
his her my me us them as so such into about after before over under between each every all any
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Writing systems that share a script family count as one (Japanese mixes kana and kanji).
_SCRIPT_ALIASES = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "CJK": "CJK", "HANGUL": "HANGUL"}
_PER_CHARACTER = frozenset({"CJK", "HANGUL"})
_LETTERS = re.compile(r"[^\W\d_]+")


def dominant_script(text: str) -> str | None:
    """The script most of the words of ``text`` are written in, or None for too few words.

    Words, not letters, are counted, so that identifiers in an answer (``task_created``) weigh as
    one word each; a CJK character counts as a word (those scripts do not separate words).
    """
    counts: Counter[str] = Counter()
    for word in _LETTERS.findall(text):
        for char in word:
            family = _script(char)
            if family in _PER_CHARACTER:
                counts[family] += 1
        family = _script(word[0])
        if family not in _PER_CHARACTER:
            counts[family] += 1
    if sum(counts.values()) < MIN_SCRIPT_UNITS:
        return None
    return counts.most_common(1)[0][0]


def _script(char: str) -> str:
    family = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    return _SCRIPT_ALIASES.get(family, family)


def english_share(text: str) -> tuple[int, float]:
    """(words, share of them that are English function words)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return 0, 0.0
    return len(words), sum(w in _FUNCTION_WORDS for w in words) / len(words)


def answers_in_another_language(question: str, answer: str) -> bool:
    """True when ``answer`` is clearly not in the language of ``question``."""
    asked, answered = dominant_script(question), dominant_script(answer)
    if asked is not None and answered is not None and asked != answered:
        return True
    if asked not in (None, "LATIN") or answered not in (None, "LATIN"):
        return False
    question_words, question_share = english_share(question)
    if question_words < MIN_QUESTION_WORDS or question_share < ENGLISH_QUESTION_SHARE:
        return False
    answer_words, answer_share = english_share(answer)
    return answer_words >= MIN_ANSWER_WORDS and answer_share < ENGLISH_ANSWER_SHARE

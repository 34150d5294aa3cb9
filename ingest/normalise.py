"""Clean extracted text for search while keeping a map from every clean character to the source.

Each rule is one regex pass; a pass rewrites its matches into pieces that either keep a slice
of the current text or put new characters anchored at one current index. The offset map is
composed pass by pass with list slices, so the cost is linear in the text, not in the rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# A piece is either (start, end): keep text[start:end], each character mapping to itself; or
# (replacement, at): emit `replacement`, every character of it mapping to text[at].
_Piece = tuple[int, int] | tuple[str, int]
_Rewrite = Callable[[re.Match[str]], Sequence[_Piece]]

LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
UNICODE_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
INVISIBLE_CHARS = "\u00ad\u200b-\u200d\u2060\ufeff\x00-\x08\x0e-\x1f\x7f"
HTML_INLINE_TAGS = (
    "a|abbr|b|big|cite|code|del|em|font|i|ins|kbd|mark|q|s|samp|small|span|strike|strong|sub|sup|"
    "time|tt|u|var"
)
HTML_BLOCK_TAGS = (
    "address|article|blockquote|br|center|dd|div|dl|dt|figcaption|figure|h[1-6]|hr|li|ol|p|pre|"
    "section|table|tbody|td|tfoot|th|thead|tr|ul"
)
# Alt text that converters write in place of an image: "A handwritten signature in black ink,
# appearing to be ...", "An image of ...", "[image]", "![logo](logo.png)". Whole short lines only,
# and only when the line opens like a description, so prose about signatures or images survives.
_IMAGE_NOUNS = (
    r"(?:handwritten\s+|hand-written\s+|scanned\s+|black(?:\s+and\s+white)?\s+|colou?r\s+|"
    r"small\s+|digital\s+|stylised\s+|stylized\s+)*"
    r"(?:signature|image|photo|photograph|picture|logo|illustration|graphic|drawing|icon|emblem|"
    r"crest|screenshot)"
)
_IMAGE_LINE = (
    rf"An?\s+{_IMAGE_NOUNS}\s*(?:(?:of|in|showing|shows|depicting|with|featuring|reading|that|"
    r"which|appearing|containing)\b|,)[^\n]{0,300}"
    r"|\[(?i:image|picture|photo|logo|signature|figure|graphic|chart)\b[^\]\n]*\]"
    r"|!\[[^\]\n]*\]\([^)\n]*\)"
)


@dataclass(frozen=True, slots=True)
class Normalised:
    """Clean text plus, for each clean character, its index in the source (and len(source) last)."""

    text: str
    offsets: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    rewrite: _Rewrite


def _drop(match: re.Match[str]) -> Sequence[_Piece]:
    return ()


def _keep_group(group: int) -> _Rewrite:
    return lambda match: ((match.start(group), match.end(group)),)


def _put(replacement: str) -> _Rewrite:
    return lambda match: ((replacement, match.start()),)


def _crlf(match: re.Match[str]) -> Sequence[_Piece]:
    # Keep the real "\n" of a CRLF pair so it maps to itself; a lone CR or VT becomes one.
    if match.group() == "\r\n":
        return ((match.start() + 1, match.end()),)
    return (("\n", match.start()),)


def _ligature(match: re.Match[str]) -> Sequence[_Piece]:
    return ((LIGATURES[match.group()], match.start()),)


def _first(count: int) -> _Rewrite:
    return lambda match: ((match.start(), match.start() + count),)


def _space(match: re.Match[str]) -> Sequence[_Piece]:
    if match.group("trailing"):
        return ()
    if match.group()[0] == " ":
        return ((match.start(), match.start() + 1),)
    return ((" ", match.start()),)


def _html_tag(match: re.Match[str]) -> Sequence[_Piece]:
    return (("\n", match.start()),) if match.group("block") else ()


def _rule(pattern: str, rewrite: _Rewrite, flags: int = 0) -> _Rule:
    return _Rule(re.compile(pattern, flags), rewrite)


# Order matters: structure (line ends, images, links, tags, markers) before whitespace, so the
# whitespace passes tidy what the earlier removals leave behind.
RULES: tuple[_Rule, ...] = (
    _rule(r"\r\n?|\v", _crlf),
    _rule(r"\f", _put("\n\n")),
    _rule(rf"^[ \t]*(?:{_IMAGE_LINE})[ \t]*(?:\n|\Z)", _drop, re.MULTILINE),
    _rule(r"!\[[^\]\n]*\]\([^)\n]*\)", _drop),
    _rule(r"\[([^\[\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]*\")?\)", _keep_group(1)),
    _rule(r"<((?:https?|mailto):[^<>\s]+)>", _keep_group(1)),
    _rule(
        rf"</?(?:(?P<block>{HTML_BLOCK_TAGS})|(?:{HTML_INLINE_TAGS}))"
        r"(?:\s+[\w:-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?)*\s*/?>",
        _html_tag,
        re.IGNORECASE,
    ),
    _rule(r"\*\*(?:(?<!\*\*\*)(?=[^\s*])|(?<=[^\s*]\*\*)(?!\*))", _drop),
    _rule(r"__(?:(?<![\w_]__)(?=[^\s_])|(?<=[^\s_]__)(?![\w_]))", _drop),
    _rule(r"^[ \t]{0,3}#{1,6}[ \t]+(?=\S)", _drop, re.MULTILINE),
    _rule("[" + "".join(LIGATURES) + "]", _ligature),
    _rule(f"[{INVISIBLE_CHARS}]+", _drop),
    _rule(r"-(?<=[^\W\d_]-)[ \t]*\n[ \t]*(?=[a-z])", _drop),
    _rule(f"[{UNICODE_SPACES}]", _put(" ")),
    _rule(r"(?P<trailing>[ \t]+(?=\n|\Z))|[ \t]{2,}|\t", _space),
    _rule(r"\n{3,}", _first(2)),
)


def normalise(text: str) -> Normalised:
    """Search-ready text whose every character can be traced back to the exact source wording."""
    offsets = list(range(len(text) + 1))
    for rule in RULES:
        text, offsets = _apply(rule, text, offsets)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return Normalised(text[start:end], (*offsets[start:end], offsets[-1]))


def to_source_span(norm: Normalised, start: int, end: int) -> tuple[int, int]:
    """The source span [start, end) that a clean span covers, so citations quote the original."""
    if not 0 <= start <= end <= len(norm.text):
        raise ValueError(f"span {start}:{end} is outside the clean text (0:{len(norm.text)})")
    if start == end:
        return norm.offsets[start], norm.offsets[start]
    return norm.offsets[start], norm.offsets[end - 1] + 1


def _apply(rule: _Rule, text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """One pass: rewrite the matches, carrying each kept or new character's source offset."""
    out_text: list[str] = []
    out_offsets: list[int] = []
    cursor = 0
    for match in rule.pattern.finditer(text):
        out_text.append(text[cursor : match.start()])
        out_offsets.extend(offsets[cursor : match.start()])
        for first, second in rule.rewrite(match):
            if isinstance(first, str):
                out_text.append(first)
                out_offsets.extend([offsets[second]] * len(first))
            else:
                out_text.append(text[first:second])
                out_offsets.extend(offsets[first:second])
        cursor = match.end()
    if cursor == 0 and not out_text:
        return text, offsets
    out_text.append(text[cursor:])
    out_offsets.extend(offsets[cursor:])
    return "".join(out_text), out_offsets

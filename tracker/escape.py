"""Escaping at the boundary, one function per destination. Text from data (a title, a note, a
source address) never becomes markup, a formula, a link with another scheme or a terminal
control sequence, whatever it holds."""

from __future__ import annotations

import html as _html
import re
import urllib.parse
from typing import Any

# ------------------------------------------------------------------ HTML


def html(value: Any) -> str:
    """Text for HTML element content or a quoted attribute (control characters shown
    escaped, as on a terminal)."""
    return _html.escape(terminal("" if value is None else str(value), lines=True), quote=True)


_HTTP = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)


def safe_url(url: Any) -> str | None:
    """Return the address if it is http(s) (the only links ever rendered), else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not _HTTP.match(url) or _CONTROL.search(url):  # control or hidden characters
        return None
    return url


def html_link(url: Any, text: Any, *, rel: str = "noopener noreferrer") -> str:
    """An <a> element for an http(s) address, else just the text (escaped)."""
    safe = safe_url(url)
    if safe is None:
        return html(text)
    return f'<a href="{html(safe)}" rel="{rel}">{html(text)}</a>'


# ------------------------------------------------------------------ Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(#|[-+=>])")
_MD_NUMBERED = re.compile(r"^(\d+)[.)]")


_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_MD_ANY = re.compile(r"[\\`*_\[\]|~<>&]|^(?:#|[-+=>]|\d+[.)])")  # anything to escape


def markdown(value: Any) -> str:
    """Inline Markdown text: one line, no HTML, no emphasis, links, headings or table cells
    that the data did not mean."""
    text = "" if value is None else str(value)
    plain = text.isascii() and text.isprintable() and "  " not in text
    if plain and text == text.strip() and not _MD_ANY.search(text):
        return text  # plain printable text: nothing to escape (the usual case)
    text = terminal(" ".join(text.split()))
    # < never opens a tag and & never starts an entity; a plain "Holland & Knight" stays so
    text = _MD_ENTITY.sub("&amp;", text).replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    numbered = _MD_NUMBERED.match(text)
    if numbered:  # "1986. " would start an ordered list: escape its dot, "1986\. "
        text = numbered.group(1) + "\\" + text[len(numbered.group(1)) :]
    elif _MD_LINE_START.match(text):
        text = "\\" + text  # never a heading, list item, rule or quote at the start of a line
    return text


def markdown_link(url: Any, text: Any) -> str:
    """A Markdown link for an http(s) address, else the text alone."""
    safe = safe_url(url)
    label = markdown(text)
    if safe is None:
        return label
    target = urllib.parse.quote(safe, safe=":/?#[]@!$&'*+,;=%~-._")
    target = target.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({target})"


# ------------------------------------------------------------------ CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula (starting with = + - @ or a
    tab or carriage return) is prefixed with ' (OWASP's rule), control and hidden characters
    are shown escaped (as on a terminal; newlines kept), numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    text = terminal(str(value), lines=True)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


# ------------------------------------------------------------------ terminal

# The bidirectional marks, embeddings, overrides and isolates, which reorder what is shown.
BIDI_RANGES = ((0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069))
# Characters that show as nothing (zero-width space, word joiner and invisible operators, byte
# order mark, Hangul fillers, Mongolian vowel separator, tag characters): they make look-alike
# or hidden text. Zero-width (non-)joiners are left alone: scripts and emoji need them.
INVISIBLE_RANGES = (
    (0x115F, 0x1160), (0x180E, 0x180E), (0x200B, 0x200B), (0x2060, 0x2064), (0x3164, 0x3164),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xE0000, 0xE007F),
)  # fmt: skip


def _char_class(ranges) -> str:
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


BIDI = _char_class(BIDI_RANGES)
INVISIBLE = _char_class(INVISIBLE_RANGES)
HIDDEN_CODES = tuple(c for a, b in (*BIDI_RANGES, *INVISIBLE_RANGES) for c in range(a, b + 1))
# C0 and C1 control characters, DEL, line and paragraph separators, and the two classes
# above; each is shown as an escape (\x1b, \u202e), never written raw.
_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{BIDI}{INVISIBLE}]")
_CONTROL_KEEP_LINES = re.compile(
    f"[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029{BIDI}{INVISIBLE}]"
)


def _shown(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def terminal(value: Any, *, lines: bool = False) -> str:
    """Text for a terminal or a pipe: control characters and escape sequences shown escaped;
    with `lines`, newlines are kept (for multi-line notes)."""
    text = "" if value is None else str(value)
    pattern = _CONTROL_KEEP_LINES if lines else _CONTROL
    return pattern.sub(_shown, text)

"""Fonts for labels, and fitting text into a box: shrink first, then cut with an ellipsis.

DejaVu (free licence, every Latin accent and much more) is used where Debian's
``fonts-dejavu-core`` installs it; elsewhere the PDF core fonts Helvetica and Courier, which
cover French and the other Western European languages. Either way text is measured with the
font it is drawn with, so it never runs out of its box.
"""
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIRS = (Path(__file__).parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
#: role -> (TrueType file, core font used when the file is missing)
FACES = {
    "title": ("DejaVuSansCondensed-Bold.ttf", "Helvetica-Bold"),
    "bold": ("DejaVuSans-Bold.ttf", "Helvetica-Bold"),
    "regular": ("DejaVuSans.ttf", "Helvetica"),
    "code": ("DejaVuSansMono-Bold.ttf", "Courier-Bold"),
}
PT_PER_MM = 72 / 25.4
LINE_SPACING = 1.15  # baseline to baseline, in font sizes
SIZE_STEP = 0.5  # points: how finely text is shrunk to fit
ELLIPSIS = "…"
NO_BREAK = "\u00a0"  # a space lines are not broken at
_BREAKS = re.compile(r"[ \t\r\n]+")  # the spaces they are broken at


@dataclass(frozen=True)
class TextStyle:
    """How big a line of text may be: shrunk from ``max_pt`` down to ``min_pt`` to fit."""

    max_pt: float
    min_pt: float
    lines: int = 1


@functools.cache
def fonts() -> dict[str, str]:
    """Register the label fonts once; return the font name for each role."""
    names = {}
    for role, (filename, fallback) in FACES.items():
        path = next((d / filename for d in FONT_DIRS if (d / filename).is_file()), None)
        if path is None:
            names[role] = fallback
            continue
        name = "Label-" + path.stem
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
        names[role] = name
    return names


@functools.lru_cache(maxsize=8192)
def _has_glyph(font: str, char: str) -> bool:
    face = pdfmetrics.getFont(font).face
    if hasattr(face, "charToGlyph"):  # TrueType
        return ord(char) in face.charToGlyph
    try:  # a PDF core font: what Windows-1252 (WinAnsiEncoding) has
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str, font: str) -> str:
    """``text`` with the letters ``font`` lacks replaced, rather than drawn as boxes.

    An accented letter loses its accent if only that is missing (``Ł`` stays ``Ł`` in
    DejaVu; in Helvetica it becomes ``L``); anything else becomes ``?``.
    """
    if all(_has_glyph(font, char) for char in text):
        return text
    out = []
    for char in text:
        if _has_glyph(font, char) or char.isspace():
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(c))
        if base == char:
            base = _STROKED.get(char, "")
        out.append(base if base and all(_has_glyph(font, c) for c in base) else "?")
    return "".join(out)


# Letters with a stroke or bar that Unicode does not decompose into a base letter.
_STROKED = dict(zip("ŁłĐđØøĦħŦŧ", "LlDdOoHhTt"))


@functools.cache
def _extent(font: str) -> tuple[float, float]:
    """Ascent and descent (positive) of ``font``, in font sizes."""
    face = pdfmetrics.getFont(font).face
    return face.ascent / 1000, -face.descent / 1000


@functools.lru_cache(maxsize=20_000)
def _width(text: str, font: str) -> float:
    """Width of ``text`` at 1 pt."""
    return pdfmetrics.stringWidth(text, font, 1)


def text_width(text: str, font: str, size: float) -> float:
    return _width(text, font) * size


@dataclass(frozen=True)
class Fitted:
    """Text broken into lines at one size, ready to draw."""

    font: str
    size: float
    lines: tuple[str, ...]

    @property
    def ascent(self) -> float:
        return _extent(self.font)[0] * self.size

    @property
    def height(self) -> float:
        """From the top of the tallest letter to the bottom of the lowest, in points."""
        ascent, descent = _extent(self.font)
        return self.size * (ascent + descent + LINE_SPACING * (len(self.lines) - 1))


def block_height(font: str, size: float, lines: int) -> float:
    ascent, descent = _extent(font)
    return size * (ascent + descent + LINE_SPACING * (lines - 1))


def _wrap(words: list[str], font: str, room: float) -> list[str]:
    """Break words into lines no wider than ``room`` (in font sizes), word by word."""
    space = _width(" ", font)
    lines, current, current_width = [], [], 0.0
    for word in words:
        width = _width(word, font)
        if current and current_width + space + width <= room:
            current.append(word)
            current_width += space + width
            continue
        if current:
            lines.append(" ".join(current))
        current, current_width = [word], width
    if current:
        lines.append(" ".join(current))
    return lines


def _cut(text: str, font: str, room: float) -> str:
    """``text`` shortened to fit ``room`` (in font sizes), ending with an ellipsis."""
    if _width(text, font) <= room:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        middle = (low + high + 1) // 2
        if _width(text[:middle].rstrip() + ELLIPSIS, font) <= room:
            low = middle
        else:
            high = middle - 1
    return (text[:low].rstrip() + ELLIPSIS) if low else ""


@functools.lru_cache(maxsize=4096)
def fit(text: str, font: str, style: TextStyle, width: float, height: float | None = None,
        *, max_pt: float | None = None) -> Fitted | None:
    """Fit ``text`` in ``width`` x ``height`` points with at most ``style.lines`` lines.

    The size goes down from ``max_pt`` (default ``style.max_pt``) to ``style.min_pt`` until
    every word fits; at the smallest size what does not fit is cut with an ellipsis.
    Returns None when not even one line fits.
    """
    words = [word for word in _BREAKS.split(printable(text, font)) if word]
    if not words or width <= 0:
        return None

    def lines_allowed(size: float) -> int:
        lines = style.lines
        while lines and height is not None and block_height(font, size, lines) > height:
            lines -= 1
        return lines

    size = max(max_pt if max_pt is not None else style.max_pt, style.min_pt)
    while size >= style.min_pt:
        allowed = lines_allowed(size)
        lines = _wrap(words, font, width / size)
        if allowed and len(lines) <= allowed and all(
                _width(line, font) * size <= width for line in lines):
            return Fitted(font, size, tuple(lines))
        size -= SIZE_STEP
    size = style.min_pt
    allowed = lines_allowed(size)
    if not allowed:
        return None
    lines = _wrap(words, font, width / size)
    if len(lines) > allowed:  # the words that do not fit join the last line, to be cut
        lines = lines[:allowed - 1] + [" ".join(lines[allowed - 1:])]
    kept = tuple(line for line in (_cut(line, font, width / size) for line in lines) if line)
    return Fitted(font, size, kept) if kept else None

"""QR and Code128 symbols of a label code, and drawing them as vector rectangles.

zxing-cpp encodes both: a standard QR code (never Micro QR, which phones cannot read) at
error correction M, and the shortest Code128 for the code (it switches to code set C for
runs of digits). Each symbol is drawn as one filled path with one rectangle per run of dark
modules, in a coordinate system scaled to whole modules, which is several times faster
than reportlab's barcode widgets and gives printers crisp edges. The path is written as
PDF operators with small integers (``canvas.addLiteral``): going through reportlab's path
object formatted every float and took most of the time of a 1,000-label job.
"""
import re
from dataclasses import dataclass

import zxingcpp

QR_ERROR_CORRECTION = "M"
#: Blank space right and left of a Code128, in modules (scanners need it to find the start).
CODE128_QUIET_ZONE_MODULES = 10


@dataclass(frozen=True)
class Symbols:
    """Both symbols of one code, as runs of dark modules."""

    qr_size: int  # modules per side, without quiet zone
    qr_runs: tuple[tuple[int, int, int], ...]  # (row from the top, first column, length)
    bar_modules: int  # width of the Code128 without its quiet zones
    bar_runs: tuple[tuple[int, int], ...]  # (first module, length)


_DARK = re.compile(rb"[\x00-\x7f]+")  # zxing-cpp images are 0 (dark) or 255 (light)


def _dark_runs(pixels: bytes) -> list[tuple[int, int]]:
    return [(m.start(), m.end() - m.start()) for m in _DARK.finditer(pixels)]


def encode(code: str) -> Symbols:
    """Encode ``code`` as a QR code and a Code128."""
    qr = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode,
                                 ec_level=QR_ERROR_CORRECTION)
    image = qr.to_image(scale=1, add_quiet_zones=False)
    rows, columns = image.shape
    pixels = memoryview(image).tobytes()
    # Rows joined by a light byte, so that no run carries over to the next row.
    stride = columns + 1
    joined = b"\xff".join(pixels[row * columns:(row + 1) * columns] for row in range(rows))
    qr_runs = tuple((start // stride, start % stride, length)
                    for start, length in _dark_runs(joined))

    bars = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.Code128)
    image = bars.to_image(scale=1, add_quiet_zones=False)
    width = image.shape[1]
    first_row = memoryview(image).tobytes()[:width]
    return Symbols(qr_size=columns, qr_runs=qr_runs, bar_modules=width,
                   bar_runs=tuple(_dark_runs(first_row)))


def draw_qr(canvas, symbols: Symbols, *, x: float, top: float, module: float) -> None:
    """Draw the QR code with its top-left corner at (x, top), in points."""
    canvas.saveState()
    # One unit = one module, rows counted downwards from the top edge.
    canvas.transform(module, 0, 0, -module, x, top)
    canvas.addLiteral(" ".join(f"{start} {row} {length} 1 re"
                               for row, start, length in symbols.qr_runs) + " f")
    canvas.restoreState()


def draw_code128(canvas, symbols: Symbols, *, x: float, bottom: float, module: float,
                 height: float) -> None:
    """Draw the bars (quiet zones not included) from (x, bottom), in points."""
    canvas.saveState()
    # One unit = one module across, the bar height up.
    canvas.transform(module, 0, 0, height, x, bottom)
    canvas.addLiteral(" ".join(f"{start} 0 {length} 1 re"
                               for start, length in symbols.bar_runs) + " f")
    canvas.restoreState()

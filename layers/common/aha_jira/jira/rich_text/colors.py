"""Text colours as HTML writes them (`style="color: ..."`, `<font color>`), read into `#rrggbb`.

ADF's `textColor` takes exactly `#rrggbb` and wiki's `{color}` any CSS colour, so every colour is settled
here once into the form both take. What cannot be one opaque colour (`transparent`, `inherit`, a colour
with transparency, `var(--x)`) is no colour: the text keeps its words, not the colour.
"""

from __future__ import annotations

import math
import re

__all__ = ["css_color", "style_color"]

# The CSS basic colours plus the ones editors' palettes commonly name.
_NAMED = {
    "black": "#000000", "silver": "#c0c0c0", "gray": "#808080", "grey": "#808080", "white": "#ffffff",
    "maroon": "#800000", "red": "#ff0000", "purple": "#800080", "fuchsia": "#ff00ff",
    "magenta": "#ff00ff", "green": "#008000", "lime": "#00ff00", "olive": "#808000", "yellow": "#ffff00",
    "navy": "#000080", "blue": "#0000ff", "teal": "#008080", "aqua": "#00ffff", "cyan": "#00ffff",
    "orange": "#ffa500", "brown": "#a52a2a", "pink": "#ffc0cb", "gold": "#ffd700",
    "darkred": "#8b0000", "darkgreen": "#006400", "darkblue": "#00008b", "darkgray": "#a9a9a9",
    "darkgrey": "#a9a9a9", "lightgray": "#d3d3d3", "lightgrey": "#d3d3d3", "crimson": "#dc143c",
    "indigo": "#4b0082", "violet": "#ee82ee", "coral": "#ff7f50", "tomato": "#ff6347",
    "orangered": "#ff4500", "firebrick": "#b22222", "forestgreen": "#228b22", "seagreen": "#2e8b57",
    "royalblue": "#4169e1", "steelblue": "#4682b4", "slategray": "#708090", "slategrey": "#708090",
    "dimgray": "#696969", "dimgrey": "#696969", "darkorange": "#ff8c00", "goldenrod": "#daa520",
}  # fmt: skip
_HEX = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})")
_HEX_ALPHA = re.compile(r"#([0-9a-f]{4}|[0-9a-f]{8})")
_FUNCTION = re.compile(r"(rgba?)\(\s*([^)]*)\)")
_STYLE_COLOR = re.compile(r"(?:^|;)\s*color\s*:\s*([^;]+)", re.IGNORECASE)
_ALPHA_OPAQUE = 0.999


def style_color(style: str) -> str | None:
    """The text colour a `style` attribute sets (its last `color` declaration), as `#rrggbb`, if any."""
    found = _STYLE_COLOR.findall(style or "")
    if not found:
        return None
    return css_color(found[-1].replace("!important", ""))


def css_color(raw: str) -> str | None:
    """One CSS colour as `#rrggbb` (lower case), or None when it is not one opaque colour."""
    value = (raw or "").strip().lower()
    if value in _NAMED:
        return _NAMED[value]
    hexa = _HEX.fullmatch(value)
    if hexa:
        digits = hexa.group(1)
        if len(digits) == 3:
            digits = "".join(ch * 2 for ch in digits)
        return "#" + digits
    alpha = _HEX_ALPHA.fullmatch(value)
    if alpha:
        digits = alpha.group(1)
        if len(digits) == 4:
            digits = "".join(ch * 2 for ch in digits)
        return "#" + digits[:6] if digits[6:] == "ff" else None
    function = _FUNCTION.fullmatch(value)
    if function:
        return _rgb(function.group(2))
    return None


def _rgb(arguments: str) -> str | None:
    # rgb(1, 2, 3), rgb(1 2 3), rgb(10% 20% 30% / 0.5), rgba(1, 2, 3, 1)
    parts = [part for part in re.split(r"[\s,/]+", arguments.strip()) if part]
    if len(parts) not in (3, 4):
        return None
    channels: list[int] = []
    for part in parts[:3]:
        channel = _channel(part)
        if channel is None:
            return None
        channels.append(channel)
    if len(parts) == 4:
        alpha = _fraction(parts[3])
        if alpha is None or alpha < _ALPHA_OPAQUE:
            return None
    return "#" + "".join(f"{channel:02x}" for channel in channels)


def _channel(part: str) -> int | None:
    try:
        value = float(part[:-1]) * 255 / 100 if part.endswith("%") else float(part)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return max(0, min(255, round(value)))


def _fraction(part: str) -> float | None:
    try:
        value = float(part[:-1]) / 100 if part.endswith("%") else float(part)
    except ValueError:
        return None
    return value if math.isfinite(value) else None

"""Text captchas drawn as SVG: random characters as jittered strokes under noise.

The characters are drawn as polylines from a small stroke font, never as SVG ``<text>``, so the answer
is not in the image's source; only a salted hash of it is kept on the server.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
from collections.abc import Sequence

# Characters that cannot be mistaken for one another (no 0/O, 1/I, 2/Z, 5/S, 8/B).
ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"
LENGTH = 5
WIDTH, HEIGHT = 200, 70

Stroke = Sequence[tuple[float, float]]

# Glyphs on a 4 x 6 grid (x to the right, y down), as polylines.
_GLYPHS: dict[str, list[Stroke]] = {
    "A": [[(0, 6), (2, 0), (4, 6)], [(1, 3.5), (3, 3.5)]],
    "C": [[(4, 1), (3, 0), (1, 0), (0, 1), (0, 5), (1, 6), (3, 6), (4, 5)]],
    "D": [[(0, 0), (0, 6), (2.5, 6), (4, 4.5), (4, 1.5), (2.5, 0), (0, 0)]],
    "E": [[(4, 0), (0, 0), (0, 6), (4, 6)], [(0, 3), (3, 3)]],
    "F": [[(4, 0), (0, 0), (0, 6)], [(0, 3), (3, 3)]],
    "H": [[(0, 0), (0, 6)], [(4, 0), (4, 6)], [(0, 3), (4, 3)]],
    "J": [[(4, 0), (4, 5), (3, 6), (1, 6), (0, 5)]],
    "K": [[(0, 0), (0, 6)], [(4, 0), (0, 3.5)], [(1.3, 2.7), (4, 6)]],
    "L": [[(0, 0), (0, 6), (4, 6)]],
    "M": [[(0, 6), (0, 0), (2, 3), (4, 0), (4, 6)]],
    "N": [[(0, 6), (0, 0), (4, 6), (4, 0)]],
    "P": [[(0, 6), (0, 0), (3, 0), (4, 1), (4, 2), (3, 3), (0, 3)]],
    "R": [[(0, 6), (0, 0), (3, 0), (4, 1), (4, 2), (3, 3), (0, 3)], [(2, 3), (4, 6)]],
    "T": [[(0, 0), (4, 0)], [(2, 0), (2, 6)]],
    "U": [[(0, 0), (0, 5), (1, 6), (3, 6), (4, 5), (4, 0)]],
    "V": [[(0, 0), (2, 6), (4, 0)]],
    "W": [[(0, 0), (1, 6), (2, 2), (3, 6), (4, 0)]],
    "X": [[(0, 0), (4, 6)], [(4, 0), (0, 6)]],
    "Y": [[(0, 0), (2, 3), (4, 0)], [(2, 3), (2, 6)]],
    "3": [[(0, 0), (4, 0), (2, 2.5), (3, 2.5), (4, 3.5), (4, 5), (3, 6), (1, 6), (0, 5)]],
    "4": [[(3, 6), (3, 0), (0, 4), (4, 4)]],
    "6": [[(4, 0), (1, 0), (0, 1), (0, 5), (1, 6), (3, 6), (4, 5), (4, 4), (3, 3), (0, 3)]],
    "7": [[(0, 0), (4, 0), (1.5, 6)]],
    "9": [[(4, 3), (1, 3), (0, 2), (0, 1), (1, 0), (3, 0), (4, 1), (4, 5), (3, 6), (0, 6)]],
}


def new_text(rng: random.Random) -> str:
    """A random captcha answer."""
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def normalize(answer: str) -> str:
    """What a typed answer is compared as: upper case, without spaces."""
    return "".join(answer.split()).upper()


def answer_hash(salt: str, answer: str) -> str:
    """The stored form of an answer: SHA-256 of the salt and the normalized answer."""
    return hashlib.sha256(f"{salt}:{normalize(answer)}".encode()).hexdigest()


def _path(points: Sequence[tuple[float, float]]) -> str:
    head, *rest = points
    return f"M{head[0]:.1f} {head[1]:.1f}" + "".join(f" L{x:.1f} {y:.1f}" for x, y in rest)


def render_svg(text: str, rng: random.Random) -> str:
    """Draw the characters, each scaled, rotated and jittered, over and under random curves and dots."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f1ea"/>',
    ]

    def noise_curve() -> str:
        x0, y0 = rng.uniform(0, 30), rng.uniform(5, HEIGHT - 5)
        x3, y3 = rng.uniform(WIDTH - 30, WIDTH), rng.uniform(5, HEIGHT - 5)
        c = [(rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)) for _ in range(2)]
        shade = rng.randint(60, 150)
        return (
            f'<path d="M{x0:.1f} {y0:.1f} C{c[0][0]:.1f} {c[0][1]:.1f} {c[1][0]:.1f} {c[1][1]:.1f} '
            f'{x3:.1f} {y3:.1f}" stroke="rgb({shade},{shade},{shade + 30})" '
            f'stroke-width="{rng.uniform(1, 2.2):.1f}" fill="none"/>'
        )

    parts += [noise_curve() for _ in range(3)]
    for _ in range(60):
        parts.append(
            f'<circle cx="{rng.uniform(0, WIDTH):.1f}" cy="{rng.uniform(0, HEIGHT):.1f}" '
            f'r="{rng.uniform(0.5, 1.6):.1f}" fill="#777"/>'
        )
    step = (WIDTH - 30) / len(text)
    for i, char in enumerate(text):
        scale = rng.uniform(6.0, 7.5)
        angle = math.radians(rng.uniform(-18, 18))
        cx = 15 + step * (i + 0.5) + rng.uniform(-3, 3)
        cy = HEIGHT / 2 + rng.uniform(-5, 5)
        cos, sin = math.cos(angle), math.sin(angle)
        shade = rng.randint(20, 90)
        for stroke in _GLYPHS[char]:
            points = []
            for gx, gy in stroke:
                x = (gx - 2 + rng.uniform(-0.15, 0.15)) * scale * 0.8
                y = (gy - 3 + rng.uniform(-0.15, 0.15)) * scale
                points.append((cx + x * cos - y * sin, cy + x * sin + y * cos))
            parts.append(
                f'<path d="{_path(points)}" stroke="rgb({shade},{shade // 2},{shade + 40})" '
                f'stroke-width="{rng.uniform(2.2, 3.2):.1f}" fill="none" stroke-linecap="round" '
                f'stroke-linejoin="round"/>'
            )
    parts += [noise_curve() for _ in range(2)]
    parts.append("</svg>")
    return "".join(parts)


def data_url(svg: str) -> str:
    """The SVG as a ``data:`` URL an ``<img>`` can show."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()

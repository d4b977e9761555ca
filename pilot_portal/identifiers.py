"""Unified social credit codes (统一社会信用代码, GB 32100-2015): pure checks, no database.

Enterprises and providers are both identified by this code; a wrong one is refused
with a message that says what is wrong, in Chinese with the English translation.
"""

import unicodedata
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidUSCC(ValueError):
    """The code cannot be a unified social credit code; `str()` explains why."""


@dataclass(frozen=True)
class USCC:
    code: str

    @property
    def division_code(self) -> str:
        """Positions 3–8: the registering authority's administrative division."""
        return self.code[2:8]


def normalise_uscc(raw: str) -> str:
    """Full-width to half-width, spaces removed, upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper()


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def parse_uscc(raw: str) -> USCC:
    code = normalise_uscc(raw)
    if len(code) != 18:
        raise InvalidUSCC(
            f"统一社会信用代码应为 18 位，实际 {len(code)} 位 / "
            f"a unified social credit code has 18 characters, got {len(code)}"
        )
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        shown = "、".join(bad)
        raise InvalidUSCC(
            f"统一社会信用代码含非法字符：{shown} / "
            f"the code contains characters not allowed: {', '.join(bad)}"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(
            f"统一社会信用代码校验位错误：应为 {expected}，实际为 {code[17]} / "
            f"wrong check character: expected {expected}, got {code[17]}"
        )
    return USCC(code)

"""Format checks for French association identifiers: SIRET (14 digits, Luhn) and RNA (W + 9 digits)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RNA_RE = re.compile(r"^W\d{9}$")
# La Poste's establishments share one SIREN and do not follow the Luhn key: INSEE checks them
# with the sum of the digits being a multiple of 5 instead.
LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by SIREN and SIRET numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise_siret(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def siret_is_valid(value: str) -> bool:
    siret = normalise_siret(value)
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_ok(siret)


def validate_siret(value: str) -> None:
    siret = normalise_siret(value)
    if len(siret) != 14 or not siret.isdigit():
        raise ValidationError(_("A SIRET number has exactly 14 digits."), code="siret_format")
    if not siret_is_valid(siret):
        raise ValidationError(_("This SIRET number is not valid: please check its digits."), code="siret_key")


def clean_siret(value: str) -> str:
    """The SIRET as stored: spaces, dots and dashes dropped; empty, or valid (else ValidationError)."""
    siret = normalise_siret(value)
    if siret:
        validate_siret(siret)
    return siret


def normalise_rna(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def validate_rna(value: str) -> None:
    if not RNA_RE.match(normalise_rna(value)):
        raise ValidationError(_("An RNA number is a W followed by 9 digits, e.g. W691234567."), code="rna_format")


def clean_rna(value: str) -> str:
    """The RNA number as stored: spaces dropped, upper case; empty, or valid (else ValidationError)."""
    rna = normalise_rna(value)
    if rna:
        validate_rna(rna)
    return rna

"""Helpers for the PDF documents Liens draws with fpdf2's core fonts (a person's file, a
volunteer's certificate). The core fonts encode Latin-1, which covers French; the few
characters French text uses outside it are spelled with ones it has."""

# Characters French text uses that Latin-1 lacks, spelled with ones it has.
LATIN1_STANDINS = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "€": "EUR",
        "\u202f": " ",
    }
)


def latin1(text) -> str:
    text = "" if text is None else str(text)
    return text.translate(LATIN1_STANDINS).encode("latin-1", "replace").decode("latin-1")

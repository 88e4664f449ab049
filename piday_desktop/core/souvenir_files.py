"""The souvenir cards saved in an event folder, and taking them back when a visitor is forgotten.

A card is saved as ``souvenirs/souvenir-P-017.png`` and ``.pdf`` (the participant code, never a
name). Besides its own visitor a card may show other visitors' photos ("you look most like …",
only for those who agreed to show them publicly); the PNG names them in a text chunk
(:data:`SHOWS_KEY`), so that forgetting a visitor (``piday forget``), or a visitor taking back
their agreement to show their photo, removes every saved card that shows them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image

log = logging.getLogger(__name__)

FOLDER = "souvenirs"
#: PNG text chunk: the codes of the other visitors whose photo is on the card, space-separated.
SHOWS_KEY = "piday-shows"


def card_stem(code: str) -> str:
    """A card's file name without extension."""
    return f"souvenir-{code}"


def shown_codes(png: Path) -> set[str]:
    """The other visitors whose photo a saved card shows (read from its PNG)."""
    try:
        with Image.open(png) as img:
            text = getattr(img, "text", {}) or {}
            return set(str(text.get(SHOWS_KEY, "")).split())
    except (OSError, ValueError) as exc:  # unreadable: counts as showing anyone (removed to be safe)
        log.warning("souvenir card %s unreadable (%s)", png.name, exc)
        return {"*"}


def cards_showing(event_dir: Path, code: str, *, own: bool = True) -> list[Path]:
    """Saved cards (PNG paths) that show ``code``'s photo: their own card (with ``own``) and
    other visitors' cards that show them as a look-alike."""
    folder = Path(event_dir) / FOLDER
    if not folder.is_dir():
        return []
    found = []
    for png in sorted(folder.glob("souvenir-*.png")):
        if png.stem == card_stem(code):
            if own:
                found.append(png)
            continue
        codes = shown_codes(png)
        if code in codes or "*" in codes:
            found.append(png)
    return found


def forget_cards(event_dir: Path, code: str, *, own: bool = True) -> int:
    """Delete the saved cards that show ``code`` (PNG and PDF); returns how many cards."""
    cards = cards_showing(event_dir, code, own=own)
    folder = Path(event_dir) / FOLDER
    if own:  # a PDF whose PNG was never written (a crash between the two) is theirs too
        cards += [p for p in [folder / f"{card_stem(code)}.png"] if p not in cards and p.with_suffix(".pdf").exists()]
    for png in cards:
        for path in (png, png.with_suffix(".pdf")):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove souvenir card %s: %s", path.name, exc)
    return len(cards)

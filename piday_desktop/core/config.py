"""The station's settings, kept in a TOML file a volunteer (or an engineer) can read and edit.

Unknown keys are ignored and bad values fall back to the default with a warning, so a typo in
the file never stops the station from opening at the start of an event day.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import tomli_w

from . import codes, paths
from .i18n import QT_TRANSLATE_NOOP

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

#: Shown in the station's language (ui/i18n.py) unless the volunteer typed their own.
DEFAULT_CONSENT_TEXT = QT_TRANSLATE_NOOP(
    "Consent", "We take a few photos of you for this exhibition's live map. CLIP, an AI model, turns each photo "
    "into numbers so that similar-looking photos sit close together. Choose what we may do:")
#: The languages the station speaks ("" in the config: the system's, else English).
LANGUAGE_CODES = ("en", "de", "fr", "es")


@dataclass(frozen=True)
class StationConfig:
    event: str = "my-event"
    camera: str = "0"  # device index, video file, image folder, or "pattern"
    shots_per_visitor: int = 3
    countdown_s: float = 3.0
    consent_text: str = DEFAULT_CONSENT_TEXT  # the volunteer's own text for every language without its own
    #: The volunteer's own consent text per language ({"de": "…"}), shown as typed; a language
    #: with none shows ``consent_text`` if the volunteer changed it, else the default translated.
    consent_texts: dict[str, str] = field(default_factory=dict)
    language: str = ""  # en, de, fr, es; "": the system's language if the station speaks it, else English
    model: str = ""  # empty: the default model (PIDAY_MODEL / ViT-B-32:laion2b_s34b_b79k)
    device: str = "auto"
    framing_guide: bool = True
    show_last_visitor: bool = False  # the start page shows the last visitor's photo (only with public photo consent)
    save_as_seen: bool = False  # store the shot mirrored, as the visitor saw it in the preview (pibooth's choice)
    key_debounce_s: float = 0.3  # presses closer together count once (bouncing pedals, double presses)
    backup_dir: str = ""  # live backup folder (USB stick, network share); empty: none (jobs/backup_job.py)
    kiosk_pin: str = ""  # a salted hash (station/kiosk.py); set: PIN before Settings, quitting, leaving full screen
    station_id: str = ""  # A, B, …: several stations at one event hand out A-017, B-017 (core/codes.py)
    souvenir_card: bool = True  # a card after the last photo (station/souvenir.py, ui/souvenirs.py)
    printer: str = ""  # the cards' printer (its system name); empty: cards are saved as PNG + PDF
    print_automatically: bool = False  # print each card without the visitor pressing Print
    map_url: str = ""  # where `piday map --public` is published; the card's QR opens it at the visitor

    def own_consent_text(self, language: str) -> str | None:
        """The consent text the volunteer typed for ``language`` (or for all), None: the default."""
        own = (self.consent_texts.get(language) or "").strip()
        if own:
            return own
        typed = self.consent_text.strip()
        return typed if typed and typed != DEFAULT_CONSENT_TEXT else None

    def with_consent_text(self, language: str, text: str, default_text: str) -> "StationConfig":
        """After the volunteer edited ``language``'s consent text (``default_text``: the default
        in that language): stored only where it differs from what would be shown without it."""
        texts = {k: v for k, v in self.consent_texts.items() if k != language}
        without = replace(self, consent_texts=texts)
        text = text.strip()
        if text and text != (without.own_consent_text(language) or default_text):
            texts[language] = text
        return without if language not in texts else replace(self, consent_texts=texts)

    def validated(self) -> "StationConfig":
        fixes = {}
        if self.language not in ("", *LANGUAGE_CODES):
            fixes["language"] = ""
        texts = {k: v for k, v in self.consent_texts.items() if isinstance(k, str) and isinstance(v, str)}
        if texts != self.consent_texts:
            fixes["consent_texts"] = texts
        if not 1 <= self.shots_per_visitor <= 20:
            fixes["shots_per_visitor"] = StationConfig.shots_per_visitor
        if not 0 <= self.countdown_s <= 30:
            fixes["countdown_s"] = StationConfig.countdown_s
        if not 0 <= self.key_debounce_s <= 2:
            fixes["key_debounce_s"] = StationConfig.key_debounce_s
        try:
            station_id = codes.validate_station_id(self.station_id)
            if station_id != self.station_id:
                fixes["station_id"] = station_id
        except codes.InvalidStationId:
            fixes["station_id"] = StationConfig.station_id
        if self.kiosk_pin and not (self.kiosk_pin.startswith("pbkdf2$") and self.kiosk_pin.count("$") == 3):
            fixes["kiosk_pin"] = ""  # a damaged hash would lock the station for good: no PIN instead
        if self.device not in ("auto", "cpu", "cuda", "mps"):
            fixes["device"] = "auto"
        try:
            paths.validate_event_name(self.event)
        except paths.InvalidEventName:
            fixes["event"] = StationConfig.event
        for key, value in fixes.items():
            log.warning("config: %s=%r is not usable; using %r", key, getattr(self, key), value)
        return replace(self, **fixes)


def config_path() -> Path:
    return paths.config_dir() / "config.toml"


def load_config(path: Path | None = None) -> tuple[StationConfig, bool]:
    """The saved settings and whether a file existed (no file: first run)."""
    path = path or config_path()
    if not path.is_file():
        return StationConfig(), False
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.warning("config file %s unreadable (%s); using defaults", path, exc)
        return StationConfig(), True
    known = {f.name: f.type for f in fields(StationConfig)}
    defaults = StationConfig()
    values = {}
    for key, value in raw.items():
        if key not in known:
            continue
        default = getattr(defaults, key)
        kind = next((t for t in (bool, dict, str) if isinstance(default, t)), type(default))  # str: not Source
        try:
            values[key] = kind(value)
        except (TypeError, ValueError):
            log.warning("config: %s=%r is not a %s; using the default", key, value, type(default).__name__)
    return StationConfig(**values).validated(), True


def save_config(config: StationConfig, path: Path | None = None) -> Path:
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.part")
    tmp.write_text(tomli_w.dumps(asdict(config)), encoding="utf-8")
    tmp.replace(path)
    return path

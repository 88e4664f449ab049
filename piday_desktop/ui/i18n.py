"""The station in the volunteer's language (issue 17): Qt's translation system.

Every sentence of the window is written in English as ``translate("Context", "…")`` (Qt's
``QCoreApplication.translate``; ``pyside6-lupdate`` collects them into
``resources/i18n/piday_<lang>.ts``, ``pyside6-lrelease`` compiles the ``.qm`` files shipped
beside them: see README "Translations"). Sentences from the Qt-free layers are marked with
``core.i18n.QT_TRANSLATE_NOOP`` and translated where they are shown, by :func:`tr_text`.

The language is the config's ``language`` ("" = the system's, if piday speaks it, else
English); it is installed once at start (``ui/app.py``), before the first window, so a
change in Settings applies at the next start. Qt's own words (Yes/No, Save/Cancel) come from
Qt's shipped ``qtbase_<lang>.qm``.
"""

from __future__ import annotations

import logging
import string
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QLibraryInfo, QLocale, QTranslator

from ..core.config import DEFAULT_CONSENT_TEXT, StationConfig
from ..core.i18n import Message, Source

log = logging.getLogger(__name__)

#: Languages piday ships, by code, each named in its own language (how Settings lists them).
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
SOURCE_LANGUAGE = "en"  # the sentences in the code
I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"

_installed: list[QTranslator] = []
_current = SOURCE_LANGUAGE
_loaded: dict[str, QTranslator] = {}


translate = QCoreApplication.translate


def is_singular(n: int, language: str | None = None) -> bool:
    """Whether ``n`` takes the singular in ``language`` (the installed one unless given): 1 in
    English, German and Spanish; 0 and 1 in French. The four shipped languages have two forms."""
    return n in (0, 1) if (language or _current) == "fr" else n == 1


def plural(n: int, one: str, other: str, **values: object) -> str:
    """``one`` or ``other`` (both already translated, with a ``{n}`` field or not) for ``n``."""
    return (one if is_singular(n) else other).format(n=n, **values)


def qm_path(language: str) -> Path:
    return I18N_DIR / f"piday_{language}.qm"


def resolve_language(language: str) -> str:
    """The language to use for a config value: a shipped one as asked, "" the system's (when
    piday speaks it), anything else English."""
    if language in LANGUAGES:
        return language
    if not language:
        for name in QLocale.system().uiLanguages():
            code = name.replace("_", "-").split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return SOURCE_LANGUAGE


def _translator(language: str) -> QTranslator | None:
    """piday's translator for ``language`` (loaded once); None for English (the code's own
    sentences) or a missing file."""
    if language == SOURCE_LANGUAGE:
        return None
    if language not in _loaded:
        translator = QTranslator()
        if not translator.load(str(qm_path(language))):
            log.warning("no translation file for %s (%s): the station stays in English", language, qm_path(language))
            return None
        _loaded[language] = translator
    return _loaded[language]


def install_language(language: str) -> str:
    """Install the translations for ``language`` (see :func:`resolve_language`) into the running
    application, replacing earlier ones; returns the language now in effect. Widgets made after
    this call are in that language."""
    global _current
    app = QCoreApplication.instance()
    code = resolve_language(language)
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    ours = _translator(code)
    if ours is None:
        code = SOURCE_LANGUAGE
    else:
        qt = QTranslator(app)  # Qt's own words: Yes / No, Save / Cancel
        if qt.load(f"qtbase_{code}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            _installed.append(qt)
        _installed.append(ours)
    for translator in _installed:
        app.installTranslator(translator)
    _current = code
    return code


def current_language() -> str:
    """The language installed by :func:`install_language` (English until then)."""
    return _current


def locale() -> QLocale:
    """The installed language's locale: dates on the souvenir card, numbers."""
    return QLocale(_current)


#: A written-out date per language ("14 March 2026", "14. März 2026", "14 de marzo de 2026").
DATE_FORMATS = {"en": "d MMMM yyyy", "de": "d. MMMM yyyy", "fr": "d MMMM yyyy", "es": "d 'de' MMMM 'de' yyyy"}


def long_date(date: QDate) -> str:
    """``date`` written out in the installed language (the souvenir card)."""
    return locale().toString(date, DATE_FORMATS.get(_current, DATE_FORMATS[SOURCE_LANGUAGE]))


def _format(template: str, values: dict[str, object], fallback: str) -> str:
    try:
        return template.format(**{k: tr_text(v) if isinstance(v, str) else v for k, v in values.items()})
    except (KeyError, IndexError, ValueError):  # a translation with a mistyped {name}: the English, never a crash
        log.warning("translation %r does not fit its values %s", template, sorted(values))
        return fallback


def tr_text(text: str | None) -> str:
    """``text`` in the installed language: a marked sentence (:class:`~piday_desktop.core.i18n.Source`
    or a filled-in :class:`~piday_desktop.core.i18n.Message`) translated, any other text as it is."""
    if text is None:
        return ""
    if isinstance(text, Message):
        return _format(translate(text.context, text.source), text.values, str(text))
    if isinstance(text, Source):
        return translate(text.context, str(text))
    return text


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a sentence (a translation must keep the same ones)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def default_consent_text(language: str) -> str:
    """The default consent text in ``language`` (any shipped language, installed or not)."""
    language = resolve_language(language)
    if language == _current:  # the installed translators (tests install a pseudo-language too)
        return translate("Consent", DEFAULT_CONSENT_TEXT)
    translator = _translator(language)
    text = translator.translate("Consent", DEFAULT_CONSENT_TEXT) if translator is not None else ""
    return text or DEFAULT_CONSENT_TEXT


def consent_text(config: StationConfig, language: str | None = None) -> str:
    """What the consent page says in ``language`` (the installed one unless given): the
    volunteer's own text as typed (for that language, else the one typed for all), else the
    default consent text translated."""
    language = current_language() if language is None else language
    return config.own_consent_text(language) or default_consent_text(language)

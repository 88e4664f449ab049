"""Translations (issue 17): every visible sentence goes through Qt's translation system, every
language ships every sentence, the shipped .qm files are the compiled .ts, the consent text per
language, and German / French / Spanish pages still fit a 1366x768 laptop."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDate, Qt, QTranslator
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from piday_desktop.core.config import DEFAULT_CONSENT_TEXT, StationConfig, load_config, save_config
from piday_desktop.core.store import EventStore
from piday_desktop.station.visitor_flow import NO_PHOTOS_TAKEN, Stage
from piday_desktop.ui import i18n
from piday_desktop.ui.pages import WholePlaceholderEdit
from piday_desktop.ui.screen_fit import widgets_outside

from station_drive import open_window

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("translations", ROOT / "packaging" / "translations.py")
translations = importlib.util.module_from_spec(_spec)
sys.modules["translations"] = translations  # dataclasses look their module up
_spec.loader.exec_module(translations)

OPEN, CLOSE = "⟦", "⟧"


class Pseudo(QTranslator):
    """A pseudo-language: every sentence that goes through Qt's translation comes back in ⟦…⟧,
    so a text on screen without the brackets never went through it."""

    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: D401 (Qt's signature)
        return f"{OPEN}{source}{CLOSE}"

    def isEmpty(self) -> bool:  # noqa: N802 (Qt naming)
        return False


@pytest.fixture
def language(qapp):
    """Install a language for one test (a code, or "pseudo"); English again afterwards."""
    pseudo: list[QTranslator] = []

    def install(code: str) -> None:
        if code == "pseudo":
            i18n.install_language("en")
            pseudo.append(Pseudo())
            QCoreApplication.installTranslator(pseudo[-1])
        else:
            assert i18n.install_language(code) == code
    yield install
    for t in pseudo:
        QCoreApplication.removeTranslator(t)
    i18n.install_language("en")


def test_every_sentence_of_the_code_is_in_the_translation_files_and_the_qm_are_compiled_from_them():
    """A sentence added to the code without `python packaging/translations.py`, a marker with an
    f-string inside (it could never be looked up), or a .qm older than its .ts fails here."""
    assert translations.check() == []


def test_every_language_translates_every_sentence_keeping_its_fields():
    sentences, problems = translations.collect()
    assert not problems and len(sentences) > 200
    for language in translations.LANGUAGES:
        shipped = translations.read_ts(translations.ts_path(language))
        for s in sentences:
            text, finished = shipped[(s.context, s.source)]
            assert finished and text.strip(), f"{language}: no translation of {s.source!r} ({s.where})"
            assert i18n.placeholders(text) == i18n.placeholders(s.source), f"{language}: {text!r} vs {s.source!r}"
            assert text.count("\n") == s.source.count("\n"), f"{language}: {text!r} keeps the line breaks"


def test_the_languages_the_settings_offer_are_the_shipped_ones():
    assert set(i18n.LANGUAGES) == {"en", *translations.LANGUAGES}
    for language in translations.LANGUAGES:
        assert i18n.qm_path(language).is_file()


def untranslated(text: str, allowed: tuple[str, ...]) -> str:
    """What of ``text`` did not come through a translation: the bracketed parts (nested ones
    too) and the allowed user data (codes, the event, typed names) taken out, any word left."""
    text = re.sub(r"<[^>]+>", " ", text)  # rich text markup
    while True:
        stripped = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        if stripped == text:
            break
        text = stripped
    for word in allowed:
        text = text.replace(word, " ")
    text = re.sub(r"\b[A-Z]-\d{3}\b", " ", text)  # participant codes
    return text if re.search(r"[^\W\d_]", text) else ""


def visible_texts(widget: QWidget) -> list[tuple[str, str]]:
    """(what, text) of every visible label, button, check box and field hint of ``widget``'s window."""
    found = []
    for child in widget.window().findChildren(QWidget):
        if not child.isVisibleTo(widget.window()) or not child.isVisible():
            continue
        if isinstance(child, QLineEdit):
            texts = [child.placeholderText()]
        elif isinstance(child, (QLabel, QAbstractButton)):
            texts = [child.text()]
        else:
            continue
        found += [(f"{type(child).__name__} {child.objectName()}", t) for t in texts if t.strip()]
    return found


def assert_all_translated(widget: QWidget, where: str, allowed: tuple[str, ...] = ()) -> int:
    bad = [(what, text) for what, text in visible_texts(widget) if untranslated(text, allowed)]
    assert not bad, f"{where}: text that never went through the translation: {bad}"
    return len(visible_texts(widget))


def test_every_text_on_every_page_goes_through_the_translation(qtbot, tmp_path, language):
    """The real window in a pseudo-language, through a whole visit and the failsafe: every visible
    label, button and check box is a translated sentence (or a code / the event / a nickname)."""
    from piday_desktop.core.i18n import QT_TRANSLATE_NOOP
    from piday_desktop.ui.pin_prompt import PinDialog
    from piday_desktop.ui.settings_dialog import SettingsDialog
    from piday_desktop.station.counters import Counters

    language("pseudo")
    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store, shots=2, size=(1366, 768))
    allowed = ("piday", "Ada")
    seen = assert_all_translated(win, "idle", allowed)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    assert win.stack.currentWidget() is win.consent_page
    assert win.consent_page.text.text() == f"{OPEN}{DEFAULT_CONSENT_TEXT}{CLOSE}"  # the default consent text too
    qtbot.keyClicks(win.consent_page.nickname, "Ada")
    seen += assert_all_translated(win, "consent", allowed)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit is not None and win.flow.visit.code is not None, timeout=5_000)
    seen += assert_all_translated(win, "preview", allowed)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    seen += assert_all_translated(win, "review", allowed)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.keyClick(win, Qt.Key.Key_Return)  # finish after one photo
    qtbot.waitUntil(lambda: win.flow.stage is Stage.DONE, timeout=5_000)
    qtbot.waitUntil(lambda: win.done_page.card.has_card, timeout=20_000)
    seen += assert_all_translated(win, "done", allowed)
    qtbot.keyClick(win, Qt.Key.Key_Return)
    win.flow.start()
    win.consent_page.local.setChecked(False)
    qtbot.keyClick(win, Qt.Key.Key_Return)  # declined: the flow's own (marked) sentence
    assert win.idle_page.notice.text() == f"{OPEN}{NO_PHOTOS_TAKEN}{CLOSE}"
    seen += assert_all_translated(win, "declined", allowed)
    win.flow.start()
    win.flow.give_consent(win.consent_page.consent())
    win.flow.fail(QT_TRANSLATE_NOOP("Controller", "The disk is full: the last photo could not be saved."),
                  QT_TRANSLATE_NOOP("Controller", "Something went wrong while saving ({error}).").fill(error="x"))
    seen += assert_all_translated(win, "failsafe", allowed + ("x",))
    qtbot.keyClick(win, Qt.Key.Key_Return)
    win.engine_failed("no weights")  # the idle page's model problem and its fix
    seen += assert_all_translated(win, "model missing", allowed + ("no weights",))
    dialog = SettingsDialog(win.config, [], win, check=lambda: None, import_model=lambda: None,
                            cards=win.souvenirs.status_text, one_off={"event": "ev"})
    dialog.show_counters(Counters(None, 1, 2, 1, 1, 0))
    dialog.show()
    qtbot.addWidget(dialog)
    seen += assert_all_translated(dialog, "settings", allowed + ("event ev",))
    pin = PinDialog("pbkdf2$1$00$00", "open Settings", win)
    pin.show()
    qtbot.addWidget(pin)
    seen += assert_all_translated(pin, "PIN")
    assert seen > 60  # the check looked at the pages, not at nothing
    dialog.close()
    pin.close()
    win.close()
    store.close()


@pytest.mark.parametrize("code", ["de", "fr", "es"])
def test_each_language_runs_a_visit_and_every_page_fits_a_1366x768_laptop(qtbot, tmp_path, language, code):
    language(code)
    store = EventStore.open(tmp_path, "ev")
    win = open_window(qtbot, store, shots=1, size=(1366, 768))
    start = {"de": "Start", "fr": "Commencer", "es": "Empezar"}[code]
    assert win.idle_page.start.text().startswith(start)

    def fits(where: str) -> None:
        def whole() -> None:  # nothing past the window's edge, no button's words cut off
            assert not widgets_outside(win), where
            cut = [(b.text(), b.width(), b.sizeHint().width()) for b in win.findChildren(QAbstractButton)
                   if b.isVisible() and b.text() and b.width() < b.sizeHint().width()]
            assert not cut, (where, cut)
            hints = [e.placeholderText() for e in win.findChildren(WholePlaceholderEdit)
                     if e.isVisible() and not e.text() and not e.placeholder_fits()]
            assert not hints, (where, hints)  # "stays on this laptop" is not cut off
        qtbot.waitUntil(whole, timeout=3_000)  # once the layout has settled
    fits("idle")
    qtbot.keyClick(win, Qt.Key.Key_Space)
    assert win.consent_page.text.text() == i18n.default_consent_text(code) != DEFAULT_CONSENT_TEXT
    fits("consent")
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.visit is not None and win.flow.visit.code is not None, timeout=5_000)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.REVIEW, timeout=10_000)
    fits("review")
    qtbot.keyClick(win, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.flow.stage is Stage.DONE, timeout=5_000)
    qtbot.waitUntil(lambda: win.done_page.card.has_card, timeout=20_000)
    assert win.done_page.detail.text().startswith({"de": "1 Foto", "fr": "1 photo", "es": "1 foto"}[code])
    fits("done")
    win.close()
    store.close()


def test_the_consent_text_per_language(qapp, tmp_path):
    """The default consent text is translated; a volunteer's own text stays as typed, for the
    language it was typed for, and a text typed for all languages (the old single field) too."""
    plain = StationConfig()
    assert i18n.consent_text(plain, "en") == DEFAULT_CONSENT_TEXT
    german = i18n.consent_text(plain, "de")
    assert german.startswith("Wir machen ein paar Fotos") and i18n.consent_text(plain, "fr").startswith("Nous prenons")
    own = StationConfig(consent_texts={"fr": "  Nos règles : voir le panneau.  "})
    assert i18n.consent_text(own, "fr") == "Nos règles : voir le panneau."
    assert i18n.consent_text(own, "de") == german  # French text only for French
    typed = StationConfig(consent_text="Photos are deleted on Sunday.")
    assert i18n.consent_text(typed, "es") == "Photos are deleted on Sunday."  # typed for all: as typed
    # Stored only where it differs from what would show anyway.
    assert plain.with_consent_text("de", german, german).consent_texts == {}
    assert plain.with_consent_text("de", "Eigener Text", german).consent_texts == {"de": "Eigener Text"}
    assert own.with_consent_text("fr", "", "x").consent_texts == {}  # emptied: back to the default
    path = tmp_path / "config.toml"
    save_config(StationConfig(language="es", consent_texts={"es": "Texto propio", "de": "Eigener"}), path)
    loaded, _ = load_config(path)
    assert loaded.language == "es" and loaded.consent_texts == {"es": "Texto propio", "de": "Eigener"}
    path.write_text('language = "klingon"\nconsent_texts = "not a table"\n', encoding="utf-8")
    loaded, _ = load_config(path)
    assert loaded.language == "" and loaded.consent_texts == {}  # bad values: the defaults, no crash


def test_settings_choose_the_language_and_edit_each_languages_consent_text(qtbot):
    from piday_desktop.ui.settings_dialog import RESTART_FIELDS, SettingsDialog

    dialog = SettingsDialog(StationConfig(), [])
    qtbot.addWidget(dialog)
    assert dialog.consent_text.toPlainText() == DEFAULT_CONSENT_TEXT  # the running language: English
    dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    assert dialog.consent_text.toPlainText() == i18n.default_consent_text("fr")
    assert "Français" in dialog.consent_label.text()
    dialog.consent_text.setPlainText("Notre texte à nous.")
    dialog.language.setCurrentIndex(dialog.language.findData("de"))
    assert dialog.consent_text.toPlainText() == i18n.default_consent_text("de")  # untouched: the default
    dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    assert dialog.consent_text.toPlainText() == "Notre texte à nous."  # the edit is kept while switching
    new = dialog.config()
    assert new.language == "fr" and new.consent_texts == {"fr": "Notre texte à nous."}
    assert new.consent_text == DEFAULT_CONSENT_TEXT and "language" in RESTART_FIELDS and dialog.needs_restart()


def test_marked_sentences_are_translated_with_their_values_and_a_broken_translation_falls_back(language):
    from piday_desktop.core.i18n import QT_TRANSLATE_NOOP

    msg = QT_TRANSLATE_NOOP("Controller", "That photo is stored already ({code}, shot {shot}): "
                                          "take a new one with the camera.").fill(code="P-004", shot=2)
    assert msg == "That photo is stored already (P-004, shot 2): take a new one with the camera."  # logs, CLI
    language("de")
    assert i18n.tr_text(msg) == "Dieses Foto ist schon gespeichert (P-004, Aufnahme 2): bitte ein neues mit der Kamera machen."
    assert i18n.tr_text("plain text") == "plain text" and i18n.tr_text(None) == ""
    assert i18n.plural(1, "{n} Foto", "{n} Fotos") == "1 Foto" and i18n.plural(0, "{n} Foto", "{n} Fotos") == "0 Fotos"
    assert i18n.long_date(QDate(2026, 3, 14)) == "14. März 2026"
    language("fr")
    assert i18n.plural(0, "{n} photo", "{n} photos") == "0 photo"  # French: 0 is singular
    assert i18n.long_date(QDate(2026, 3, 14)) == "14 mars 2026"
    language("es")
    assert i18n.long_date(QDate(2026, 3, 14)) == "14 de marzo de 2026"
    assert i18n._format("{nope}", {"code": "P-001"}, "fallback") == "fallback"  # never a crash


def test_an_unknown_or_missing_language_is_english(language, monkeypatch):
    assert i18n.resolve_language("klingon") == "en" and i18n.resolve_language("de") == "de"
    language("de")
    assert i18n.current_language() == "de"
    monkeypatch.setattr(i18n, "I18N_DIR", Path("/nonexistent"))
    monkeypatch.setattr(i18n, "_loaded", {})
    assert i18n.install_language("fr") == "en"  # no file: English, said in the log, no crash
    assert QApplication.translate("Pages", "Thank you!") == "Thank you!"

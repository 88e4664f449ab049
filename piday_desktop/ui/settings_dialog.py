"""The settings a volunteer may change at the stand, saved to the TOML config file.

Camera, shots, countdown, consent text and framing guide apply at once; event, model,
device, backup folder and language apply at the next start (they change what the station
stores and loads, or every widget's words), and the dialog says so rather than half-switching
a running station. The consent text box edits the text of the language chosen above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from ..core.codes import InvalidStationId, validate_station_id
from ..core.config import StationConfig
from ..core.i18n import QT_TRANSLATE_NOOP
from ..station.kiosk import InvalidPin, check_pin_format, hash_pin
from ..core.paths import InvalidEventName, validate_event_name
from .doctor_dialog import open_log_folder
from .i18n import LANGUAGES, current_language, default_consent_text, tr_text, translate

RESTART_FIELDS = ("event", "model", "device", "backup_dir", "language")
NO_PRINTER = QT_TRANSLATE_NOOP("Settings", "No printer: save cards as PNG and PDF in the event folder")


class SettingsDialog(QDialog):
    def __init__(
        self, config: StationConfig, cameras: list[tuple[str, str]], parent: QWidget | None = None,
        check: Callable[[], None] | None = None, models: list[tuple[str, str]] = (),
        one_off: dict[str, str] | None = None, import_model: Callable[[], None] | None = None,
        printers: list[str] = (), cards: Callable[[], str] | None = None,
    ) -> None:
        """``cameras``: (spec, description) pairs to offer, e.g. ("0", "Camera 0 (1280x720)");
        ``check`` opens the readiness checks (the station's `piday doctor`); ``models`` are
        (model, label) pairs whose labels say whether the weights are on this laptop; ``one_off``
        the settings this start runs with that are not saved (command-line flags), said plainly;
        ``printers`` the system's printer names (chosen once here, then cards print without a
        dialog); ``cards`` the cards' status line (printed count or the printer's problem)."""
        super().__init__(parent)
        self.setWindowTitle(translate("Settings", "Station settings"))
        self._original = config
        self._hashed_for = ("", "")  # (typed PIN, its hash): config() may be called more than once
        form = QFormLayout()
        self.event = QLineEdit(config.event)
        self.camera = QComboBox()
        self.camera.setEditable(True)  # a video file or image folder path can be typed
        for spec, description in cameras:
            self.camera.addItem(description, spec)
        self.camera.addItem(translate("Settings", "Test pattern (no camera needed)"), "pattern")
        index = self.camera.findData(config.camera)
        if index >= 0:
            self.camera.setCurrentIndex(index)
        else:
            self.camera.setEditText(config.camera)
        self.shots = QSpinBox()
        self.shots.setRange(1, 20)
        self.shots.setValue(config.shots_per_visitor)
        self.countdown = QDoubleSpinBox()
        self.countdown.setRange(0, 30)
        self.countdown.setSingleStep(0.5)
        self.countdown.setSuffix(translate("Settings", " s"))
        self.countdown.setValue(config.countdown_s)
        # The language, and the consent text for the language chosen here (each has its own).
        self.language = QComboBox()
        self.language.addItem(translate("Settings", "The system's language"), "")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(config.language)))
        self._consent_edits: dict[str, str] = {}  # language -> the text typed for it in this dialog
        self._consent_language = self._text_language()
        self.consent_text = QPlainTextEdit(self._shown_consent(self._consent_language))
        self.language.currentIndexChanged.connect(self._language_changed)
        self.model = QComboBox()
        self.model.setEditable(True)  # any ARCH:TAG, ARCH:/path/to/checkpoint or ARCH:none
        self.model.addItem(translate("Settings", "Default (ViT-B-32:laion2b_s34b_b79k)"), "")
        for spec, label in models:
            self.model.addItem(label, spec)
        index = self.model.findData(config.model)
        if index >= 0:
            self.model.setCurrentIndex(index)
        else:
            self.model.setEditText(config.model)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda", "mps"])
        self.device.setCurrentText(config.device)
        self.guide = QCheckBox(translate("Settings", "Show a framing guide on the preview"))
        self.guide.setChecked(config.framing_guide)
        self.as_seen = QCheckBox(translate("Settings", "Save photos mirrored, as visitors see themselves in the preview"))
        self.as_seen.setChecked(config.save_as_seen)
        self.last_visitor = QCheckBox(translate("Settings", "Show the last visitor's photo on the start page (only if "
                                                "they agreed to show it)"))
        self.last_visitor.setChecked(config.show_last_visitor)
        form.addRow(translate("Settings", "Event"), self.event)
        form.addRow(translate("Settings", "Camera"), self.camera)
        form.addRow(translate("Settings", "Photos per visitor"), self.shots)
        form.addRow(translate("Settings", "Countdown"), self.countdown)
        form.addRow(translate("Settings", "Language"), self.language)
        self.consent_label = QLabel()
        form.addRow(self.consent_label, self.consent_text)
        self._label_consent()
        form.addRow(translate("Settings", "Model"), self.model)
        form.addRow(translate("Settings", "Device"), self.device)
        form.addRow("", self.guide)
        form.addRow("", self.as_seen)
        form.addRow("", self.last_visitor)
        self.backup = QLineEdit(config.backup_dir)
        self.backup.setPlaceholderText(translate("Settings", "a USB stick or network folder; empty: no live backup"))
        form.addRow(translate("Settings", "Backup folder"), self.backup)
        self.station = QLineEdit(config.station_id)
        self.station.setMaxLength(1)
        self.station.setPlaceholderText(translate("Settings", "one letter (A, B …) when several stations share the "
                                                          "event; empty: one station"))
        form.addRow(translate("Settings", "Station id"), self.station)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(8)
        self.pin.setPlaceholderText(translate("Settings", "4-8 digits; asked before Settings, quitting and leaving "
                                              "full screen") if not config.kiosk_pin
                                    else translate("Settings", "a new PIN (empty: keep the current one)"))
        self.no_pin = QCheckBox(translate("Settings", "No PIN"))
        self.no_pin.setChecked(not config.kiosk_pin)
        self.no_pin.toggled.connect(lambda off: self.pin.setEnabled(not off))
        self.pin.setEnabled(bool(config.kiosk_pin))
        pin_row = QHBoxLayout()
        pin_row.addWidget(self.pin, 1)
        pin_row.addWidget(self.no_pin)
        form.addRow(translate("Settings", "Kiosk PIN"), pin_row)
        self.counters = QLabel(translate("Settings", "Counting…"))
        self.counters.setWordWrap(True)
        self.reset_counters = QPushButton(translate("Settings", "Reset counters"))
        self.reset_counters.setToolTip(translate("Settings", "Count from now on (e.g. each morning); nothing is deleted"))
        counter_row = QHBoxLayout()
        counter_row.addWidget(self.counters, 1)
        counter_row.addWidget(self.reset_counters)
        form.addRow(translate("Settings", "Counters"), counter_row)
        self.souvenir = QCheckBox(translate("Settings", "Make a souvenir card after the last photo"))
        self.souvenir.setChecked(config.souvenir_card)
        form.addRow(translate("Settings", "Souvenir card"), self.souvenir)
        self.printer = QComboBox()
        self.printer.setEditable(True)  # a printer that is switched off now can still be named
        self.printer.addItem(tr_text(NO_PRINTER), "")
        for name in printers:
            self.printer.addItem(name, name)
        index = self.printer.findData(config.printer)
        if index >= 0:
            self.printer.setCurrentIndex(index)
        else:
            self.printer.setEditText(config.printer)
        form.addRow(translate("Settings", "Card printer"), self.printer)
        self.autoprint = QCheckBox(translate("Settings", "Print each card without the visitor pressing Print"))
        self.autoprint.setChecked(config.print_automatically)
        form.addRow("", self.autoprint)
        self.map_url = QLineEdit(config.map_url)
        self.map_url.setPlaceholderText(translate("Settings", "https://…/map.html: where you publish `piday map --public`"))
        self.map_url.setToolTip(translate("Settings", "The card's QR code opens this page with the visitor's own "
                                          "photos lit (map.html#P-017). Publish the --public map only: it is what "
                                          "visitors will see."))
        form.addRow(translate("Settings", "Published map"), self.map_url)
        if cards is not None:
            self.cards = QLabel(cards())
            form.addRow("", self.cards)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #ff6b6b")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(translate("Settings", "Event, model, device, backup folder and language take effect at "
                                            "the next start.")))
        self.one_off = QLabel("")
        self.one_off.setWordWrap(True)
        self.one_off.setStyleSheet("color: #ffd866")
        if one_off:
            if "demo" in one_off:
                self.one_off.setText(translate("Settings", "Demo mode (a rehearsal): changes apply now and are not saved."))
            else:
                listed = ", ".join(f"{k} {v}" for k, v in one_off.items())
                self.one_off.setText(translate("Settings", "For this start only (from the command line): {settings}. "
                                               "Saving keeps the saved values of those unless you change them here.")
                                     .format(settings=listed))
        self.one_off.setVisible(bool(one_off))
        layout.addWidget(self.one_off)
        layout.addWidget(self.error)
        tools = QHBoxLayout()
        if check is not None:
            self.check = QPushButton(translate("Settings", "Check this laptop…"))
            self.check.clicked.connect(check)
            tools.addWidget(self.check)
        if import_model is not None:  # a .pidaymodel file: installed and loaded without a restart
            self.import_model = QPushButton(translate("Settings", "Import a model file…"))
            self.import_model.clicked.connect(lambda: (self.reject(), import_model()))
            tools.addWidget(self.import_model)
        self.logs = QPushButton(translate("Settings", "Open log folder"))
        self.logs.clicked.connect(open_log_folder)
        tools.addWidget(self.logs)
        tools.addStretch()
        layout.addLayout(tools)
        layout.addWidget(buttons)

    # -- the consent text of each language ------------------------------------------------

    def _text_language(self) -> str:
        """The language whose consent text the box shows: the one chosen here ("" the running one)."""
        return self.language.currentData() or current_language()

    def _shown_consent(self, language: str) -> str:
        if language in self._consent_edits:
            return self._consent_edits[language]
        return self._original.own_consent_text(language) or default_consent_text(language)

    def _label_consent(self) -> None:
        self.consent_label.setText(translate("Settings", "Consent text ({language})").format(
            language=LANGUAGES.get(self._consent_language, self._consent_language)))

    def _language_changed(self) -> None:
        self._consent_edits[self._consent_language] = self.consent_text.toPlainText()
        self._consent_language = self._text_language()
        self.consent_text.setPlainText(self._shown_consent(self._consent_language))
        self._label_consent()

    def _with_consent_texts(self, config: StationConfig) -> StationConfig:
        """The consent texts typed here, each stored only if it differs from what would show anyway."""
        edits = dict(self._consent_edits)
        edits[self._consent_language] = self.consent_text.toPlainText()
        for language, text in edits.items():
            shown = self._original.own_consent_text(language) or default_consent_text(language)
            if text.strip() != shown.strip():  # what the volunteer changed; the rest stays as it was
                config = config.with_consent_text(language, text, default_consent_text(language))
        return config

    def show_counters(self, counters) -> None:
        """The station's counters (station/counters.py), read off the UI thread by the window."""
        lines = ", ".join(tr_text(line) for line in counters.lines())
        if counters.since:
            text = translate("Settings", "{counters} since {time} UTC").format(
                counters=lines, time=counters.since[:16].replace("T", " "))
        else:
            text = translate("Settings", "{counters} this event").format(counters=lines)
        self.counters.setText(text)

    @staticmethod
    def _choice(combo: QComboBox) -> str:
        """The chosen item's value, or what was typed when it matches no item."""
        data = combo.currentData()
        text = combo.currentText().strip()
        if data is not None and combo.itemText(combo.currentIndex()) == text:
            return str(data)
        return text

    def camera_spec(self) -> str:
        return self._choice(self.camera)

    def config(self) -> StationConfig:
        config = replace(
            self._original, event=self.event.text().strip(), camera=self.camera_spec(),
            shots_per_visitor=self.shots.value(), countdown_s=self.countdown.value(),
            model=self._choice(self.model), device=self.device.currentText(), framing_guide=self.guide.isChecked(),
            backup_dir=self.backup.text().strip(), station_id=self.station.text().strip().upper(),
            kiosk_pin=self._kiosk_pin(), save_as_seen=self.as_seen.isChecked(),
            show_last_visitor=self.last_visitor.isChecked(), souvenir_card=self.souvenir.isChecked(),
            printer=self._choice(self.printer), print_automatically=self.autoprint.isChecked(),
            map_url=self.map_url.text().strip(), language=self.language.currentData() or "",
        )
        return self._with_consent_texts(config)

    def _kiosk_pin(self) -> str:
        """The stored PIN hash after this dialog: removed, replaced by a new one, or kept."""
        if self.no_pin.isChecked():
            return ""
        typed = self.pin.text().strip()
        if not typed:
            return self._original.kiosk_pin
        if typed != self._hashed_for[0]:
            self._hashed_for = (typed, hash_pin(typed))  # a random salt: hash each typed PIN once
        return self._hashed_for[1]

    def needs_restart(self) -> bool:
        new = self.config()
        return any(getattr(new, f) != getattr(self._original, f) for f in RESTART_FIELDS)

    def _accept(self) -> None:
        try:
            validate_event_name(self.event.text().strip())
        except InvalidEventName as exc:
            self.error.setText(str(exc))
            return
        try:
            validate_station_id(self.station.text())
        except InvalidStationId as exc:
            self.error.setText(str(exc))
            return
        if not self.no_pin.isChecked():
            if not self.pin.text().strip() and not self._original.kiosk_pin:
                self.error.setText(translate("Settings", "Type a PIN of 4 to 8 digits, or tick No PIN"))
                return
            try:
                if self.pin.text().strip():
                    check_pin_format(self.pin.text().strip())
            except InvalidPin as exc:
                self.error.setText(translate("Settings", "Kiosk PIN: {problem}").format(problem=exc))
                return
        url = self.map_url.text().strip()
        if url and not url.lower().startswith(("https://", "http://")):
            self.error.setText(translate("Settings", "The published map must be a web address (https://…), as a "
                                         "phone opens it from the QR code."))
            return
        self.accept()

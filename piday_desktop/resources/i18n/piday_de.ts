<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>Atlas</name>
    <message>
        <source>The online map opens once enough visitors have joined it.</source>
        <translation>Die Online-Karte öffnet, sobald genug Besucher dabei sind.</translation>
    </message>
    <message>
        <source>The online map opens once the first photos are up.</source>
        <translation>Die Online-Karte öffnet, sobald die ersten Fotos oben sind.</translation>
    </message>
    <message>
        <source>Atlas: nothing to upload yet</source>
        <translation>Atlas: noch nichts hochzuladen</translation>
    </message>
    <message>
        <source>The online map is not set up on this laptop: your photos stay here.</source>
        <translation>Die Online-Karte ist auf diesem Laptop nicht eingerichtet: Ihre Fotos bleiben hier.</translation>
    </message>
    <message>
        <source>The online map cannot be reached right now: your photos wait here and go up by themselves.</source>
        <translation>Die Online-Karte ist gerade nicht erreichbar: Ihre Fotos warten hier und gehen von selbst hoch.</translation>
    </message>
    <message>
        <source>{n} on the map</source>
        <translation>{n} auf der Karte</translation>
    </message>
    <message>
        <source>Atlas: up to date</source>
        <translation>Atlas: aktuell</translation>
    </message>
    <message>
        <source>Atlas: {counts}</source>
        <translation>Atlas: {counts}</translation>
    </message>
    <message>
        <source>Atlas: not set up on this laptop (no key)</source>
        <translation>Atlas: auf diesem Laptop nicht eingerichtet (kein Schlüssel)</translation>
    </message>
    <message>
        <source>Atlas: the key was refused</source>
        <translation>Atlas: der Schlüssel wurde abgelehnt</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map, {pending} waiting; retrying in {seconds} s</source>
        <translation>Atlas: {n} auf der Karte, {pending} warten; neuer Versuch in {seconds} s</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map, {pending} waiting; retrying</source>
        <translation>Atlas: {n} auf der Karte, {pending} warten; neuer Versuch läuft</translation>
    </message>
    <message>
        <source>The online map</source>
        <translation>Die Online-Karte</translation>
    </message>
    <message>
        <source>Forget a visitor…</source>
        <translation>Besucher vergessen…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Forget a visitor</source>
        <translation>Besucher vergessen</translation>
    </message>
    <message>
        <source>Participant code (e.g. P-017):</source>
        <translation>Teilnehmercode (z. B. P-017):</translation>
    </message>
    <message>
        <source>Nomic Atlas key</source>
        <translation>Nomic-Atlas-Schlüssel</translation>
    </message>
    <message>
        <source>nk-…  (from atlas.nomic.ai → your organisation → API keys)</source>
        <translation>nk-…  (von atlas.nomic.ai → Ihre Organisation → API keys)</translation>
    </message>
    <message>
        <source>The key is stored for this laptop's user only; it never goes into logs or exports.</source>
        <translation>Der Schlüssel wird nur für den Benutzer dieses Laptops gespeichert; er landet nie in Protokollen oder Exporten.</translation>
    </message>
    <message>
        <source>Save key</source>
        <translation>Schlüssel speichern</translation>
    </message>
    <message>
        <source>Checking the key…</source>
        <translation>Schlüssel wird geprüft…</translation>
    </message>
    <message>
        <source>Key saved. Uploading starts now.</source>
        <translation>Schlüssel gespeichert. Der Upload beginnt jetzt.</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>Jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>Enter Atlas key…</source>
        <translation>Atlas-Schlüssel eingeben…</translation>
    </message>
    <message>
        <source>Show map</source>
        <translation>Karte zeigen</translation>
    </message>
    <message>
        <source>{counts}, {pending} to upload</source>
        <translation>{counts}, {pending} hochzuladen</translation>
    </message>
    <message>
        <source>{counts} (rebuilding the map without an erased visitor)</source>
        <translation>{counts} (Karte wird ohne einen gelöschten Besucher neu erstellt)</translation>
    </message>
    <message>
        <source>Atlas: {counts}. Not uploading: {reason}; retrying</source>
        <translation>Atlas: {counts}. Kein Upload: {reason}; neuer Versuch läuft</translation>
    </message>
    <message>
        <source>Atlas: {counts}; waiting: {reason}</source>
        <translation>Atlas: {counts}; wartet: {reason}</translation>
    </message>
    <message>
        <source>Atlas: uploading… {counts}</source>
        <translation>Atlas: lädt hoch… {counts}</translation>
    </message>
    <message>
        <source>Atlas: {n} photo on the map</source>
        <translation>Atlas: {n} Foto auf der Karte</translation>
    </message>
    <message>
        <source>Atlas: all {n} photos on the map</source>
        <translation>Atlas: alle {n} Fotos auf der Karte</translation>
    </message>
    <message>
        <source>Atlas: stopped ({counts})</source>
        <translation>Atlas: angehalten ({counts})</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; retrying in {seconds} s</source>
        <translation>Atlas: {n} auf der Karte; neuer Versuch in {seconds} s</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; retrying</source>
        <translation>Atlas: {n} auf der Karte; neuer Versuch läuft</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; waiting</source>
        <translation>Atlas: {n} auf der Karte; wartet</translation>
    </message>
    <message>
        <source>The online map: {note}.</source>
        <translation>Die Online-Karte: {note}.</translation>
    </message>
    <message>
        <source>Paste the Atlas API key of the organisation that holds the event's map:</source>
        <translation>Fügen Sie den Atlas-API-Schlüssel der Organisation ein, der die Karte der Veranstaltung gehört:</translation>
    </message>
    <message>
        <source>Paste a key first.</source>
        <translation>Erst einen Schlüssel einfügen.</translation>
    </message>
    <message>
        <source>Atlas: {counts}. Not uploading: {reason}; retrying in {seconds} s</source>
        <translation>Atlas: {counts}. Kein Upload: {reason}; neuer Versuch in {seconds} s</translation>
    </message>
    <message>
        <source>Scan to see the map: {link}</source>
        <translation>Scannen, um die Karte zu sehen: {link}</translation>
    </message>
    <message>
        <source>Erase {code}'s photos from this laptop and from the online map? This cannot be undone.</source>
        <translation>Die Fotos von {code} von diesem Laptop und der Online-Karte löschen? Das lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <source>Erasing {code}…</source>
        <translation>{code} wird gelöscht…</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>Nicht gespeichert: {reason}</translation>
    </message>
    <message>
        <source>Not erased: {reason}</source>
        <translation>Nicht gelöscht: {reason}</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photo). The online map is being rebuilt without it; the status bar shows when it is done.</source>
        <translation>{code} hier gelöscht ({n} Foto). Die Online-Karte wird ohne es neu erstellt; die Statusleiste zeigt, wann sie fertig ist.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photos). The online map is being rebuilt without them; the status bar shows when it is done.</source>
        <translation>{code} hier gelöscht ({n} Fotos). Die Online-Karte wird ohne sie neu erstellt; die Statusleiste zeigt, wann sie fertig ist.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photo); nothing of theirs was online.</source>
        <translation>{code} hier gelöscht ({n} Foto); nichts davon war online.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photos); nothing of theirs was online.</source>
        <translation>{code} hier gelöscht ({n} Fotos); nichts davon war online.</translation>
    </message>
</context>
<context>
    <name>Backup</name>
    <message>
        <source>Backup up to date</source>
        <translation>Sicherung aktuell</translation>
    </message>
    <message>
        <source>Backup starting…</source>
        <translation>Sicherung startet…</translation>
    </message>
    <message>
        <source>Backup target missing</source>
        <translation>Sicherungsziel fehlt</translation>
    </message>
    <message>
        <source>Backup {n} behind</source>
        <translation>Sicherung: {n} ausstehend</translation>
    </message>
    <message>
        <source>Backup failing: {reason}</source>
        <translation>Sicherung scheitert: {reason}</translation>
    </message>
    <message>
        <source>Backup folder: {folder}</source>
        <translation>Sicherungsordner: {folder}</translation>
    </message>
    <message>
        <source>Backup target missing ({n} behind)</source>
        <translation>Sicherungsziel fehlt ({n} ausstehend)</translation>
    </message>
</context>
<context>
    <name>Consent</name>
    <message>
        <source>We take a few photos of you for this exhibition's live map. CLIP, an AI model, turns each photo into numbers so that similar-looking photos sit close together. Choose what we may do:</source>
        <translation>Wir machen ein paar Fotos von Ihnen für die Live-Karte dieser Ausstellung. CLIP, ein KI-Modell, macht aus jedem Foto Zahlen, sodass ähnlich aussehende Fotos nah beieinander liegen. Wählen Sie, was wir tun dürfen:</translation>
    </message>
</context>
<context>
    <name>Controller</name>
    <message>
        <source>The camera has no picture to take.</source>
        <translation>Die Kamera liefert kein Bild zum Aufnehmen.</translation>
    </message>
    <message>
        <source>Check that the camera is connected and the preview is live, then press Enter.</source>
        <translation>Prüfen Sie, ob die Kamera angeschlossen ist und die Vorschau läuft, dann Enter drücken.</translation>
    </message>
    <message>
        <source>Something went wrong while saving ({error}).</source>
        <translation>Beim Speichern ist etwas schiefgegangen ({error}).</translation>
    </message>
    <message>
        <source>The camera's file {name} is not a photo piday can read ({error}).</source>
        <translation>Die Kameradatei {name} ist kein Foto, das piday lesen kann ({error}).</translation>
    </message>
    <message>
        <source>That photo is stored already ({code}, shot {shot}): take a new one with the camera.</source>
        <translation>Dieses Foto ist schon gespeichert ({code}, Aufnahme {shot}): bitte ein neues mit der Kamera machen.</translation>
    </message>
    <message>
        <source>The disk is full: the last photo could not be saved.</source>
        <translation>Der Datenträger ist voll: Das letzte Foto konnte nicht gespeichert werden.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Free some disk space (or switch to another event on a bigger disk), then press Enter.</source>
        <translation>Behaltene Fotos sind sicher. Geben Sie Speicherplatz frei (oder wechseln Sie zu einer Veranstaltung auf einem größeren Datenträger), dann Enter drücken.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Press Enter to continue; if it happens again, restart the station.</source>
        <translation>Behaltene Fotos sind sicher. Enter drücken, um weiterzumachen; passiert es wieder, die Station neu starten.</translation>
    </message>
</context>
<context>
    <name>Counters</name>
    <message>
        <source>Visitors: {n}</source>
        <translation>Besucher: {n}</translation>
    </message>
    <message>
        <source>Photos taken: {n}</source>
        <translation>Fotos aufgenommen: {n}</translation>
    </message>
    <message>
        <source>Kept: {n}</source>
        <translation>Behalten: {n}</translation>
    </message>
    <message>
        <source>Retakes: {n}</source>
        <translation>Wiederholt: {n}</translation>
    </message>
    <message>
        <source>Deleted: {n}</source>
        <translation>Gelöscht: {n}</translation>
    </message>
</context>
<context>
    <name>DamagedEvent</name>
    <message>
        <source>piday cannot open the event</source>
        <translation>piday kann die Veranstaltung nicht öffnen</translation>
    </message>
    <message>
        <source>Use another event…</source>
        <translation>Andere Veranstaltung verwenden…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Another event</source>
        <translation>Andere Veranstaltung</translation>
    </message>
    <message>
        <source>Name of the event to use today (e.g. pi-day-2026-b):</source>
        <translation>Name der Veranstaltung für heute (z. B. pi-day-2026-b):</translation>
    </message>
    <message>
        <source>The event “{event}” cannot be opened.</source>
        <translation>Die Veranstaltung „{event}“ kann nicht geöffnet werden.</translation>
    </message>
</context>
<context>
    <name>Doctor</name>
    <message>
        <source>Is this laptop ready?</source>
        <translation>Ist dieser Laptop bereit?</translation>
    </message>
    <message>
        <source>Checking… (about 10-30 s)</source>
        <translation>Prüfe… (etwa 10–30 s)</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Protokollordner öffnen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Ready for the event</source>
        <translation>Bereit für die Veranstaltung</translation>
    </message>
    <message>
        <source>Not ready: {n} problem to fix</source>
        <translation>Nicht bereit: {n} Problem zu beheben</translation>
    </message>
    <message>
        <source>Not ready: {n} problems to fix</source>
        <translation>Nicht bereit: {n} Probleme zu beheben</translation>
    </message>
    <message>
        <source>{verdict}, {n} warning. Log: {log}</source>
        <translation>{verdict}, {n} Warnung. Protokoll: {log}</translation>
    </message>
    <message>
        <source>{verdict}, {n} warnings. Log: {log}</source>
        <translation>{verdict}, {n} Warnungen. Protokoll: {log}</translation>
    </message>
    <message>
        <source>fix:</source>
        <translation>Lösung:</translation>
    </message>
</context>
<context>
    <name>FirstRun</name>
    <message>
        <source>default, on this laptop</source>
        <translation>Standard, auf diesem Laptop</translation>
    </message>
    <message>
        <source>default, not on this laptop yet: see `piday doctor`</source>
        <translation>Standard, noch nicht auf diesem Laptop: siehe `piday doctor`</translation>
    </message>
    <message>
        <source>on this laptop</source>
        <translation>auf diesem Laptop</translation>
    </message>
    <message>
        <source>not on this laptop yet: see `piday doctor`</source>
        <translation>noch nicht auf diesem Laptop: siehe `piday doctor`</translation>
    </message>
    <message>
        <source>{model} (rehearsal: random weights, no download)</source>
        <translation>{model} (Probe: Zufallsgewichte, kein Download)</translation>
    </message>
    <message>
        <source>Set up this station</source>
        <translation>Diese Station einrichten</translation>
    </message>
    <message>
        <source>Letters, digits, '.', '_' or '-': one folder of photos per event</source>
        <translation>Buchstaben, Ziffern, '.', '_' oder '-': ein Fotoordner pro Veranstaltung</translation>
    </message>
    <message>
        <source>Camera 0 (looking for cameras…)</source>
        <translation>Kamera 0 (suche Kameras…)</translation>
    </message>
    <message>
        <source>Test pattern (no camera needed)</source>
        <translation>Testbild (keine Kamera nötig)</translation>
    </message>
    <message>
        <source>Later (photos stay on this laptop until someone logs in)</source>
        <translation>Später (Fotos bleiben auf diesem Laptop, bis sich jemand anmeldet)</translation>
    </message>
    <message>
        <source>Log in now with an API key:</source>
        <translation>Jetzt mit API-Schlüssel anmelden:</translation>
    </message>
    <message>
        <source>Event name</source>
        <translation>Name der Veranstaltung</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Start the station</source>
        <translation>Station starten</translation>
    </message>
    <message>
        <source>Welcome! A few choices before the first visitor. All of them can be changed later in Settings; `piday doctor` checks the laptop is ready.</source>
        <translation>Willkommen! Ein paar Entscheidungen vor dem ersten Besucher. Alles lässt sich später in den Einstellungen ändern; `piday doctor` prüft, ob der Laptop bereit ist.</translation>
    </message>
    <message>
        <source>Logging in to Atlas…</source>
        <translation>Anmeldung bei Atlas…</translation>
    </message>
    <message>
        <source>Camera 0 (none found: plug the webcam in)</source>
        <translation>Kamera 0 (keine gefunden: Webcam anschließen)</translation>
    </message>
    <message>
        <source>Camera {camera}</source>
        <translation>Kamera {camera}</translation>
    </message>
    <message>
        <source>{camera} (from the command line)</source>
        <translation>{camera} (von der Kommandozeile)</translation>
    </message>
    <message>
        <source>{model} (default; checking this laptop…)</source>
        <translation>{model} (Standard; prüfe diesen Laptop…)</translation>
    </message>
    <message>
        <source>{model} (asked for at this start)</source>
        <translation>{model} (für diesen Start angegeben)</translation>
    </message>
    <message>
        <source>Atlas login failed: {problem}. Try again, or choose Later.</source>
        <translation>Atlas-Anmeldung fehlgeschlagen: {problem}. Erneut versuchen oder „Später“ wählen.</translation>
    </message>
</context>
<context>
    <name>LastVisitor</name>
    <message>
        <source>Our last visitor, {code}</source>
        <translation>Unser letzter Besuch: {code}</translation>
    </message>
</context>
<context>
    <name>MapCard</name>
    <message>
        <source>You look most like…</source>
        <translation>Am ähnlichsten sehen Sie…</translation>
    </message>
    <message>
        <source>{code} · photo {shot}</source>
        <translation>{code} · Foto {shot}</translation>
    </message>
    <message>
        <source>{code}, photo {shot}: cosine similarity {score}</source>
        <translation>{code}, Foto {shot}: Kosinus-Ähnlichkeit {score}</translation>
    </message>
</context>
<context>
    <name>MapPane</name>
    <message>
        <source>Search: glasses, a red hat, P-017</source>
        <translation>Suche: Brille, roter Hut, P-017</translation>
    </message>
    <message>
        <source>Whole map</source>
        <translation>Ganze Karte</translation>
    </message>
    <message>
        <source>Show the whole map again (double-click empty space does the same)</source>
        <translation>Wieder die ganze Karte zeigen (Doppelklick auf eine leere Stelle geht auch)</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>Vollbild</translation>
    </message>
    <message>
        <source>Open the map full screen, on a second monitor if there is one (F2)</source>
        <translation>Karte im Vollbild öffnen, auf einem zweiten Bildschirm, falls vorhanden (F2)</translation>
    </message>
    <message>
        <source>Word search starts once the model has loaded; participant codes work now</source>
        <translation>Wortsuche geht, sobald das Modell geladen ist; Teilnehmercodes gehen schon</translation>
    </message>
    <message>
        <source>{query}: {n} photo</source>
        <translation>{query}: {n} Foto</translation>
    </message>
    <message>
        <source>{query}: {n} photos</source>
        <translation>{query}: {n} Fotos</translation>
    </message>
    <message>
        <source>The “{query}” group: {n} photo</source>
        <translation>Die Gruppe „{query}“: {n} Foto</translation>
    </message>
    <message>
        <source>The “{query}” group: {n} photos</source>
        <translation>Die Gruppe „{query}“: {n} Fotos</translation>
    </message>
    <message>
        <source>Nothing on the map yet</source>
        <translation>Noch nichts auf der Karte</translation>
    </message>
    <message>
        <source>Looking for “{text}”…</source>
        <translation>Suche „{text}“…</translation>
    </message>
    <message>
        <source>No photos of {query} yet</source>
        <translation>Noch keine Fotos von {query}</translation>
    </message>
    <message>
        <source>The best match for “{query}”</source>
        <translation>Der beste Treffer für „{query}“</translation>
    </message>
    <message>
        <source>The {n} best matches for “{query}”</source>
        <translation>Die {n} besten Treffer für „{query}“</translation>
    </message>
</context>
<context>
    <name>MapView</name>
    <message>
        <source>The map is waiting for its model</source>
        <translation>Die Karte wartet auf ihr Modell</translation>
    </message>
    <message>
        <source>Photos are kept, and land here as soon as a model is there.
The start page says how.</source>
        <translation>Fotos bleiben gespeichert und landen hier, sobald ein Modell da ist.
Die Startseite sagt, wie.</translation>
    </message>
    <message>
        <source>Your photo starts the map</source>
        <translation>Ihr Foto beginnt die Karte</translation>
    </message>
    <message>
        <source>Everyone who visits lands here.
Look-alikes end up side by side.</source>
        <translation>Alle Besucher landen hier.
Wer sich ähnelt, landet nebeneinander.</translation>
    </message>
    <message>
        <source>The map grows with every visitor: look-alikes land close together.</source>
        <translation>Die Karte wächst mit jedem Besucher: Ähnliche landen nah beieinander.</translation>
    </message>
</context>
<context>
    <name>ModelImport</name>
    <message>
        <source>piday model files (*.pidaymodel);;All files (*)</source>
        <translation>piday-Modelldateien (*.pidaymodel);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Import a model file</source>
        <translation>Modelldatei importieren</translation>
    </message>
    <message>
        <source>{file} could not be read or installed ({error})</source>
        <translation>{file} konnte nicht gelesen oder installiert werden ({error})</translation>
    </message>
</context>
<context>
    <name>OneStation</name>
    <message>
        <source>Station already open</source>
        <translation>Station bereits geöffnet</translation>
    </message>
    <message>
        <source>The station for event “{event}” is already open on this laptop, but its window did not come forward.

Look for it behind other windows or on another screen. If it is frozen, close it (or end piday in the task manager) and start piday again: every photo it saved is kept.</source>
        <translation>Die Station für die Veranstaltung „{event}“ ist auf diesem Laptop bereits geöffnet, aber ihr Fenster ist nicht nach vorne gekommen.

Suchen Sie es hinter anderen Fenstern oder auf einem anderen Bildschirm. Wenn es eingefroren ist, schließen Sie es (oder beenden Sie piday im Task-Manager) und starten Sie piday erneut: Jedes gespeicherte Foto bleibt erhalten.</translation>
    </message>
</context>
<context>
    <name>Pages</name>
    <message>
        <source>Where do you land?</source>
        <translation>Wo landen Sie?</translation>
    </message>
    <message>
        <source>Get your photo taken and see it join everyone's map.</source>
        <translation>Lassen Sie sich fotografieren und sehen Sie Ihr Foto auf der Karte aller.</translation>
    </message>
    <message>
        <source>Use the test pattern</source>
        <translation>Testbild verwenden</translation>
    </message>
    <message>
        <source>Choose a camera…</source>
        <translation>Kamera wählen…</translation>
    </message>
    <message>
        <source>Import a model file…</source>
        <translation>Modelldatei importieren…</translation>
    </message>
    <message>
        <source>Start  (Space)</source>
        <translation>Start  (Leertaste)</translation>
    </message>
    <message>
        <source>Finish interrupted visits</source>
        <translation>Unterbrochene Besuche abschließen</translation>
    </message>
    <message>
        <source>Resume the last one</source>
        <translation>Letzten fortsetzen</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Einstellungen…</translation>
    </message>
    <message>
        <source>Keep my photos for this event's map here</source>
        <translation>Meine Fotos hier für die Karte behalten</translation>
    </message>
    <message>
        <source>Put my photos' position (not the photos)
on the public online map</source>
        <translation>Die Position meiner Fotos (nicht die Fotos)
auf die öffentliche Online-Karte setzen</translation>
    </message>
    <message>
        <source>Also show my photos on the public online map</source>
        <translation>Meine Fotos auch auf der öffentlichen Karte zeigen</translation>
    </message>
    <message>
        <source>Nickname (optional, stays on this laptop)</source>
        <translation>Spitzname (freiwillig, bleibt auf diesem Laptop)</translation>
    </message>
    <message>
        <source>No thanks  (Esc)</source>
        <translation>Nein danke  (Esc)</translation>
    </message>
    <message>
        <source>Continue  (Enter)</source>
        <translation>Weiter  (Enter)</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Danke!</translation>
    </message>
    <message>
        <source>Another photo</source>
        <translation>Anderes Foto</translation>
    </message>
    <message>
        <source>Print my card  (P)</source>
        <translation>Karte drucken  (P)</translation>
    </message>
    <message>
        <source>Next visitor  (Enter)</source>
        <translation>Nächster Besuch  (Enter)</translation>
    </message>
    <message>
        <source>OK, back to start  (Enter)</source>
        <translation>OK, zurück zum Start  (Enter)</translation>
    </message>
    <message>
        <source>Before we start</source>
        <translation>Bevor es losgeht</translation>
    </message>
    <message>
        <source>No photos were kept.</source>
        <translation>Keine Fotos behalten.</translation>
    </message>
    <message>
        <source>Something needs attention</source>
        <translation>Etwas braucht Aufmerksamkeit</translation>
    </message>
    <message>
        <source>Interrupted visits from before the restart: {visits}. Their photos are safe.</source>
        <translation>Unterbrochene Besuche von vor dem Neustart: {visits}. Ihre Fotos sind sicher.</translation>
    </message>
    <message>
        <source>Resume {code}</source>
        <translation>{code} fortsetzen</translation>
    </message>
    <message>
        <source>Thank you, {code}!</source>
        <translation>Danke, {code}!</translation>
    </message>
    <message>
        <source>{n} photo kept. Look for yourself on the map.</source>
        <translation>{n} Foto behalten. Suchen Sie sich auf der Karte.</translation>
    </message>
    <message>
        <source>{n} photos kept. Look for yourself on the map.</source>
        <translation>{n} Fotos behalten. Suchen Sie sich auf der Karte.</translation>
    </message>
    <message>
        <source>{n} photo kept. It will join the map as soon as the station's model is ready.</source>
        <translation>{n} Foto behalten. Es kommt auf die Karte, sobald das Modell der Station bereit ist.</translation>
    </message>
    <message>
        <source>{n} photos kept. They join the map as soon as the station's model is ready.</source>
        <translation>{n} Fotos behalten. Sie kommen auf die Karte, sobald das Modell der Station bereit ist.</translation>
    </message>
</context>
<context>
    <name>PinPrompt</name>
    <message>
        <source>Enter the station's PIN to open Settings.</source>
        <translation>PIN der Station eingeben, um die Einstellungen zu öffnen.</translation>
    </message>
    <message>
        <source>Enter the station's PIN to quit piday.</source>
        <translation>PIN der Station eingeben, um piday zu beenden.</translation>
    </message>
    <message>
        <source>Enter the station's PIN to leave full screen.</source>
        <translation>PIN der Station eingeben, um das Vollbild zu verlassen.</translation>
    </message>
    <message>
        <source>Enter the station's PIN.</source>
        <translation>PIN der Station eingeben.</translation>
    </message>
    <message>
        <source>Station locked</source>
        <translation>Station gesperrt</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>Falsche PIN</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>No printer: save cards as PNG and PDF in the event folder</source>
        <translation>Kein Drucker: Karten als PNG und PDF im Veranstaltungsordner speichern</translation>
    </message>
    <message>
        <source>Station settings</source>
        <translation>Einstellungen der Station</translation>
    </message>
    <message>
        <source>Test pattern (no camera needed)</source>
        <translation>Testbild (keine Kamera nötig)</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>The system's language</source>
        <translation>Sprache des Systems</translation>
    </message>
    <message>
        <source>Default (ViT-B-32:laion2b_s34b_b79k)</source>
        <translation>Standard (ViT-B-32:laion2b_s34b_b79k)</translation>
    </message>
    <message>
        <source>Show a framing guide on the preview</source>
        <translation>Bildrahmen-Hilfe in der Vorschau zeigen</translation>
    </message>
    <message>
        <source>Save photos mirrored, as visitors see themselves in the preview</source>
        <translation>Fotos gespiegelt speichern, so wie sich Besucher in der Vorschau sehen</translation>
    </message>
    <message>
        <source>Show the last visitor's photo on the start page (only if they agreed to show it)</source>
        <translation>Foto des letzten Besuchs auf der Startseite zeigen (nur wenn zugestimmt)</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Veranstaltung</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <source>Photos per visitor</source>
        <translation>Fotos pro Besucher</translation>
    </message>
    <message>
        <source>Countdown</source>
        <translation>Countdown</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>a USB stick or network folder; empty: no live backup</source>
        <translation>ein USB-Stick oder Netzwerkordner; leer: keine laufende Sicherung</translation>
    </message>
    <message>
        <source>Backup folder</source>
        <translation>Sicherungsordner</translation>
    </message>
    <message>
        <source>one letter (A, B …) when several stations share the event; empty: one station</source>
        <translation>ein Buchstabe (A, B …), wenn sich mehrere Stationen eine Veranstaltung teilen; leer: eine Station</translation>
    </message>
    <message>
        <source>Station id</source>
        <translation>Stations-ID</translation>
    </message>
    <message>
        <source>No PIN</source>
        <translation>Keine PIN</translation>
    </message>
    <message>
        <source>Kiosk PIN</source>
        <translation>Kiosk-PIN</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>Zähle…</translation>
    </message>
    <message>
        <source>Reset counters</source>
        <translation>Zähler zurücksetzen</translation>
    </message>
    <message>
        <source>Count from now on (e.g. each morning); nothing is deleted</source>
        <translation>Ab jetzt zählen (z. B. jeden Morgen); nichts wird gelöscht</translation>
    </message>
    <message>
        <source>Counters</source>
        <translation>Zähler</translation>
    </message>
    <message>
        <source>Make a souvenir card after the last photo</source>
        <translation>Nach dem letzten Foto eine Erinnerungskarte machen</translation>
    </message>
    <message>
        <source>Souvenir card</source>
        <translation>Erinnerungskarte</translation>
    </message>
    <message>
        <source>Card printer</source>
        <translation>Kartendrucker</translation>
    </message>
    <message>
        <source>Print each card without the visitor pressing Print</source>
        <translation>Jede Karte drucken, ohne dass der Besucher Drucken drückt</translation>
    </message>
    <message>
        <source>https://…/map.html: where you publish `piday map --public`</source>
        <translation>https://…/map.html: wo Sie `piday map --public` veröffentlichen</translation>
    </message>
    <message>
        <source>The card's QR code opens this page with the visitor's own photos lit (map.html#P-017). Publish the --public map only: it is what visitors will see.</source>
        <translation>Der QR-Code der Karte öffnet diese Seite mit den eigenen Fotos des Besuchers hervorgehoben (map.html#P-017). Veröffentlichen Sie nur die --public-Karte: Die sehen die Besucher.</translation>
    </message>
    <message>
        <source>Published map</source>
        <translation>Veröffentlichte Karte</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Protokollordner öffnen</translation>
    </message>
    <message>
        <source>4-8 digits; asked before Settings, quitting and leaving full screen</source>
        <translation>4–8 Ziffern; abgefragt vor Einstellungen, Beenden und Verlassen des Vollbilds</translation>
    </message>
    <message>
        <source>a new PIN (empty: keep the current one)</source>
        <translation>eine neue PIN (leer: die aktuelle behalten)</translation>
    </message>
    <message>
        <source>Event, model, device, backup folder and language take effect at the next start.</source>
        <translation>Veranstaltung, Modell, Gerät, Sicherungsordner und Sprache gelten ab dem nächsten Start.</translation>
    </message>
    <message>
        <source>Check this laptop…</source>
        <translation>Diesen Laptop prüfen…</translation>
    </message>
    <message>
        <source>Import a model file…</source>
        <translation>Modelldatei importieren…</translation>
    </message>
    <message>
        <source>The published map must be a web address (https://…), as a phone opens it from the QR code.</source>
        <translation>Die veröffentlichte Karte muss eine Webadresse sein (https://…), da ein Handy sie über den QR-Code öffnet.</translation>
    </message>
    <message>
        <source>Demo mode (a rehearsal): changes apply now and are not saved.</source>
        <translation>Demo-Modus (eine Probe): Änderungen gelten sofort und werden nicht gespeichert.</translation>
    </message>
    <message>
        <source>Consent text ({language})</source>
        <translation>Einwilligungstext ({language})</translation>
    </message>
    <message>
        <source>{counters} since {time} UTC</source>
        <translation>{counters} seit {time} UTC</translation>
    </message>
    <message>
        <source>{counters} this event</source>
        <translation>{counters} in dieser Veranstaltung</translation>
    </message>
    <message>
        <source>Type a PIN of 4 to 8 digits, or tick No PIN</source>
        <translation>Geben Sie eine PIN mit 4 bis 8 Ziffern ein oder wählen Sie „Keine PIN“</translation>
    </message>
    <message>
        <source>For this start only (from the command line): {settings}. Saving keeps the saved values of those unless you change them here.</source>
        <translation>Nur für diesen Start (von der Kommandozeile): {settings}. Beim Speichern bleiben dafür die gespeicherten Werte, außer Sie ändern sie hier.</translation>
    </message>
    <message>
        <source>Kiosk PIN: {problem}</source>
        <translation>Kiosk-PIN: {problem}</translation>
    </message>
</context>
<context>
    <name>Souvenir</name>
    <message>
        <source>Your place on the map</source>
        <translation>Ihr Platz auf der Karte</translation>
    </message>
    <message>
        <source>You look most like…</source>
        <translation>Am ähnlichsten sehen Sie…</translation>
    </message>
    <message>
        <source>Your dot joins the map in a moment.</source>
        <translation>Ihr Punkt kommt gleich auf die Karte.</translation>
    </message>
    <message>
        <source>Your photos join the map in a moment</source>
        <translation>Ihre Fotos kommen gleich auf die Karte</translation>
    </message>
    <message>
        <source>you</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>look-alikes</source>
        <translation>Ähnliche</translation>
    </message>
    <message>
        <source>everyone else</source>
        <translation>alle anderen</translation>
    </message>
    <message>
        <source>the printer did not accept the card (out of paper? switched off?)</source>
        <translation>der Drucker hat die Karte nicht angenommen (kein Papier? ausgeschaltet?)</translation>
    </message>
    <message>
        <source>You landed in: {group}</source>
        <translation>Gelandet bei: {group}</translation>
    </message>
    <message>
        <source>Scan to find your photos</source>
        <translation>Scannen: Ihre Fotos</translation>
    </message>
    <message>
        <source>on the event's map</source>
        <translation>auf der Eventkarte</translation>
    </message>
    <message>
        <source>Scan to see</source>
        <translation>Scannen für</translation>
    </message>
    <message>
        <source>the event's map</source>
        <translation>die Eventkarte</translation>
    </message>
    <message>
        <source>the printer stopped while printing the card</source>
        <translation>der Drucker hat beim Drucken der Karte angehalten</translation>
    </message>
    <message>
        <source>Look for {code} on the map at the stand</source>
        <translation>Suchen Sie {code} auf der Standkarte</translation>
    </message>
    <message>
        <source>the printer “{name}” is not connected</source>
        <translation>der Drucker „{name}“ ist nicht verbunden</translation>
    </message>
    <message>
        <source>the printer “{name}” reports a problem (out of paper? jammed? paused?)</source>
        <translation>der Drucker „{name}“ meldet ein Problem (kein Papier? Stau? angehalten?)</translation>
    </message>
    <message>
        <source>This visit is no longer in the event.</source>
        <translation>Dieser Besuch ist nicht mehr in der Veranstaltung.</translation>
    </message>
    <message>
        <source>No kept photo for a card.</source>
        <translation>Kein behaltenes Foto für eine Karte.</translation>
    </message>
    <message>
        <source>Cards: saved to the event folder (no printer)</source>
        <translation>Karten: im Veranstaltungsordner gespeichert (kein Drucker)</translation>
    </message>
    <message>
        <source>; the card is saved in the event folder</source>
        <translation>; die Karte ist im Veranstaltungsordner gespeichert</translation>
    </message>
    <message>
        <source>Cards printed: {printed}</source>
        <translation>Gedruckte Karten: {printed}</translation>
    </message>
    <message>
        <source>Printer: {problem}</source>
        <translation>Drucker: {problem}</translation>
    </message>
    <message>
        <source>Cards printed: {printed}, {printing} printing</source>
        <translation>Gedruckte Karten: {printed}, {printing} im Druck</translation>
    </message>
    <message>
        <source>Card saved in the event folder as {name}.png and .pdf.</source>
        <translation>Karte im Veranstaltungsordner als {name}.png und .pdf gespeichert.</translation>
    </message>
    <message>
        <source>The card could not be made ({error}).</source>
        <translation>Die Karte konnte nicht erstellt werden ({error}).</translation>
    </message>
    <message>
        <source>The card could not be saved: {error}</source>
        <translation>Die Karte konnte nicht gespeichert werden: {error}</translation>
    </message>
    <message>
        <source>printing failed ({error})</source>
        <translation>Drucken fehlgeschlagen ({error})</translation>
    </message>
    <message>
        <source>; the card could not be saved either ({error})</source>
        <translation>; die Karte konnte auch nicht gespeichert werden ({error})</translation>
    </message>
    <message>
        <source>Making your card…</source>
        <translation>Ihre Karte entsteht…</translation>
    </message>
    <message>
        <source>Printing your card…</source>
        <translation>Ihre Karte wird gedruckt…</translation>
    </message>
    <message>
        <source>Drawing your card…</source>
        <translation>Ihre Karte wird gezeichnet…</translation>
    </message>
    <message>
        <source>Printed: take your card from the printer.</source>
        <translation>Gedruckt: Nehmen Sie Ihre Karte aus dem Drucker.</translation>
    </message>
    <message>
        <source>Your card (your dots are on their way to the map)…</source>
        <translation>Ihre Karte (Ihre Punkte sind unterwegs zur Karte)…</translation>
    </message>
    <message>
        <source>Your card is saved: ask us for a print.</source>
        <translation>Ihre Karte ist gespeichert: Fragen Sie nach einem Ausdruck.</translation>
    </message>
    <message>
        <source>Your card is saved: ask us for a print, or scan the code.</source>
        <translation>Ihre Karte ist gespeichert: Fragen Sie nach einem Ausdruck oder scannen Sie den Code.</translation>
    </message>
    <message>
        <source>Press Print to take your card home.</source>
        <translation>Drücken Sie Drucken und nehmen Sie Ihre Karte mit.</translation>
    </message>
    <message>
        <source>Your dots are on their way to the map…</source>
        <translation>Ihre Punkte sind unterwegs zur Karte…</translation>
    </message>
    <message>
        <source>Not printed: {problem}. Please ask a volunteer.</source>
        <translation>Nicht gedruckt: {problem}. Bitte fragen Sie jemanden vom Team.</translation>
    </message>
</context>
<context>
    <name>StationWindow</name>
    <message>
        <source>{n} photo</source>
        <translation>{n} Foto</translation>
    </message>
    <message>
        <source>{n} photos</source>
        <translation>{n} Fotos</translation>
    </message>
    <message>
        <source>live</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>startet</translation>
    </message>
    <message>
        <source>lost</source>
        <translation>verloren</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>verbindet neu</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>gescheitert</translation>
    </message>
    <message>
        <source>ended</source>
        <translation>beendet</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>Camera lost, reconnecting…</source>
        <translation>Kamera verloren, verbinde neu…</translation>
    </message>
    <message>
        <source>Cancel
Esc</source>
        <translation>Abbrechen
Esc</translation>
    </message>
    <message>
        <source>Retake
Backspace</source>
        <translation>Nochmal
Rücktaste</translation>
    </message>
    <message>
        <source>Delete
Del</source>
        <translation>Löschen
Entf</translation>
    </message>
    <message>
        <source>Keep
Enter</source>
        <translation>Behalten
Enter</translation>
    </message>
    <message>
        <source>Take photo
Space</source>
        <translation>Foto machen
Leertaste</translation>
    </message>
    <message>
        <source>Finish
Enter</source>
        <translation>Fertig
Enter</translation>
    </message>
    <message>
        <source>Rehearsal (demo mode): test pattern camera, random-weights model; nothing here changes the saved settings.</source>
        <translation>Probe (Demo-Modus): Testbild statt Kamera, Modell mit Zufallsgewichten; hier ändert nichts die gespeicherten Einstellungen.</translation>
    </message>
    <message>
        <source>Starting the camera…</source>
        <translation>Kamera startet…</translation>
    </message>
    <message>
        <source>No camera picture</source>
        <translation>Kein Kamerabild</translation>
    </message>
    <message>
        <source>The video ended</source>
        <translation>Das Video ist zu Ende</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Press Enter to continue.</source>
        <translation>Behaltene Fotos sind sicher. Enter drücken, um weiterzumachen.</translation>
    </message>
    <message>
        <source>A visit is in progress</source>
        <translation>Ein Besuch läuft</translation>
    </message>
    <message>
        <source>A visitor is in the middle of their visit. Close piday anyway? Their kept photos are safe, and the visit can be resumed at the next start.</source>
        <translation>Ein Besucher ist mitten in seinem Besuch. piday trotzdem schließen? Die behaltenen Fotos sind sicher, und der Besuch kann beim nächsten Start fortgesetzt werden.</translation>
    </message>
    <message>
        <source>Saved. Restart piday to switch event, model, device, backup folder or language.</source>
        <translation>Gespeichert. piday neu starten, um Veranstaltung, Modell, Gerät, Sicherungsordner oder Sprache zu wechseln.</translation>
    </message>
    <message>
        <source>Starting the map's model… photos can be taken already.</source>
        <translation>Das Modell der Karte startet… Fotos gehen schon.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Check the camera (or pick another in Settings), then press Enter.</source>
        <translation>Behaltene Fotos sind sicher. Prüfen Sie die Kamera (oder wählen Sie in den Einstellungen eine andere), dann Enter drücken.</translation>
    </message>
    <message>
        <source>Drop this photo?</source>
        <translation>Dieses Foto verwerfen?</translation>
    </message>
    <message>
        <source>The photo on screen has not been kept. Drop it and stop?</source>
        <translation>Das Foto auf dem Bildschirm wurde nicht behalten. Verwerfen und aufhören?</translation>
    </message>
    <message>
        <source>Importing {name}… (checking every byte; capture goes on)</source>
        <translation>Importiere {name}… (jedes Byte wird geprüft; Fotos gehen weiter)</translation>
    </message>
    <message>
        <source>Something unexpected went wrong ({error}).</source>
        <translation>Etwas Unerwartetes ist schiefgegangen ({error}).</translation>
    </message>
    <message>
        <source>Camera: {error}. Choose another camera or the test pattern below.</source>
        <translation>Kamera: {error}. Wählen Sie unten eine andere Kamera oder das Testbild.</translation>
    </message>
    <message>
        <source>No visit can start without a picture. Camera: {error}. Choose another camera or the test pattern below.</source>
        <translation>Ohne Bild kann kein Besuch beginnen. Kamera: {error}. Wählen Sie unten eine andere Kamera oder das Testbild.</translation>
    </message>
    <message>
        <source>{code}: keep this photo?</source>
        <translation>{code}: dieses Foto behalten?</translation>
    </message>
    <message>
        <source>{code}: photo {number} of {total}</source>
        <translation>{code}: Foto {number} von {total}</translation>
    </message>
    <message>
        <source>Model loading…</source>
        <translation>Modell lädt…</translation>
    </message>
    <message>
        <source>Model not available (see the start page)</source>
        <translation>Modell nicht verfügbar (siehe Startseite)</translation>
    </message>
    <message>
        <source>Camera: {state}</source>
        <translation>Kamera: {state}</translation>
    </message>
    <message>
        <source>Today: {visitors}, {photos}</source>
        <translation>Heute: {visitors}, {photos}</translation>
    </message>
    <message>
        <source>Disk: {gb} GB free</source>
        <translation>Datenträger: {gb} GB frei</translation>
    </message>
    <message>
        <source>The model file was not imported: {reason}</source>
        <translation>Die Modelldatei wurde nicht importiert: {reason}</translation>
    </message>
    <message>
        <source>{reason}, {n} times; see the log</source>
        <translation>{reason}, {n}-mal; siehe Protokoll</translation>
    </message>
    <message>
        <source>Keep or retake this photo first: the new one from the camera was not stored.</source>
        <translation>Erst dieses Foto behalten oder wiederholen: Das neue von der Kamera wurde nicht gespeichert.</translation>
    </message>
    <message>
        <source>The camera stopped: {error}</source>
        <translation>Die Kamera ist ausgefallen: {error}</translation>
    </message>
    <message>
        <source>Embedding: {queued} queued on {device}</source>
        <translation>Einbettung: {queued} in der Warteschlange auf {device}</translation>
    </message>
    <message>
        <source>{n} visitor</source>
        <translation>{n} Besucher</translation>
    </message>
    <message>
        <source>{n} visitors</source>
        <translation>{n} Besucher</translation>
    </message>
    <message>
        <source>The map's model is not available: {reason}. Photos are still kept, and join the map as soon as a model is there. Fix: import a model file (made with `piday models export`), here or in Settings; no restart needed.</source>
        <translation>Das Modell der Karte ist nicht verfügbar: {reason}. Fotos werden trotzdem behalten und kommen auf die Karte, sobald ein Modell da ist. Lösung: eine Modelldatei importieren (mit `piday models export` erstellt), hier oder in den Einstellungen; kein Neustart nötig.</translation>
    </message>
</context>
<context>
    <name>VisitorFlow</name>
    <message>
        <source>The camera gives no picture, so no visit can start. Choose another camera or the test pattern below.</source>
        <translation>Die Kamera liefert kein Bild, daher kann kein Besuch starten. Wählen Sie unten eine andere Kamera oder das Testbild.</translation>
    </message>
    <message>
        <source>Take the photo with the camera: it appears here by itself.</source>
        <translation>Machen Sie das Foto mit der Kamera: Es erscheint hier von selbst.</translation>
    </message>
    <message>
        <source>A photo came from the camera while nobody was being photographed: not stored (it stays in the hot folder). Start a visit first.</source>
        <translation>Ein Foto kam von der Kamera, während niemand fotografiert wurde: nicht gespeichert (es bleibt im Eingangsordner). Erst einen Besuch starten.</translation>
    </message>
    <message>
        <source>No photos were taken or saved. Thank you for visiting!</source>
        <translation>Es wurden keine Fotos gemacht oder gespeichert. Danke für Ihren Besuch!</translation>
    </message>
</context>
</TS>

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr" sourcelanguage="en">
<context>
    <name>Atlas</name>
    <message>
        <source>The online map opens once enough visitors have joined it.</source>
        <translation>La carte en ligne ouvre dès que assez de visiteurs l’ont rejointe.</translation>
    </message>
    <message>
        <source>The online map opens once the first photos are up.</source>
        <translation>La carte en ligne ouvre dès que les premières photos y sont.</translation>
    </message>
    <message>
        <source>Atlas: nothing to upload yet</source>
        <translation>Atlas : rien à envoyer pour l’instant</translation>
    </message>
    <message>
        <source>The online map is not set up on this laptop: your photos stay here.</source>
        <translation>La carte en ligne n’est pas configurée sur cet ordinateur : vos photos restent ici.</translation>
    </message>
    <message>
        <source>The online map cannot be reached right now: your photos wait here and go up by themselves.</source>
        <translation>La carte en ligne est injoignable pour l’instant : vos photos attendent ici et partiront toutes seules.</translation>
    </message>
    <message>
        <source>{n} on the map</source>
        <translation>{n} sur la carte</translation>
    </message>
    <message>
        <source>Atlas: up to date</source>
        <translation>Atlas : à jour</translation>
    </message>
    <message>
        <source>Atlas: {counts}</source>
        <translation>Atlas : {counts}</translation>
    </message>
    <message>
        <source>Atlas: not set up on this laptop (no key)</source>
        <translation>Atlas : pas configuré sur cet ordinateur (pas de clé)</translation>
    </message>
    <message>
        <source>Atlas: the key was refused</source>
        <translation>Atlas : la clé a été refusée</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map, {pending} waiting; retrying in {seconds} s</source>
        <translation>Atlas : {n} sur la carte, {pending} en attente ; nouvel essai dans {seconds} s</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map, {pending} waiting; retrying</source>
        <translation>Atlas : {n} sur la carte, {pending} en attente ; nouvel essai</translation>
    </message>
    <message>
        <source>The online map</source>
        <translation>La carte en ligne</translation>
    </message>
    <message>
        <source>Forget a visitor…</source>
        <translation>Oublier un visiteur…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Forget a visitor</source>
        <translation>Oublier un visiteur</translation>
    </message>
    <message>
        <source>Participant code (e.g. P-017):</source>
        <translation>Code du participant (p. ex. P-017) :</translation>
    </message>
    <message>
        <source>Nomic Atlas key</source>
        <translation>Clé Nomic Atlas</translation>
    </message>
    <message>
        <source>nk-…  (from atlas.nomic.ai → your organisation → API keys)</source>
        <translation>nk-…  (sur atlas.nomic.ai → votre organisation → API keys)</translation>
    </message>
    <message>
        <source>The key is stored for this laptop's user only; it never goes into logs or exports.</source>
        <translation>La clé est enregistrée pour l’utilisateur de cet ordinateur seulement ; elle n’apparaît jamais dans les journaux ni les exports.</translation>
    </message>
    <message>
        <source>Save key</source>
        <translation>Enregistrer la clé</translation>
    </message>
    <message>
        <source>Checking the key…</source>
        <translation>Vérification de la clé…</translation>
    </message>
    <message>
        <source>Key saved. Uploading starts now.</source>
        <translation>Clé enregistrée. L’envoi commence.</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <source>Enter Atlas key…</source>
        <translation>Saisir la clé Atlas…</translation>
    </message>
    <message>
        <source>Show map</source>
        <translation>Voir la carte</translation>
    </message>
    <message>
        <source>{counts}, {pending} to upload</source>
        <translation>{counts}, {pending} à envoyer</translation>
    </message>
    <message>
        <source>{counts} (rebuilding the map without an erased visitor)</source>
        <translation>{counts} (carte refaite sans un visiteur effacé)</translation>
    </message>
    <message>
        <source>Atlas: {counts}. Not uploading: {reason}; retrying</source>
        <translation>Atlas : {counts}. Envoi bloqué : {reason} ; nouvel essai</translation>
    </message>
    <message>
        <source>Atlas: {counts}; waiting: {reason}</source>
        <translation>Atlas : {counts} ; en attente : {reason}</translation>
    </message>
    <message>
        <source>Atlas: uploading… {counts}</source>
        <translation>Atlas : envoi… {counts}</translation>
    </message>
    <message>
        <source>Atlas: {n} photo on the map</source>
        <translation>Atlas : {n} photo sur la carte</translation>
    </message>
    <message>
        <source>Atlas: all {n} photos on the map</source>
        <translation>Atlas : les {n} photos sont sur la carte</translation>
    </message>
    <message>
        <source>Atlas: stopped ({counts})</source>
        <translation>Atlas : arrêté ({counts})</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; retrying in {seconds} s</source>
        <translation>Atlas : {n} sur la carte ; nouvel essai dans {seconds} s</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; retrying</source>
        <translation>Atlas : {n} sur la carte ; nouvel essai</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; waiting</source>
        <translation>Atlas : {n} sur la carte ; en attente</translation>
    </message>
    <message>
        <source>The online map: {note}.</source>
        <translation>La carte en ligne : {note}.</translation>
    </message>
    <message>
        <source>Paste the Atlas API key of the organisation that holds the event's map:</source>
        <translation>Collez la clé d’API Atlas de l’organisation qui détient la carte de l’événement :</translation>
    </message>
    <message>
        <source>Paste a key first.</source>
        <translation>Collez d’abord une clé.</translation>
    </message>
    <message>
        <source>Atlas: {counts}. Not uploading: {reason}; retrying in {seconds} s</source>
        <translation>Atlas : {counts}. Envoi bloqué : {reason} ; nouvel essai dans {seconds} s</translation>
    </message>
    <message>
        <source>Scan to see the map: {link}</source>
        <translation>Scannez pour voir la carte : {link}</translation>
    </message>
    <message>
        <source>Erase {code}'s photos from this laptop and from the online map? This cannot be undone.</source>
        <translation>Effacer les photos de {code} de cet ordinateur et de la carte en ligne ? C’est définitif.</translation>
    </message>
    <message>
        <source>Erasing {code}…</source>
        <translation>Effacement de {code}…</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>Non enregistrée : {reason}</translation>
    </message>
    <message>
        <source>Not erased: {reason}</source>
        <translation>Non effacé : {reason}</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photo). The online map is being rebuilt without it; the status bar shows when it is done.</source>
        <translation>{code} effacé ici ({n} photo). La carte en ligne est refaite sans elle ; la barre d’état indique quand c’est fini.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photos). The online map is being rebuilt without them; the status bar shows when it is done.</source>
        <translation>{code} effacé ici ({n} photos). La carte en ligne est refaite sans elles ; la barre d’état indique quand c’est fini.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photo); nothing of theirs was online.</source>
        <translation>{code} effacé ici ({n} photo) ; rien n’était en ligne.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photos); nothing of theirs was online.</source>
        <translation>{code} effacé ici ({n} photos) ; rien n’était en ligne.</translation>
    </message>
</context>
<context>
    <name>Backup</name>
    <message>
        <source>Backup up to date</source>
        <translation>Sauvegarde à jour</translation>
    </message>
    <message>
        <source>Backup starting…</source>
        <translation>Sauvegarde en cours de démarrage…</translation>
    </message>
    <message>
        <source>Backup target missing</source>
        <translation>Destination de sauvegarde absente</translation>
    </message>
    <message>
        <source>Backup {n} behind</source>
        <translation>Sauvegarde : {n} en retard</translation>
    </message>
    <message>
        <source>Backup failing: {reason}</source>
        <translation>Sauvegarde en échec : {reason}</translation>
    </message>
    <message>
        <source>Backup folder: {folder}</source>
        <translation>Dossier de sauvegarde : {folder}</translation>
    </message>
    <message>
        <source>Backup target missing ({n} behind)</source>
        <translation>Destination de sauvegarde absente ({n} en retard)</translation>
    </message>
</context>
<context>
    <name>Consent</name>
    <message>
        <source>We take a few photos of you for this exhibition's live map. CLIP, an AI model, turns each photo into numbers so that similar-looking photos sit close together. Choose what we may do:</source>
        <translation>Nous prenons quelques photos de vous pour la carte en direct de cette exposition. CLIP, un modèle d’IA, transforme chaque photo en nombres pour que les photos qui se ressemblent soient proches. Choisissez ce que nous pouvons faire :</translation>
    </message>
</context>
<context>
    <name>Controller</name>
    <message>
        <source>The camera has no picture to take.</source>
        <translation>La caméra n’a pas d’image à prendre.</translation>
    </message>
    <message>
        <source>Check that the camera is connected and the preview is live, then press Enter.</source>
        <translation>Vérifiez que la caméra est branchée et que l’aperçu s’affiche, puis appuyez sur Entrée.</translation>
    </message>
    <message>
        <source>Something went wrong while saving ({error}).</source>
        <translation>Un problème est survenu à l’enregistrement ({error}).</translation>
    </message>
    <message>
        <source>The camera's file {name} is not a photo piday can read ({error}).</source>
        <translation>Le fichier {name} de la caméra n’est pas une photo lisible par piday ({error}).</translation>
    </message>
    <message>
        <source>That photo is stored already ({code}, shot {shot}): take a new one with the camera.</source>
        <translation>Cette photo est déjà enregistrée ({code}, prise {shot}) : prenez-en une nouvelle avec la caméra.</translation>
    </message>
    <message>
        <source>The disk is full: the last photo could not be saved.</source>
        <translation>Le disque est plein : la dernière photo n’a pas pu être enregistrée.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Free some disk space (or switch to another event on a bigger disk), then press Enter.</source>
        <translation>Les photos gardées sont en sécurité. Libérez de la place (ou passez à un événement sur un disque plus grand), puis appuyez sur Entrée.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Press Enter to continue; if it happens again, restart the station.</source>
        <translation>Les photos gardées sont en sécurité. Appuyez sur Entrée pour continuer ; si cela se reproduit, redémarrez la station.</translation>
    </message>
</context>
<context>
    <name>Counters</name>
    <message>
        <source>Visitors: {n}</source>
        <translation>Visiteurs : {n}</translation>
    </message>
    <message>
        <source>Photos taken: {n}</source>
        <translation>Photos prises : {n}</translation>
    </message>
    <message>
        <source>Kept: {n}</source>
        <translation>Gardées : {n}</translation>
    </message>
    <message>
        <source>Retakes: {n}</source>
        <translation>Reprises : {n}</translation>
    </message>
    <message>
        <source>Deleted: {n}</source>
        <translation>Supprimées : {n}</translation>
    </message>
</context>
<context>
    <name>DamagedEvent</name>
    <message>
        <source>piday cannot open the event</source>
        <translation>piday ne peut pas ouvrir l’événement</translation>
    </message>
    <message>
        <source>Use another event…</source>
        <translation>Utiliser un autre événement…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quitter</translation>
    </message>
    <message>
        <source>Another event</source>
        <translation>Autre événement</translation>
    </message>
    <message>
        <source>Name of the event to use today (e.g. pi-day-2026-b):</source>
        <translation>Nom de l’événement à utiliser aujourd’hui (p. ex. pi-day-2026-b) :</translation>
    </message>
    <message>
        <source>The event “{event}” cannot be opened.</source>
        <translation>L’événement « {event} » ne peut pas être ouvert.</translation>
    </message>
</context>
<context>
    <name>Doctor</name>
    <message>
        <source>Is this laptop ready?</source>
        <translation>Cet ordinateur est-il prêt ?</translation>
    </message>
    <message>
        <source>Checking… (about 10-30 s)</source>
        <translation>Vérification… (environ 10-30 s)</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Ouvrir le dossier des journaux</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Ready for the event</source>
        <translation>Prêt pour l’événement</translation>
    </message>
    <message>
        <source>Not ready: {n} problem to fix</source>
        <translation>Pas prêt : {n} problème à régler</translation>
    </message>
    <message>
        <source>Not ready: {n} problems to fix</source>
        <translation>Pas prêt : {n} problèmes à régler</translation>
    </message>
    <message>
        <source>{verdict}, {n} warning. Log: {log}</source>
        <translation>{verdict}, {n} avertissement. Journal : {log}</translation>
    </message>
    <message>
        <source>{verdict}, {n} warnings. Log: {log}</source>
        <translation>{verdict}, {n} avertissements. Journal : {log}</translation>
    </message>
    <message>
        <source>fix:</source>
        <translation>solution :</translation>
    </message>
</context>
<context>
    <name>FirstRun</name>
    <message>
        <source>default, on this laptop</source>
        <translation>par défaut, sur cet ordinateur</translation>
    </message>
    <message>
        <source>default, not on this laptop yet: see `piday doctor`</source>
        <translation>par défaut, pas encore sur cet ordinateur : voir `piday doctor`</translation>
    </message>
    <message>
        <source>on this laptop</source>
        <translation>sur cet ordinateur</translation>
    </message>
    <message>
        <source>not on this laptop yet: see `piday doctor`</source>
        <translation>pas encore sur cet ordinateur : voir `piday doctor`</translation>
    </message>
    <message>
        <source>{model} (rehearsal: random weights, no download)</source>
        <translation>{model} (répétition : poids aléatoires, sans téléchargement)</translation>
    </message>
    <message>
        <source>Set up this station</source>
        <translation>Configurer cette station</translation>
    </message>
    <message>
        <source>Letters, digits, '.', '_' or '-': one folder of photos per event</source>
        <translation>Lettres, chiffres, '.', '_' ou '-' : un dossier de photos par événement</translation>
    </message>
    <message>
        <source>Camera 0 (looking for cameras…)</source>
        <translation>Caméra 0 (recherche des caméras…)</translation>
    </message>
    <message>
        <source>Test pattern (no camera needed)</source>
        <translation>Mire de test (sans caméra)</translation>
    </message>
    <message>
        <source>Later (photos stay on this laptop until someone logs in)</source>
        <translation>Plus tard (les photos restent sur cet ordinateur jusqu’à la connexion)</translation>
    </message>
    <message>
        <source>Log in now with an API key:</source>
        <translation>Se connecter avec une clé d’API :</translation>
    </message>
    <message>
        <source>Event name</source>
        <translation>Nom de l’événement</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Caméra</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <source>Start the station</source>
        <translation>Démarrer la station</translation>
    </message>
    <message>
        <source>Welcome! A few choices before the first visitor. All of them can be changed later in Settings; `piday doctor` checks the laptop is ready.</source>
        <translation>Bienvenue ! Quelques choix avant le premier visiteur. Tout peut être modifié ensuite dans les Réglages ; `piday doctor` vérifie que l’ordinateur est prêt.</translation>
    </message>
    <message>
        <source>Logging in to Atlas…</source>
        <translation>Connexion à Atlas…</translation>
    </message>
    <message>
        <source>Camera 0 (none found: plug the webcam in)</source>
        <translation>Caméra 0 (aucune trouvée : branchez la webcam)</translation>
    </message>
    <message>
        <source>Camera {camera}</source>
        <translation>Caméra {camera}</translation>
    </message>
    <message>
        <source>{camera} (from the command line)</source>
        <translation>{camera} (de la ligne de commande)</translation>
    </message>
    <message>
        <source>{model} (default; checking this laptop…)</source>
        <translation>{model} (par défaut ; vérification de l’ordinateur…)</translation>
    </message>
    <message>
        <source>{model} (asked for at this start)</source>
        <translation>{model} (demandé pour ce démarrage)</translation>
    </message>
    <message>
        <source>Atlas login failed: {problem}. Try again, or choose Later.</source>
        <translation>Échec de la connexion à Atlas : {problem}. Réessayez, ou choisissez Plus tard.</translation>
    </message>
</context>
<context>
    <name>LastVisitor</name>
    <message>
        <source>Our last visitor, {code}</source>
        <translation>Notre dernier visiteur, {code}</translation>
    </message>
</context>
<context>
    <name>MapCard</name>
    <message>
        <source>You look most like…</source>
        <translation>Vous ressemblez le plus à…</translation>
    </message>
    <message>
        <source>{code} · photo {shot}</source>
        <translation>{code} · photo {shot}</translation>
    </message>
    <message>
        <source>{code}, photo {shot}: cosine similarity {score}</source>
        <translation>{code}, photo {shot} : similarité cosinus {score}</translation>
    </message>
</context>
<context>
    <name>MapPane</name>
    <message>
        <source>Search: glasses, a red hat, P-017</source>
        <translation>Chercher : lunettes, chapeau rouge, P-017</translation>
    </message>
    <message>
        <source>Whole map</source>
        <translation>Toute la carte</translation>
    </message>
    <message>
        <source>Show the whole map again (double-click empty space does the same)</source>
        <translation>Revoir toute la carte (un double-clic dans le vide fait de même)</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>Plein écran</translation>
    </message>
    <message>
        <source>Open the map full screen, on a second monitor if there is one (F2)</source>
        <translation>Ouvrir la carte en plein écran, sur un second écran s’il y en a un (F2)</translation>
    </message>
    <message>
        <source>Word search starts once the model has loaded; participant codes work now</source>
        <translation>La recherche par mots démarre une fois le modèle chargé ; les codes marchent déjà</translation>
    </message>
    <message>
        <source>{query}: {n} photo</source>
        <translation>{query} : {n} photo</translation>
    </message>
    <message>
        <source>{query}: {n} photos</source>
        <translation>{query} : {n} photos</translation>
    </message>
    <message>
        <source>The “{query}” group: {n} photo</source>
        <translation>Le groupe « {query} » : {n} photo</translation>
    </message>
    <message>
        <source>The “{query}” group: {n} photos</source>
        <translation>Le groupe « {query} » : {n} photos</translation>
    </message>
    <message>
        <source>Nothing on the map yet</source>
        <translation>Rien sur la carte pour l’instant</translation>
    </message>
    <message>
        <source>Looking for “{text}”…</source>
        <translation>Recherche de « {text} »…</translation>
    </message>
    <message>
        <source>No photos of {query} yet</source>
        <translation>Pas encore de photos de {query}</translation>
    </message>
    <message>
        <source>The best match for “{query}”</source>
        <translation>Le meilleur résultat pour « {query} »</translation>
    </message>
    <message>
        <source>The {n} best matches for “{query}”</source>
        <translation>Les {n} meilleurs résultats pour « {query} »</translation>
    </message>
</context>
<context>
    <name>MapView</name>
    <message>
        <source>The map is waiting for its model</source>
        <translation>La carte attend son modèle</translation>
    </message>
    <message>
        <source>Photos are kept, and land here as soon as a model is there.
The start page says how.</source>
        <translation>Les photos sont conservées et arrivent ici dès qu'un modèle est là.
La page d'accueil explique comment.</translation>
    </message>
    <message>
        <source>Your photo starts the map</source>
        <translation>Votre photo commence la carte</translation>
    </message>
    <message>
        <source>Everyone who visits lands here.
Look-alikes end up side by side.</source>
        <translation>Chaque visiteur arrive ici.
Ceux qui se ressemblent finissent côte à côte.</translation>
    </message>
    <message>
        <source>The map grows with every visitor: look-alikes land close together.</source>
        <translation>La carte grandit à chaque visiteur : les sosies se retrouvent proches.</translation>
    </message>
</context>
<context>
    <name>ModelImport</name>
    <message>
        <source>piday model files (*.pidaymodel);;All files (*)</source>
        <translation>Fichiers de modèle piday (*.pidaymodel);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Import a model file</source>
        <translation>Importer un fichier de modèle</translation>
    </message>
    <message>
        <source>{file} could not be read or installed ({error})</source>
        <translation>{file} n’a pas pu être lu ou installé ({error})</translation>
    </message>
</context>
<context>
    <name>OneStation</name>
    <message>
        <source>Station already open</source>
        <translation>Station déjà ouverte</translation>
    </message>
    <message>
        <source>The station for event “{event}” is already open on this laptop, but its window did not come forward.

Look for it behind other windows or on another screen. If it is frozen, close it (or end piday in the task manager) and start piday again: every photo it saved is kept.</source>
        <translation>La station de l’événement « {event} » est déjà ouverte sur cet ordinateur, mais sa fenêtre n’est pas passée au premier plan.

Cherchez-la derrière d’autres fenêtres ou sur un autre écran. Si elle est figée, fermez-la (ou arrêtez piday dans le gestionnaire des tâches) et relancez piday : chaque photo enregistrée est conservée.</translation>
    </message>
</context>
<context>
    <name>Pages</name>
    <message>
        <source>Where do you land?</source>
        <translation>Où atterrissez-vous ?</translation>
    </message>
    <message>
        <source>Get your photo taken and see it join everyone's map.</source>
        <translation>Faites-vous photographier et voyez votre photo rejoindre la carte de tous.</translation>
    </message>
    <message>
        <source>Use the test pattern</source>
        <translation>Utiliser la mire</translation>
    </message>
    <message>
        <source>Choose a camera…</source>
        <translation>Choisir une caméra…</translation>
    </message>
    <message>
        <source>Import a model file…</source>
        <translation>Importer un modèle…</translation>
    </message>
    <message>
        <source>Start  (Space)</source>
        <translation>Commencer  (Espace)</translation>
    </message>
    <message>
        <source>Finish interrupted visits</source>
        <translation>Terminer les visites interrompues</translation>
    </message>
    <message>
        <source>Resume the last one</source>
        <translation>Reprendre la dernière</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Réglages…</translation>
    </message>
    <message>
        <source>Keep my photos for this event's map here</source>
        <translation>Garder mes photos ici pour la carte</translation>
    </message>
    <message>
        <source>Put my photos' position (not the photos)
on the public online map</source>
        <translation>Mettre la position de mes photos (pas les photos)
sur la carte publique en ligne</translation>
    </message>
    <message>
        <source>Also show my photos on the public online map</source>
        <translation>Montrer aussi mes photos sur la carte publique</translation>
    </message>
    <message>
        <source>Nickname (optional, stays on this laptop)</source>
        <translation>Surnom (facultatif, reste sur cet ordinateur)</translation>
    </message>
    <message>
        <source>No thanks  (Esc)</source>
        <translation>Non merci  (Échap)</translation>
    </message>
    <message>
        <source>Continue  (Enter)</source>
        <translation>Continuer  (Entrée)</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Merci !</translation>
    </message>
    <message>
        <source>Another photo</source>
        <translation>Autre photo</translation>
    </message>
    <message>
        <source>Print my card  (P)</source>
        <translation>Imprimer ma carte  (P)</translation>
    </message>
    <message>
        <source>Next visitor  (Enter)</source>
        <translation>Visiteur suivant  (Entrée)</translation>
    </message>
    <message>
        <source>OK, back to start  (Enter)</source>
        <translation>OK, retour au début  (Entrée)</translation>
    </message>
    <message>
        <source>Before we start</source>
        <translation>Avant de commencer</translation>
    </message>
    <message>
        <source>No photos were kept.</source>
        <translation>Aucune photo gardée.</translation>
    </message>
    <message>
        <source>Something needs attention</source>
        <translation>Un point demande votre attention</translation>
    </message>
    <message>
        <source>Interrupted visits from before the restart: {visits}. Their photos are safe.</source>
        <translation>Visites interrompues avant le redémarrage : {visits}. Leurs photos sont en sécurité.</translation>
    </message>
    <message>
        <source>Resume {code}</source>
        <translation>Reprendre {code}</translation>
    </message>
    <message>
        <source>Thank you, {code}!</source>
        <translation>Merci, {code} !</translation>
    </message>
    <message>
        <source>{n} photo kept. Look for yourself on the map.</source>
        <translation>{n} photo gardée. Cherchez-vous sur la carte.</translation>
    </message>
    <message>
        <source>{n} photos kept. Look for yourself on the map.</source>
        <translation>{n} photos gardées. Cherchez-vous sur la carte.</translation>
    </message>
    <message>
        <source>{n} photo kept. It will join the map as soon as the station's model is ready.</source>
        <translation>{n} photo gardée. Elle rejoint la carte dès que le modèle de la station est prêt.</translation>
    </message>
    <message>
        <source>{n} photos kept. They join the map as soon as the station's model is ready.</source>
        <translation>{n} photos gardées. Elles rejoignent la carte dès que le modèle de la station est prêt.</translation>
    </message>
</context>
<context>
    <name>PinPrompt</name>
    <message>
        <source>Enter the station's PIN to open Settings.</source>
        <translation>Saisissez le code de la station pour ouvrir les Réglages.</translation>
    </message>
    <message>
        <source>Enter the station's PIN to quit piday.</source>
        <translation>Saisissez le code de la station pour quitter piday.</translation>
    </message>
    <message>
        <source>Enter the station's PIN to leave full screen.</source>
        <translation>Saisissez le code de la station pour quitter le plein écran.</translation>
    </message>
    <message>
        <source>Enter the station's PIN.</source>
        <translation>Saisissez le code de la station.</translation>
    </message>
    <message>
        <source>Station locked</source>
        <translation>Station verrouillée</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>Code erroné</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>No printer: save cards as PNG and PDF in the event folder</source>
        <translation>Pas d’imprimante : enregistrer les cartes en PNG et PDF dans le dossier de l’événement</translation>
    </message>
    <message>
        <source>Station settings</source>
        <translation>Réglages de la station</translation>
    </message>
    <message>
        <source>Test pattern (no camera needed)</source>
        <translation>Mire de test (sans caméra)</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>The system's language</source>
        <translation>Langue du système</translation>
    </message>
    <message>
        <source>Default (ViT-B-32:laion2b_s34b_b79k)</source>
        <translation>Par défaut (ViT-B-32:laion2b_s34b_b79k)</translation>
    </message>
    <message>
        <source>Show a framing guide on the preview</source>
        <translation>Afficher un guide de cadrage sur l’aperçu</translation>
    </message>
    <message>
        <source>Save photos mirrored, as visitors see themselves in the preview</source>
        <translation>Enregistrer les photos en miroir, comme les visiteurs se voient dans l’aperçu</translation>
    </message>
    <message>
        <source>Show the last visitor's photo on the start page (only if they agreed to show it)</source>
        <translation>Montrer la photo du dernier visiteur sur l’accueil (seulement s’il l’a accepté)</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Événement</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Caméra</translation>
    </message>
    <message>
        <source>Photos per visitor</source>
        <translation>Photos par visiteur</translation>
    </message>
    <message>
        <source>Countdown</source>
        <translation>Compte à rebours</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Processeur</translation>
    </message>
    <message>
        <source>a USB stick or network folder; empty: no live backup</source>
        <translation>une clé USB ou un dossier réseau ; vide : pas de sauvegarde en direct</translation>
    </message>
    <message>
        <source>Backup folder</source>
        <translation>Dossier de sauvegarde</translation>
    </message>
    <message>
        <source>one letter (A, B …) when several stations share the event; empty: one station</source>
        <translation>une lettre (A, B…) quand plusieurs stations partagent l’événement ; vide : une seule station</translation>
    </message>
    <message>
        <source>Station id</source>
        <translation>Identifiant de station</translation>
    </message>
    <message>
        <source>No PIN</source>
        <translation>Pas de code</translation>
    </message>
    <message>
        <source>Kiosk PIN</source>
        <translation>Code du kiosque</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>Comptage…</translation>
    </message>
    <message>
        <source>Reset counters</source>
        <translation>Remettre à zéro</translation>
    </message>
    <message>
        <source>Count from now on (e.g. each morning); nothing is deleted</source>
        <translation>Compter à partir de maintenant (p. ex. chaque matin) ; rien n’est supprimé</translation>
    </message>
    <message>
        <source>Counters</source>
        <translation>Compteurs</translation>
    </message>
    <message>
        <source>Make a souvenir card after the last photo</source>
        <translation>Faire une carte souvenir après la dernière photo</translation>
    </message>
    <message>
        <source>Souvenir card</source>
        <translation>Carte souvenir</translation>
    </message>
    <message>
        <source>Card printer</source>
        <translation>Imprimante des cartes</translation>
    </message>
    <message>
        <source>Print each card without the visitor pressing Print</source>
        <translation>Imprimer chaque carte sans que le visiteur appuie sur Imprimer</translation>
    </message>
    <message>
        <source>https://…/map.html: where you publish `piday map --public`</source>
        <translation>https://…/map.html : où vous publiez `piday map --public`</translation>
    </message>
    <message>
        <source>The card's QR code opens this page with the visitor's own photos lit (map.html#P-017). Publish the --public map only: it is what visitors will see.</source>
        <translation>Le code QR de la carte ouvre cette page avec les photos du visiteur en évidence (map.html#P-017). Ne publiez que la carte --public : c’est elle que verront les visiteurs.</translation>
    </message>
    <message>
        <source>Published map</source>
        <translation>Carte publiée</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Ouvrir le dossier des journaux</translation>
    </message>
    <message>
        <source>4-8 digits; asked before Settings, quitting and leaving full screen</source>
        <translation>4 à 8 chiffres ; demandé avant les Réglages, pour quitter et sortir du plein écran</translation>
    </message>
    <message>
        <source>a new PIN (empty: keep the current one)</source>
        <translation>un nouveau code (vide : garder l’actuel)</translation>
    </message>
    <message>
        <source>Event, model, device, backup folder and language take effect at the next start.</source>
        <translation>Événement, modèle, processeur, dossier de sauvegarde et langue s’appliquent au prochain démarrage.</translation>
    </message>
    <message>
        <source>Check this laptop…</source>
        <translation>Vérifier cet ordinateur…</translation>
    </message>
    <message>
        <source>Import a model file…</source>
        <translation>Importer un modèle…</translation>
    </message>
    <message>
        <source>The published map must be a web address (https://…), as a phone opens it from the QR code.</source>
        <translation>La carte publiée doit être une adresse web (https://…), car un téléphone l’ouvre depuis le code QR.</translation>
    </message>
    <message>
        <source>Demo mode (a rehearsal): changes apply now and are not saved.</source>
        <translation>Mode démo (une répétition) : les changements s’appliquent tout de suite et ne sont pas enregistrés.</translation>
    </message>
    <message>
        <source>Consent text ({language})</source>
        <translation>Texte de consentement ({language})</translation>
    </message>
    <message>
        <source>{counters} since {time} UTC</source>
        <translation>{counters} depuis {time} UTC</translation>
    </message>
    <message>
        <source>{counters} this event</source>
        <translation>{counters} pour cet événement</translation>
    </message>
    <message>
        <source>Type a PIN of 4 to 8 digits, or tick No PIN</source>
        <translation>Saisissez un code de 4 à 8 chiffres, ou cochez Pas de code</translation>
    </message>
    <message>
        <source>For this start only (from the command line): {settings}. Saving keeps the saved values of those unless you change them here.</source>
        <translation>Pour ce démarrage seulement (ligne de commande) : {settings}. L’enregistrement garde leurs valeurs enregistrées, sauf si vous les changez ici.</translation>
    </message>
    <message>
        <source>Kiosk PIN: {problem}</source>
        <translation>Code du kiosque : {problem}</translation>
    </message>
</context>
<context>
    <name>Souvenir</name>
    <message>
        <source>Your place on the map</source>
        <translation>Votre place sur la carte</translation>
    </message>
    <message>
        <source>You look most like…</source>
        <translation>Vous ressemblez le plus à…</translation>
    </message>
    <message>
        <source>Your dot joins the map in a moment.</source>
        <translation>Votre point rejoint la carte dans un instant.</translation>
    </message>
    <message>
        <source>Your photos join the map in a moment</source>
        <translation>Vos photos rejoignent la carte dans un instant</translation>
    </message>
    <message>
        <source>you</source>
        <translation>vous</translation>
    </message>
    <message>
        <source>look-alikes</source>
        <translation>sosies</translation>
    </message>
    <message>
        <source>everyone else</source>
        <translation>tous les autres</translation>
    </message>
    <message>
        <source>the printer did not accept the card (out of paper? switched off?)</source>
        <translation>l’imprimante n’a pas accepté la carte (plus de papier ? éteinte ?)</translation>
    </message>
    <message>
        <source>You landed in: {group}</source>
        <translation>Vous êtes parmi : {group}</translation>
    </message>
    <message>
        <source>Scan to find your photos</source>
        <translation>Scannez : vos photos</translation>
    </message>
    <message>
        <source>on the event's map</source>
        <translation>sur la carte</translation>
    </message>
    <message>
        <source>Scan to see</source>
        <translation>Scannez pour voir</translation>
    </message>
    <message>
        <source>the event's map</source>
        <translation>la carte</translation>
    </message>
    <message>
        <source>the printer stopped while printing the card</source>
        <translation>l’imprimante s’est arrêtée pendant l’impression</translation>
    </message>
    <message>
        <source>Look for {code} on the map at the stand</source>
        <translation>Cherchez {code} sur la carte du stand</translation>
    </message>
    <message>
        <source>the printer “{name}” is not connected</source>
        <translation>l’imprimante « {name} » n’est pas connectée</translation>
    </message>
    <message>
        <source>the printer “{name}” reports a problem (out of paper? jammed? paused?)</source>
        <translation>l’imprimante « {name} » signale un problème (plus de papier ? bourrage ? en pause ?)</translation>
    </message>
    <message>
        <source>This visit is no longer in the event.</source>
        <translation>Cette visite n’est plus dans l’événement.</translation>
    </message>
    <message>
        <source>No kept photo for a card.</source>
        <translation>Aucune photo gardée pour une carte.</translation>
    </message>
    <message>
        <source>Cards: saved to the event folder (no printer)</source>
        <translation>Cartes : enregistrées dans le dossier de l’événement (pas d’imprimante)</translation>
    </message>
    <message>
        <source>; the card is saved in the event folder</source>
        <translation> ; la carte est enregistrée dans le dossier de l’événement</translation>
    </message>
    <message>
        <source>Cards printed: {printed}</source>
        <translation>Cartes imprimées : {printed}</translation>
    </message>
    <message>
        <source>Printer: {problem}</source>
        <translation>Imprimante : {problem}</translation>
    </message>
    <message>
        <source>Cards printed: {printed}, {printing} printing</source>
        <translation>Cartes imprimées : {printed}, {printing} en cours</translation>
    </message>
    <message>
        <source>Card saved in the event folder as {name}.png and .pdf.</source>
        <translation>Carte enregistrée dans le dossier de l’événement : {name}.png et .pdf.</translation>
    </message>
    <message>
        <source>The card could not be made ({error}).</source>
        <translation>La carte n’a pas pu être faite ({error}).</translation>
    </message>
    <message>
        <source>The card could not be saved: {error}</source>
        <translation>La carte n’a pas pu être enregistrée : {error}</translation>
    </message>
    <message>
        <source>printing failed ({error})</source>
        <translation>échec de l’impression ({error})</translation>
    </message>
    <message>
        <source>; the card could not be saved either ({error})</source>
        <translation> ; la carte n’a pas pu être enregistrée non plus ({error})</translation>
    </message>
    <message>
        <source>Making your card…</source>
        <translation>Votre carte se prépare…</translation>
    </message>
    <message>
        <source>Printing your card…</source>
        <translation>Impression de votre carte…</translation>
    </message>
    <message>
        <source>Drawing your card…</source>
        <translation>Dessin de votre carte…</translation>
    </message>
    <message>
        <source>Printed: take your card from the printer.</source>
        <translation>Imprimée : prenez votre carte dans l’imprimante.</translation>
    </message>
    <message>
        <source>Your card (your dots are on their way to the map)…</source>
        <translation>Votre carte (vos points arrivent sur la carte)…</translation>
    </message>
    <message>
        <source>Your card is saved: ask us for a print.</source>
        <translation>Votre carte est enregistrée : demandez-nous une impression.</translation>
    </message>
    <message>
        <source>Your card is saved: ask us for a print, or scan the code.</source>
        <translation>Votre carte est enregistrée : demandez-nous une impression, ou scannez le code.</translation>
    </message>
    <message>
        <source>Press Print to take your card home.</source>
        <translation>Appuyez sur Imprimer pour emporter votre carte.</translation>
    </message>
    <message>
        <source>Your dots are on their way to the map…</source>
        <translation>Vos points arrivent sur la carte…</translation>
    </message>
    <message>
        <source>Not printed: {problem}. Please ask a volunteer.</source>
        <translation>Non imprimée : {problem}. Demandez à un bénévole.</translation>
    </message>
</context>
<context>
    <name>StationWindow</name>
    <message>
        <source>{n} photo</source>
        <translation>{n} photo</translation>
    </message>
    <message>
        <source>{n} photos</source>
        <translation>{n} photos</translation>
    </message>
    <message>
        <source>live</source>
        <translation>active</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>démarrage</translation>
    </message>
    <message>
        <source>lost</source>
        <translation>perdue</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>reconnexion</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>en échec</translation>
    </message>
    <message>
        <source>ended</source>
        <translation>terminée</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>arrêtée</translation>
    </message>
    <message>
        <source>Camera lost, reconnecting…</source>
        <translation>Caméra perdue, reconnexion…</translation>
    </message>
    <message>
        <source>Cancel
Esc</source>
        <translation>Annuler
Échap</translation>
    </message>
    <message>
        <source>Retake
Backspace</source>
        <translation>Refaire
Retour</translation>
    </message>
    <message>
        <source>Delete
Del</source>
        <translation>Supprimer
Suppr</translation>
    </message>
    <message>
        <source>Keep
Enter</source>
        <translation>Garder
Entrée</translation>
    </message>
    <message>
        <source>Take photo
Space</source>
        <translation>Photo
Espace</translation>
    </message>
    <message>
        <source>Finish
Enter</source>
        <translation>Terminer
Entrée</translation>
    </message>
    <message>
        <source>Rehearsal (demo mode): test pattern camera, random-weights model; nothing here changes the saved settings.</source>
        <translation>Répétition (mode démo) : mire à la place de la caméra, modèle à poids aléatoires ; rien ici ne change les réglages enregistrés.</translation>
    </message>
    <message>
        <source>Starting the camera…</source>
        <translation>Démarrage de la caméra…</translation>
    </message>
    <message>
        <source>No camera picture</source>
        <translation>Pas d’image de la caméra</translation>
    </message>
    <message>
        <source>The video ended</source>
        <translation>La vidéo est terminée</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Press Enter to continue.</source>
        <translation>Les photos gardées sont en sécurité. Appuyez sur Entrée pour continuer.</translation>
    </message>
    <message>
        <source>A visit is in progress</source>
        <translation>Une visite est en cours</translation>
    </message>
    <message>
        <source>A visitor is in the middle of their visit. Close piday anyway? Their kept photos are safe, and the visit can be resumed at the next start.</source>
        <translation>Un visiteur est en pleine visite. Fermer piday quand même ? Ses photos gardées sont en sécurité et la visite pourra reprendre au prochain démarrage.</translation>
    </message>
    <message>
        <source>Saved. Restart piday to switch event, model, device, backup folder or language.</source>
        <translation>Enregistré. Redémarrez piday pour changer d’événement, de modèle, de processeur, de dossier de sauvegarde ou de langue.</translation>
    </message>
    <message>
        <source>Starting the map's model… photos can be taken already.</source>
        <translation>Le modèle de la carte démarre… on peut déjà prendre des photos.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Check the camera (or pick another in Settings), then press Enter.</source>
        <translation>Les photos gardées sont en sécurité. Vérifiez la caméra (ou choisissez-en une autre dans les Réglages), puis appuyez sur Entrée.</translation>
    </message>
    <message>
        <source>Drop this photo?</source>
        <translation>Abandonner cette photo ?</translation>
    </message>
    <message>
        <source>The photo on screen has not been kept. Drop it and stop?</source>
        <translation>La photo à l’écran n’a pas été gardée. L’abandonner et arrêter ?</translation>
    </message>
    <message>
        <source>Importing {name}… (checking every byte; capture goes on)</source>
        <translation>Import de {name}… (chaque octet est vérifié ; les photos continuent)</translation>
    </message>
    <message>
        <source>Something unexpected went wrong ({error}).</source>
        <translation>Un problème inattendu est survenu ({error}).</translation>
    </message>
    <message>
        <source>Camera: {error}. Choose another camera or the test pattern below.</source>
        <translation>Caméra : {error}. Choisissez une autre caméra ou la mire ci-dessous.</translation>
    </message>
    <message>
        <source>No visit can start without a picture. Camera: {error}. Choose another camera or the test pattern below.</source>
        <translation>Aucune visite ne peut commencer sans image. Caméra : {error}. Choisissez une autre caméra ou la mire ci-dessous.</translation>
    </message>
    <message>
        <source>{code}: keep this photo?</source>
        <translation>{code} : garder cette photo ?</translation>
    </message>
    <message>
        <source>{code}: photo {number} of {total}</source>
        <translation>{code} : photo {number} sur {total}</translation>
    </message>
    <message>
        <source>Model loading…</source>
        <translation>Chargement du modèle…</translation>
    </message>
    <message>
        <source>Model not available (see the start page)</source>
        <translation>Modèle indisponible (voir la page d’accueil)</translation>
    </message>
    <message>
        <source>Camera: {state}</source>
        <translation>Caméra : {state}</translation>
    </message>
    <message>
        <source>Today: {visitors}, {photos}</source>
        <translation>Aujourd’hui : {visitors}, {photos}</translation>
    </message>
    <message>
        <source>Disk: {gb} GB free</source>
        <translation>Disque : {gb} Go libres</translation>
    </message>
    <message>
        <source>The model file was not imported: {reason}</source>
        <translation>Le fichier de modèle n’a pas été importé : {reason}</translation>
    </message>
    <message>
        <source>{reason}, {n} times; see the log</source>
        <translation>{reason}, {n} fois ; voir le journal</translation>
    </message>
    <message>
        <source>Keep or retake this photo first: the new one from the camera was not stored.</source>
        <translation>Gardez ou refaites d’abord cette photo : la nouvelle de la caméra n’a pas été enregistrée.</translation>
    </message>
    <message>
        <source>The camera stopped: {error}</source>
        <translation>La caméra s’est arrêtée : {error}</translation>
    </message>
    <message>
        <source>Embedding: {queued} queued on {device}</source>
        <translation>Plongement : {queued} en attente sur {device}</translation>
    </message>
    <message>
        <source>{n} visitor</source>
        <translation>{n} visiteur</translation>
    </message>
    <message>
        <source>{n} visitors</source>
        <translation>{n} visiteurs</translation>
    </message>
    <message>
        <source>The map's model is not available: {reason}. Photos are still kept, and join the map as soon as a model is there. Fix: import a model file (made with `piday models export`), here or in Settings; no restart needed.</source>
        <translation>Le modèle de la carte est indisponible : {reason}. Les photos sont gardées et rejoignent la carte dès qu’un modèle est là. Solution : importer un fichier de modèle (fait avec `piday models export`), ici ou dans les Réglages ; sans redémarrage.</translation>
    </message>
</context>
<context>
    <name>VisitorFlow</name>
    <message>
        <source>The camera gives no picture, so no visit can start. Choose another camera or the test pattern below.</source>
        <translation>La caméra ne donne pas d’image : aucune visite ne peut commencer. Choisissez une autre caméra ou la mire ci-dessous.</translation>
    </message>
    <message>
        <source>Take the photo with the camera: it appears here by itself.</source>
        <translation>Prenez la photo avec l’appareil : elle apparaît ici toute seule.</translation>
    </message>
    <message>
        <source>A photo came from the camera while nobody was being photographed: not stored (it stays in the hot folder). Start a visit first.</source>
        <translation>Une photo est arrivée de l’appareil sans visite en cours : non enregistrée (elle reste dans le dossier surveillé). Commencez d’abord une visite.</translation>
    </message>
    <message>
        <source>No photos were taken or saved. Thank you for visiting!</source>
        <translation>Aucune photo n’a été prise ni enregistrée. Merci de votre visite !</translation>
    </message>
</context>
</TS>

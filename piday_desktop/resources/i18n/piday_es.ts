<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es" sourcelanguage="en">
<context>
    <name>Atlas</name>
    <message>
        <source>The online map opens once enough visitors have joined it.</source>
        <translation>El mapa en línea se abre cuando se hayan unido suficientes visitantes.</translation>
    </message>
    <message>
        <source>The online map opens once the first photos are up.</source>
        <translation>El mapa en línea se abre en cuanto estén subidas las primeras fotos.</translation>
    </message>
    <message>
        <source>Atlas: nothing to upload yet</source>
        <translation>Atlas: nada que subir todavía</translation>
    </message>
    <message>
        <source>The online map is not set up on this laptop: your photos stay here.</source>
        <translation>El mapa en línea no está configurado en este portátil: tus fotos se quedan aquí.</translation>
    </message>
    <message>
        <source>The online map cannot be reached right now: your photos wait here and go up by themselves.</source>
        <translation>El mapa en línea no está accesible ahora: tus fotos esperan aquí y se subirán solas.</translation>
    </message>
    <message>
        <source>{n} on the map</source>
        <translation>{n} en el mapa</translation>
    </message>
    <message>
        <source>Atlas: up to date</source>
        <translation>Atlas: al día</translation>
    </message>
    <message>
        <source>Atlas: {counts}</source>
        <translation>Atlas: {counts}</translation>
    </message>
    <message>
        <source>Atlas: not set up on this laptop (no key)</source>
        <translation>Atlas: no configurado en este portátil (sin clave)</translation>
    </message>
    <message>
        <source>Atlas: the key was refused</source>
        <translation>Atlas: la clave fue rechazada</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map, {pending} waiting; retrying in {seconds} s</source>
        <translation>Atlas: {n} en el mapa, {pending} esperando; reintento en {seconds} s</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map, {pending} waiting; retrying</source>
        <translation>Atlas: {n} en el mapa, {pending} esperando; reintentando</translation>
    </message>
    <message>
        <source>The online map</source>
        <translation>El mapa en línea</translation>
    </message>
    <message>
        <source>Forget a visitor…</source>
        <translation>Olvidar a un visitante…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Cerrar</translation>
    </message>
    <message>
        <source>Forget a visitor</source>
        <translation>Olvidar a un visitante</translation>
    </message>
    <message>
        <source>Participant code (e.g. P-017):</source>
        <translation>Código del participante (p. ej. P-017):</translation>
    </message>
    <message>
        <source>Nomic Atlas key</source>
        <translation>Clave de Nomic Atlas</translation>
    </message>
    <message>
        <source>nk-…  (from atlas.nomic.ai → your organisation → API keys)</source>
        <translation>nk-…  (en atlas.nomic.ai → tu organización → API keys)</translation>
    </message>
    <message>
        <source>The key is stored for this laptop's user only; it never goes into logs or exports.</source>
        <translation>La clave se guarda solo para el usuario de este portátil; nunca va a registros ni exportaciones.</translation>
    </message>
    <message>
        <source>Save key</source>
        <translation>Guardar la clave</translation>
    </message>
    <message>
        <source>Checking the key…</source>
        <translation>Comprobando la clave…</translation>
    </message>
    <message>
        <source>Key saved. Uploading starts now.</source>
        <translation>Clave guardada. La subida empieza ya.</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>Reintentar ahora</translation>
    </message>
    <message>
        <source>Enter Atlas key…</source>
        <translation>Introducir clave de Atlas…</translation>
    </message>
    <message>
        <source>Show map</source>
        <translation>Ver el mapa</translation>
    </message>
    <message>
        <source>{counts}, {pending} to upload</source>
        <translation>{counts}, {pending} por subir</translation>
    </message>
    <message>
        <source>{counts} (rebuilding the map without an erased visitor)</source>
        <translation>{counts} (rehaciendo el mapa sin un visitante borrado)</translation>
    </message>
    <message>
        <source>Atlas: {counts}. Not uploading: {reason}; retrying</source>
        <translation>Atlas: {counts}. No se sube: {reason}; reintentando</translation>
    </message>
    <message>
        <source>Atlas: {counts}; waiting: {reason}</source>
        <translation>Atlas: {counts}; esperando: {reason}</translation>
    </message>
    <message>
        <source>Atlas: uploading… {counts}</source>
        <translation>Atlas: subiendo… {counts}</translation>
    </message>
    <message>
        <source>Atlas: {n} photo on the map</source>
        <translation>Atlas: {n} foto en el mapa</translation>
    </message>
    <message>
        <source>Atlas: all {n} photos on the map</source>
        <translation>Atlas: las {n} fotos en el mapa</translation>
    </message>
    <message>
        <source>Atlas: stopped ({counts})</source>
        <translation>Atlas: detenido ({counts})</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; retrying in {seconds} s</source>
        <translation>Atlas: {n} en el mapa; reintento en {seconds} s</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; retrying</source>
        <translation>Atlas: {n} en el mapa; reintentando</translation>
    </message>
    <message>
        <source>Atlas: {n} on the map; waiting</source>
        <translation>Atlas: {n} en el mapa; esperando</translation>
    </message>
    <message>
        <source>The online map: {note}.</source>
        <translation>El mapa en línea: {note}.</translation>
    </message>
    <message>
        <source>Paste the Atlas API key of the organisation that holds the event's map:</source>
        <translation>Pega la clave de API de Atlas de la organización que tiene el mapa del evento:</translation>
    </message>
    <message>
        <source>Paste a key first.</source>
        <translation>Pega primero una clave.</translation>
    </message>
    <message>
        <source>Atlas: {counts}. Not uploading: {reason}; retrying in {seconds} s</source>
        <translation>Atlas: {counts}. No se sube: {reason}; reintento en {seconds} s</translation>
    </message>
    <message>
        <source>Scan to see the map: {link}</source>
        <translation>Escanea para ver el mapa: {link}</translation>
    </message>
    <message>
        <source>Erase {code}'s photos from this laptop and from the online map? This cannot be undone.</source>
        <translation>¿Borrar las fotos de {code} de este portátil y del mapa en línea? No se puede deshacer.</translation>
    </message>
    <message>
        <source>Erasing {code}…</source>
        <translation>Borrando {code}…</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>No guardada: {reason}</translation>
    </message>
    <message>
        <source>Not erased: {reason}</source>
        <translation>No borrado: {reason}</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photo). The online map is being rebuilt without it; the status bar shows when it is done.</source>
        <translation>{code} borrado aquí ({n} foto). El mapa en línea se rehace sin ella; la barra de estado indica cuándo termina.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photos). The online map is being rebuilt without them; the status bar shows when it is done.</source>
        <translation>{code} borrado aquí ({n} fotos). El mapa en línea se rehace sin ellas; la barra de estado indica cuándo termina.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photo); nothing of theirs was online.</source>
        <translation>{code} borrado aquí ({n} foto); no había nada suyo en línea.</translation>
    </message>
    <message>
        <source>{code} erased here ({n} photos); nothing of theirs was online.</source>
        <translation>{code} borrado aquí ({n} fotos); no había nada suyo en línea.</translation>
    </message>
</context>
<context>
    <name>Backup</name>
    <message>
        <source>Backup up to date</source>
        <translation>Copia al día</translation>
    </message>
    <message>
        <source>Backup starting…</source>
        <translation>Iniciando la copia…</translation>
    </message>
    <message>
        <source>Backup target missing</source>
        <translation>Falta el destino de la copia</translation>
    </message>
    <message>
        <source>Backup {n} behind</source>
        <translation>Copia: {n} pendientes</translation>
    </message>
    <message>
        <source>Backup failing: {reason}</source>
        <translation>La copia falla: {reason}</translation>
    </message>
    <message>
        <source>Backup folder: {folder}</source>
        <translation>Carpeta de copia: {folder}</translation>
    </message>
    <message>
        <source>Backup target missing ({n} behind)</source>
        <translation>Falta el destino de la copia ({n} pendientes)</translation>
    </message>
</context>
<context>
    <name>Consent</name>
    <message>
        <source>We take a few photos of you for this exhibition's live map. CLIP, an AI model, turns each photo into numbers so that similar-looking photos sit close together. Choose what we may do:</source>
        <translation>Te hacemos unas fotos para el mapa en vivo de esta exposición. CLIP, un modelo de IA, convierte cada foto en números para que las fotos parecidas queden juntas. Elige qué podemos hacer:</translation>
    </message>
</context>
<context>
    <name>Controller</name>
    <message>
        <source>The camera has no picture to take.</source>
        <translation>La cámara no tiene imagen que tomar.</translation>
    </message>
    <message>
        <source>Check that the camera is connected and the preview is live, then press Enter.</source>
        <translation>Comprueba que la cámara está conectada y la vista previa funciona, y pulsa Intro.</translation>
    </message>
    <message>
        <source>Something went wrong while saving ({error}).</source>
        <translation>Algo falló al guardar ({error}).</translation>
    </message>
    <message>
        <source>The camera's file {name} is not a photo piday can read ({error}).</source>
        <translation>El archivo {name} de la cámara no es una foto que piday pueda leer ({error}).</translation>
    </message>
    <message>
        <source>That photo is stored already ({code}, shot {shot}): take a new one with the camera.</source>
        <translation>Esa foto ya está guardada ({code}, toma {shot}): haz una nueva con la cámara.</translation>
    </message>
    <message>
        <source>The disk is full: the last photo could not be saved.</source>
        <translation>El disco está lleno: no se pudo guardar la última foto.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Free some disk space (or switch to another event on a bigger disk), then press Enter.</source>
        <translation>Las fotos guardadas están a salvo. Libera espacio (o cambia a un evento en un disco mayor) y pulsa Intro.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Press Enter to continue; if it happens again, restart the station.</source>
        <translation>Las fotos guardadas están a salvo. Pulsa Intro para seguir; si vuelve a pasar, reinicia la estación.</translation>
    </message>
</context>
<context>
    <name>Counters</name>
    <message>
        <source>Visitors: {n}</source>
        <translation>Visitantes: {n}</translation>
    </message>
    <message>
        <source>Photos taken: {n}</source>
        <translation>Fotos tomadas: {n}</translation>
    </message>
    <message>
        <source>Kept: {n}</source>
        <translation>Guardadas: {n}</translation>
    </message>
    <message>
        <source>Retakes: {n}</source>
        <translation>Repetidas: {n}</translation>
    </message>
    <message>
        <source>Deleted: {n}</source>
        <translation>Borradas: {n}</translation>
    </message>
</context>
<context>
    <name>DamagedEvent</name>
    <message>
        <source>piday cannot open the event</source>
        <translation>piday no puede abrir el evento</translation>
    </message>
    <message>
        <source>Use another event…</source>
        <translation>Usar otro evento…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Salir</translation>
    </message>
    <message>
        <source>Another event</source>
        <translation>Otro evento</translation>
    </message>
    <message>
        <source>Name of the event to use today (e.g. pi-day-2026-b):</source>
        <translation>Nombre del evento para hoy (p. ej. pi-day-2026-b):</translation>
    </message>
    <message>
        <source>The event “{event}” cannot be opened.</source>
        <translation>No se puede abrir el evento «{event}».</translation>
    </message>
</context>
<context>
    <name>Doctor</name>
    <message>
        <source>Is this laptop ready?</source>
        <translation>¿Está listo este portátil?</translation>
    </message>
    <message>
        <source>Checking… (about 10-30 s)</source>
        <translation>Comprobando… (unos 10-30 s)</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Abrir la carpeta de registros</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Cerrar</translation>
    </message>
    <message>
        <source>Ready for the event</source>
        <translation>Listo para el evento</translation>
    </message>
    <message>
        <source>Not ready: {n} problem to fix</source>
        <translation>No está listo: {n} problema que resolver</translation>
    </message>
    <message>
        <source>Not ready: {n} problems to fix</source>
        <translation>No está listo: {n} problemas que resolver</translation>
    </message>
    <message>
        <source>{verdict}, {n} warning. Log: {log}</source>
        <translation>{verdict}, {n} aviso. Registro: {log}</translation>
    </message>
    <message>
        <source>{verdict}, {n} warnings. Log: {log}</source>
        <translation>{verdict}, {n} avisos. Registro: {log}</translation>
    </message>
    <message>
        <source>fix:</source>
        <translation>solución:</translation>
    </message>
</context>
<context>
    <name>FirstRun</name>
    <message>
        <source>default, on this laptop</source>
        <translation>predeterminado, en este portátil</translation>
    </message>
    <message>
        <source>default, not on this laptop yet: see `piday doctor`</source>
        <translation>predeterminado, aún no está en este portátil: ver `piday doctor`</translation>
    </message>
    <message>
        <source>on this laptop</source>
        <translation>en este portátil</translation>
    </message>
    <message>
        <source>not on this laptop yet: see `piday doctor`</source>
        <translation>aún no está en este portátil: ver `piday doctor`</translation>
    </message>
    <message>
        <source>{model} (rehearsal: random weights, no download)</source>
        <translation>{model} (ensayo: pesos aleatorios, sin descarga)</translation>
    </message>
    <message>
        <source>Set up this station</source>
        <translation>Configurar esta estación</translation>
    </message>
    <message>
        <source>Letters, digits, '.', '_' or '-': one folder of photos per event</source>
        <translation>Letras, dígitos, '.', '_' o '-': una carpeta de fotos por evento</translation>
    </message>
    <message>
        <source>Camera 0 (looking for cameras…)</source>
        <translation>Cámara 0 (buscando cámaras…)</translation>
    </message>
    <message>
        <source>Test pattern (no camera needed)</source>
        <translation>Imagen de prueba (sin cámara)</translation>
    </message>
    <message>
        <source>Later (photos stay on this laptop until someone logs in)</source>
        <translation>Más tarde (las fotos se quedan en este portátil hasta que alguien inicie sesión)</translation>
    </message>
    <message>
        <source>Log in now with an API key:</source>
        <translation>Iniciar sesión con una clave de API:</translation>
    </message>
    <message>
        <source>Event name</source>
        <translation>Nombre del evento</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Cámara</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modelo</translation>
    </message>
    <message>
        <source>Start the station</source>
        <translation>Iniciar la estación</translation>
    </message>
    <message>
        <source>Welcome! A few choices before the first visitor. All of them can be changed later in Settings; `piday doctor` checks the laptop is ready.</source>
        <translation>¡Bienvenido! Unas elecciones antes del primer visitante. Todo se puede cambiar después en Ajustes; `piday doctor` comprueba que el portátil está listo.</translation>
    </message>
    <message>
        <source>Logging in to Atlas…</source>
        <translation>Iniciando sesión en Atlas…</translation>
    </message>
    <message>
        <source>Camera 0 (none found: plug the webcam in)</source>
        <translation>Cámara 0 (ninguna encontrada: conecta la webcam)</translation>
    </message>
    <message>
        <source>Camera {camera}</source>
        <translation>Cámara {camera}</translation>
    </message>
    <message>
        <source>{camera} (from the command line)</source>
        <translation>{camera} (de la línea de órdenes)</translation>
    </message>
    <message>
        <source>{model} (default; checking this laptop…)</source>
        <translation>{model} (predeterminado; comprobando este portátil…)</translation>
    </message>
    <message>
        <source>{model} (asked for at this start)</source>
        <translation>{model} (pedido en este inicio)</translation>
    </message>
    <message>
        <source>Atlas login failed: {problem}. Try again, or choose Later.</source>
        <translation>Falló el inicio de sesión en Atlas: {problem}. Inténtalo de nuevo o elige Más tarde.</translation>
    </message>
</context>
<context>
    <name>LastVisitor</name>
    <message>
        <source>Our last visitor, {code}</source>
        <translation>Nuestro último visitante, {code}</translation>
    </message>
</context>
<context>
    <name>MapCard</name>
    <message>
        <source>You look most like…</source>
        <translation>Te pareces más a…</translation>
    </message>
    <message>
        <source>{code} · photo {shot}</source>
        <translation>{code} · foto {shot}</translation>
    </message>
    <message>
        <source>{code}, photo {shot}: cosine similarity {score}</source>
        <translation>{code}, foto {shot}: similitud coseno {score}</translation>
    </message>
</context>
<context>
    <name>MapPane</name>
    <message>
        <source>Search: glasses, a red hat, P-017</source>
        <translation>Buscar: gafas, sombrero rojo, P-017</translation>
    </message>
    <message>
        <source>Whole map</source>
        <translation>Mapa entero</translation>
    </message>
    <message>
        <source>Show the whole map again (double-click empty space does the same)</source>
        <translation>Volver a ver el mapa entero (doble clic en un hueco hace lo mismo)</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>Pantalla completa</translation>
    </message>
    <message>
        <source>Open the map full screen, on a second monitor if there is one (F2)</source>
        <translation>Abrir el mapa a pantalla completa, en un segundo monitor si lo hay (F2)</translation>
    </message>
    <message>
        <source>Word search starts once the model has loaded; participant codes work now</source>
        <translation>La búsqueda por palabras empieza al cargar el modelo; los códigos ya funcionan</translation>
    </message>
    <message>
        <source>{query}: {n} photo</source>
        <translation>{query}: {n} foto</translation>
    </message>
    <message>
        <source>{query}: {n} photos</source>
        <translation>{query}: {n} fotos</translation>
    </message>
    <message>
        <source>The “{query}” group: {n} photo</source>
        <translation>El grupo «{query}»: {n} foto</translation>
    </message>
    <message>
        <source>The “{query}” group: {n} photos</source>
        <translation>El grupo «{query}»: {n} fotos</translation>
    </message>
    <message>
        <source>Nothing on the map yet</source>
        <translation>Aún no hay nada en el mapa</translation>
    </message>
    <message>
        <source>Looking for “{text}”…</source>
        <translation>Buscando «{text}»…</translation>
    </message>
    <message>
        <source>No photos of {query} yet</source>
        <translation>Aún no hay fotos de {query}</translation>
    </message>
    <message>
        <source>The best match for “{query}”</source>
        <translation>El mejor resultado para «{query}»</translation>
    </message>
    <message>
        <source>The {n} best matches for “{query}”</source>
        <translation>Los {n} mejores resultados para «{query}»</translation>
    </message>
</context>
<context>
    <name>MapView</name>
    <message>
        <source>The map is waiting for its model</source>
        <translation>El mapa espera su modelo</translation>
    </message>
    <message>
        <source>Photos are kept, and land here as soon as a model is there.
The start page says how.</source>
        <translation>Las fotos se guardan y llegan aquí en cuanto haya un modelo.
La página de inicio explica cómo.</translation>
    </message>
    <message>
        <source>Your photo starts the map</source>
        <translation>Tu foto empieza el mapa</translation>
    </message>
    <message>
        <source>Everyone who visits lands here.
Look-alikes end up side by side.</source>
        <translation>Todos los visitantes llegan aquí.
Los que se parecen acaban juntos.</translation>
    </message>
    <message>
        <source>The map grows with every visitor: look-alikes land close together.</source>
        <translation>El mapa crece con cada visitante: los parecidos quedan cerca.</translation>
    </message>
</context>
<context>
    <name>ModelImport</name>
    <message>
        <source>piday model files (*.pidaymodel);;All files (*)</source>
        <translation>Archivos de modelo piday (*.pidaymodel);;Todos los archivos (*)</translation>
    </message>
    <message>
        <source>Import a model file</source>
        <translation>Importar un archivo de modelo</translation>
    </message>
    <message>
        <source>{file} could not be read or installed ({error})</source>
        <translation>No se pudo leer o instalar {file} ({error})</translation>
    </message>
</context>
<context>
    <name>OneStation</name>
    <message>
        <source>Station already open</source>
        <translation>Estación ya abierta</translation>
    </message>
    <message>
        <source>The station for event “{event}” is already open on this laptop, but its window did not come forward.

Look for it behind other windows or on another screen. If it is frozen, close it (or end piday in the task manager) and start piday again: every photo it saved is kept.</source>
        <translation>La estación del evento «{event}» ya está abierta en este portátil, pero su ventana no ha pasado al frente.

Búsquela detrás de otras ventanas o en otra pantalla. Si está congelada, ciérrela (o termine piday en el administrador de tareas) y vuelva a iniciar piday: se conserva cada foto que guardó.</translation>
    </message>
</context>
<context>
    <name>Pages</name>
    <message>
        <source>Where do you land?</source>
        <translation>¿Dónde aterrizas?</translation>
    </message>
    <message>
        <source>Get your photo taken and see it join everyone's map.</source>
        <translation>Hazte una foto y mira cómo se une al mapa de todos.</translation>
    </message>
    <message>
        <source>Use the test pattern</source>
        <translation>Usar la imagen de prueba</translation>
    </message>
    <message>
        <source>Choose a camera…</source>
        <translation>Elegir una cámara…</translation>
    </message>
    <message>
        <source>Import a model file…</source>
        <translation>Importar un modelo…</translation>
    </message>
    <message>
        <source>Start  (Space)</source>
        <translation>Empezar  (Espacio)</translation>
    </message>
    <message>
        <source>Finish interrupted visits</source>
        <translation>Terminar las visitas interrumpidas</translation>
    </message>
    <message>
        <source>Resume the last one</source>
        <translation>Reanudar la última</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Ajustes…</translation>
    </message>
    <message>
        <source>Keep my photos for this event's map here</source>
        <translation>Guardar mis fotos aquí para el mapa</translation>
    </message>
    <message>
        <source>Put my photos' position (not the photos)
on the public online map</source>
        <translation>Poner la posición de mis fotos (no las fotos)
en el mapa público en línea</translation>
    </message>
    <message>
        <source>Also show my photos on the public online map</source>
        <translation>Mostrar también mis fotos en el mapa público</translation>
    </message>
    <message>
        <source>Nickname (optional, stays on this laptop)</source>
        <translation>Apodo (opcional, se queda en este portátil)</translation>
    </message>
    <message>
        <source>No thanks  (Esc)</source>
        <translation>No, gracias  (Esc)</translation>
    </message>
    <message>
        <source>Continue  (Enter)</source>
        <translation>Continuar  (Intro)</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>¡Gracias!</translation>
    </message>
    <message>
        <source>Another photo</source>
        <translation>Otra foto</translation>
    </message>
    <message>
        <source>Print my card  (P)</source>
        <translation>Imprimir mi tarjeta  (P)</translation>
    </message>
    <message>
        <source>Next visitor  (Enter)</source>
        <translation>Siguiente visitante  (Intro)</translation>
    </message>
    <message>
        <source>OK, back to start  (Enter)</source>
        <translation>Vale, volver al inicio  (Intro)</translation>
    </message>
    <message>
        <source>Before we start</source>
        <translation>Antes de empezar</translation>
    </message>
    <message>
        <source>No photos were kept.</source>
        <translation>No se guardó ninguna foto.</translation>
    </message>
    <message>
        <source>Something needs attention</source>
        <translation>Algo necesita atención</translation>
    </message>
    <message>
        <source>Interrupted visits from before the restart: {visits}. Their photos are safe.</source>
        <translation>Visitas interrumpidas antes del reinicio: {visits}. Sus fotos están a salvo.</translation>
    </message>
    <message>
        <source>Resume {code}</source>
        <translation>Reanudar {code}</translation>
    </message>
    <message>
        <source>Thank you, {code}!</source>
        <translation>¡Gracias, {code}!</translation>
    </message>
    <message>
        <source>{n} photo kept. Look for yourself on the map.</source>
        <translation>{n} foto guardada. Búscate en el mapa.</translation>
    </message>
    <message>
        <source>{n} photos kept. Look for yourself on the map.</source>
        <translation>{n} fotos guardadas. Búscate en el mapa.</translation>
    </message>
    <message>
        <source>{n} photo kept. It will join the map as soon as the station's model is ready.</source>
        <translation>{n} foto guardada. Se une al mapa en cuanto el modelo de la estación esté listo.</translation>
    </message>
    <message>
        <source>{n} photos kept. They join the map as soon as the station's model is ready.</source>
        <translation>{n} fotos guardadas. Se unen al mapa en cuanto el modelo de la estación esté listo.</translation>
    </message>
</context>
<context>
    <name>PinPrompt</name>
    <message>
        <source>Enter the station's PIN to open Settings.</source>
        <translation>Introduce el PIN de la estación para abrir Ajustes.</translation>
    </message>
    <message>
        <source>Enter the station's PIN to quit piday.</source>
        <translation>Introduce el PIN de la estación para salir de piday.</translation>
    </message>
    <message>
        <source>Enter the station's PIN to leave full screen.</source>
        <translation>Introduce el PIN de la estación para salir de la pantalla completa.</translation>
    </message>
    <message>
        <source>Enter the station's PIN.</source>
        <translation>Introduce el PIN de la estación.</translation>
    </message>
    <message>
        <source>Station locked</source>
        <translation>Estación bloqueada</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>PIN incorrecto</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>No printer: save cards as PNG and PDF in the event folder</source>
        <translation>Sin impresora: guardar las tarjetas en PNG y PDF en la carpeta del evento</translation>
    </message>
    <message>
        <source>Station settings</source>
        <translation>Ajustes de la estación</translation>
    </message>
    <message>
        <source>Test pattern (no camera needed)</source>
        <translation>Imagen de prueba (sin cámara)</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>The system's language</source>
        <translation>Idioma del sistema</translation>
    </message>
    <message>
        <source>Default (ViT-B-32:laion2b_s34b_b79k)</source>
        <translation>Predeterminado (ViT-B-32:laion2b_s34b_b79k)</translation>
    </message>
    <message>
        <source>Show a framing guide on the preview</source>
        <translation>Mostrar una guía de encuadre en la vista previa</translation>
    </message>
    <message>
        <source>Save photos mirrored, as visitors see themselves in the preview</source>
        <translation>Guardar las fotos en espejo, como los visitantes se ven en la vista previa</translation>
    </message>
    <message>
        <source>Show the last visitor's photo on the start page (only if they agreed to show it)</source>
        <translation>Mostrar la foto del último visitante en el inicio (solo si lo aceptó)</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Evento</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Cámara</translation>
    </message>
    <message>
        <source>Photos per visitor</source>
        <translation>Fotos por visitante</translation>
    </message>
    <message>
        <source>Countdown</source>
        <translation>Cuenta atrás</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modelo</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Dispositivo</translation>
    </message>
    <message>
        <source>a USB stick or network folder; empty: no live backup</source>
        <translation>un pendrive o carpeta de red; vacío: sin copia en vivo</translation>
    </message>
    <message>
        <source>Backup folder</source>
        <translation>Carpeta de copia</translation>
    </message>
    <message>
        <source>one letter (A, B …) when several stations share the event; empty: one station</source>
        <translation>una letra (A, B…) si varias estaciones comparten el evento; vacío: una estación</translation>
    </message>
    <message>
        <source>Station id</source>
        <translation>Id. de estación</translation>
    </message>
    <message>
        <source>No PIN</source>
        <translation>Sin PIN</translation>
    </message>
    <message>
        <source>Kiosk PIN</source>
        <translation>PIN del quiosco</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>Contando…</translation>
    </message>
    <message>
        <source>Reset counters</source>
        <translation>Poner a cero</translation>
    </message>
    <message>
        <source>Count from now on (e.g. each morning); nothing is deleted</source>
        <translation>Contar desde ahora (p. ej. cada mañana); no se borra nada</translation>
    </message>
    <message>
        <source>Counters</source>
        <translation>Contadores</translation>
    </message>
    <message>
        <source>Make a souvenir card after the last photo</source>
        <translation>Hacer una tarjeta recuerdo tras la última foto</translation>
    </message>
    <message>
        <source>Souvenir card</source>
        <translation>Tarjeta recuerdo</translation>
    </message>
    <message>
        <source>Card printer</source>
        <translation>Impresora de tarjetas</translation>
    </message>
    <message>
        <source>Print each card without the visitor pressing Print</source>
        <translation>Imprimir cada tarjeta sin que el visitante pulse Imprimir</translation>
    </message>
    <message>
        <source>https://…/map.html: where you publish `piday map --public`</source>
        <translation>https://…/map.html: donde publicas `piday map --public`</translation>
    </message>
    <message>
        <source>The card's QR code opens this page with the visitor's own photos lit (map.html#P-017). Publish the --public map only: it is what visitors will see.</source>
        <translation>El código QR de la tarjeta abre esta página con las fotos del visitante resaltadas (map.html#P-017). Publica solo el mapa --public: es lo que verán los visitantes.</translation>
    </message>
    <message>
        <source>Published map</source>
        <translation>Mapa publicado</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Abrir la carpeta de registros</translation>
    </message>
    <message>
        <source>4-8 digits; asked before Settings, quitting and leaving full screen</source>
        <translation>4-8 dígitos; se pide antes de Ajustes, al salir y al dejar la pantalla completa</translation>
    </message>
    <message>
        <source>a new PIN (empty: keep the current one)</source>
        <translation>un PIN nuevo (vacío: mantener el actual)</translation>
    </message>
    <message>
        <source>Event, model, device, backup folder and language take effect at the next start.</source>
        <translation>Evento, modelo, dispositivo, carpeta de copia e idioma se aplican en el próximo inicio.</translation>
    </message>
    <message>
        <source>Check this laptop…</source>
        <translation>Comprobar este portátil…</translation>
    </message>
    <message>
        <source>Import a model file…</source>
        <translation>Importar un modelo…</translation>
    </message>
    <message>
        <source>The published map must be a web address (https://…), as a phone opens it from the QR code.</source>
        <translation>El mapa publicado debe ser una dirección web (https://…), porque un móvil la abre desde el código QR.</translation>
    </message>
    <message>
        <source>Demo mode (a rehearsal): changes apply now and are not saved.</source>
        <translation>Modo demo (un ensayo): los cambios se aplican ya y no se guardan.</translation>
    </message>
    <message>
        <source>Consent text ({language})</source>
        <translation>Texto de consentimiento ({language})</translation>
    </message>
    <message>
        <source>{counters} since {time} UTC</source>
        <translation>{counters} desde {time} UTC</translation>
    </message>
    <message>
        <source>{counters} this event</source>
        <translation>{counters} en este evento</translation>
    </message>
    <message>
        <source>Type a PIN of 4 to 8 digits, or tick No PIN</source>
        <translation>Escribe un PIN de 4 a 8 dígitos o marca Sin PIN</translation>
    </message>
    <message>
        <source>For this start only (from the command line): {settings}. Saving keeps the saved values of those unless you change them here.</source>
        <translation>Solo para este inicio (línea de órdenes): {settings}. Al guardar se mantienen sus valores guardados salvo que los cambies aquí.</translation>
    </message>
    <message>
        <source>Kiosk PIN: {problem}</source>
        <translation>PIN del quiosco: {problem}</translation>
    </message>
</context>
<context>
    <name>Souvenir</name>
    <message>
        <source>Your place on the map</source>
        <translation>Tu sitio en el mapa</translation>
    </message>
    <message>
        <source>You look most like…</source>
        <translation>Te pareces más a…</translation>
    </message>
    <message>
        <source>Your dot joins the map in a moment.</source>
        <translation>Tu punto se une al mapa en un momento.</translation>
    </message>
    <message>
        <source>Your photos join the map in a moment</source>
        <translation>Tus fotos se unen al mapa en un momento</translation>
    </message>
    <message>
        <source>you</source>
        <translation>tú</translation>
    </message>
    <message>
        <source>look-alikes</source>
        <translation>parecidos</translation>
    </message>
    <message>
        <source>everyone else</source>
        <translation>los demás</translation>
    </message>
    <message>
        <source>the printer did not accept the card (out of paper? switched off?)</source>
        <translation>la impresora no aceptó la tarjeta (¿sin papel? ¿apagada?)</translation>
    </message>
    <message>
        <source>You landed in: {group}</source>
        <translation>Has aterrizado en: {group}</translation>
    </message>
    <message>
        <source>Scan to find your photos</source>
        <translation>Escanea: tus fotos</translation>
    </message>
    <message>
        <source>on the event's map</source>
        <translation>en el mapa</translation>
    </message>
    <message>
        <source>Scan to see</source>
        <translation>Escanea para ver</translation>
    </message>
    <message>
        <source>the event's map</source>
        <translation>el mapa</translation>
    </message>
    <message>
        <source>the printer stopped while printing the card</source>
        <translation>la impresora se detuvo al imprimir la tarjeta</translation>
    </message>
    <message>
        <source>Look for {code} on the map at the stand</source>
        <translation>Busca {code} en el mapa del stand</translation>
    </message>
    <message>
        <source>the printer “{name}” is not connected</source>
        <translation>la impresora «{name}» no está conectada</translation>
    </message>
    <message>
        <source>the printer “{name}” reports a problem (out of paper? jammed? paused?)</source>
        <translation>la impresora «{name}» indica un problema (¿sin papel? ¿atasco? ¿en pausa?)</translation>
    </message>
    <message>
        <source>This visit is no longer in the event.</source>
        <translation>Esta visita ya no está en el evento.</translation>
    </message>
    <message>
        <source>No kept photo for a card.</source>
        <translation>No hay foto guardada para una tarjeta.</translation>
    </message>
    <message>
        <source>Cards: saved to the event folder (no printer)</source>
        <translation>Tarjetas: guardadas en la carpeta del evento (sin impresora)</translation>
    </message>
    <message>
        <source>; the card is saved in the event folder</source>
        <translation>; la tarjeta está guardada en la carpeta del evento</translation>
    </message>
    <message>
        <source>Cards printed: {printed}</source>
        <translation>Tarjetas impresas: {printed}</translation>
    </message>
    <message>
        <source>Printer: {problem}</source>
        <translation>Impresora: {problem}</translation>
    </message>
    <message>
        <source>Cards printed: {printed}, {printing} printing</source>
        <translation>Tarjetas impresas: {printed}, {printing} imprimiéndose</translation>
    </message>
    <message>
        <source>Card saved in the event folder as {name}.png and .pdf.</source>
        <translation>Tarjeta guardada en la carpeta del evento como {name}.png y .pdf.</translation>
    </message>
    <message>
        <source>The card could not be made ({error}).</source>
        <translation>No se pudo hacer la tarjeta ({error}).</translation>
    </message>
    <message>
        <source>The card could not be saved: {error}</source>
        <translation>No se pudo guardar la tarjeta: {error}</translation>
    </message>
    <message>
        <source>printing failed ({error})</source>
        <translation>falló la impresión ({error})</translation>
    </message>
    <message>
        <source>; the card could not be saved either ({error})</source>
        <translation>; tampoco se pudo guardar la tarjeta ({error})</translation>
    </message>
    <message>
        <source>Making your card…</source>
        <translation>Preparando tu tarjeta…</translation>
    </message>
    <message>
        <source>Printing your card…</source>
        <translation>Imprimiendo tu tarjeta…</translation>
    </message>
    <message>
        <source>Drawing your card…</source>
        <translation>Dibujando tu tarjeta…</translation>
    </message>
    <message>
        <source>Printed: take your card from the printer.</source>
        <translation>Impresa: recoge tu tarjeta de la impresora.</translation>
    </message>
    <message>
        <source>Your card (your dots are on their way to the map)…</source>
        <translation>Tu tarjeta (tus puntos van camino del mapa)…</translation>
    </message>
    <message>
        <source>Your card is saved: ask us for a print.</source>
        <translation>Tu tarjeta está guardada: pídenos una copia impresa.</translation>
    </message>
    <message>
        <source>Your card is saved: ask us for a print, or scan the code.</source>
        <translation>Tu tarjeta está guardada: pídenos una copia impresa o escanea el código.</translation>
    </message>
    <message>
        <source>Press Print to take your card home.</source>
        <translation>Pulsa Imprimir y llévate tu tarjeta.</translation>
    </message>
    <message>
        <source>Your dots are on their way to the map…</source>
        <translation>Tus puntos van camino del mapa…</translation>
    </message>
    <message>
        <source>Not printed: {problem}. Please ask a volunteer.</source>
        <translation>No impresa: {problem}. Pregunta a un voluntario.</translation>
    </message>
</context>
<context>
    <name>StationWindow</name>
    <message>
        <source>{n} photo</source>
        <translation>{n} foto</translation>
    </message>
    <message>
        <source>{n} photos</source>
        <translation>{n} fotos</translation>
    </message>
    <message>
        <source>live</source>
        <translation>activa</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>iniciando</translation>
    </message>
    <message>
        <source>lost</source>
        <translation>perdida</translation>
    </message>
    <message>
        <source>reconnecting</source>
        <translation>reconectando</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fallida</translation>
    </message>
    <message>
        <source>ended</source>
        <translation>terminada</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>detenida</translation>
    </message>
    <message>
        <source>Camera lost, reconnecting…</source>
        <translation>Cámara perdida, reconectando…</translation>
    </message>
    <message>
        <source>Cancel
Esc</source>
        <translation>Cancelar
Esc</translation>
    </message>
    <message>
        <source>Retake
Backspace</source>
        <translation>Repetir
Retroceso</translation>
    </message>
    <message>
        <source>Delete
Del</source>
        <translation>Borrar
Supr</translation>
    </message>
    <message>
        <source>Keep
Enter</source>
        <translation>Guardar
Intro</translation>
    </message>
    <message>
        <source>Take photo
Space</source>
        <translation>Hacer foto
Espacio</translation>
    </message>
    <message>
        <source>Finish
Enter</source>
        <translation>Terminar
Intro</translation>
    </message>
    <message>
        <source>Rehearsal (demo mode): test pattern camera, random-weights model; nothing here changes the saved settings.</source>
        <translation>Ensayo (modo demo): imagen de prueba como cámara, modelo de pesos aleatorios; nada aquí cambia los ajustes guardados.</translation>
    </message>
    <message>
        <source>Starting the camera…</source>
        <translation>Iniciando la cámara…</translation>
    </message>
    <message>
        <source>No camera picture</source>
        <translation>Sin imagen de la cámara</translation>
    </message>
    <message>
        <source>The video ended</source>
        <translation>El vídeo ha terminado</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Press Enter to continue.</source>
        <translation>Las fotos guardadas están a salvo. Pulsa Intro para seguir.</translation>
    </message>
    <message>
        <source>A visit is in progress</source>
        <translation>Hay una visita en curso</translation>
    </message>
    <message>
        <source>A visitor is in the middle of their visit. Close piday anyway? Their kept photos are safe, and the visit can be resumed at the next start.</source>
        <translation>Un visitante está a mitad de su visita. ¿Cerrar piday igualmente? Sus fotos guardadas están a salvo y la visita se puede reanudar en el próximo inicio.</translation>
    </message>
    <message>
        <source>Saved. Restart piday to switch event, model, device, backup folder or language.</source>
        <translation>Guardado. Reinicia piday para cambiar de evento, modelo, dispositivo, carpeta de copia o idioma.</translation>
    </message>
    <message>
        <source>Starting the map's model… photos can be taken already.</source>
        <translation>Iniciando el modelo del mapa… ya se pueden hacer fotos.</translation>
    </message>
    <message>
        <source>Photos already kept are safe. Check the camera (or pick another in Settings), then press Enter.</source>
        <translation>Las fotos guardadas están a salvo. Revisa la cámara (o elige otra en Ajustes) y pulsa Intro.</translation>
    </message>
    <message>
        <source>Drop this photo?</source>
        <translation>¿Descartar esta foto?</translation>
    </message>
    <message>
        <source>The photo on screen has not been kept. Drop it and stop?</source>
        <translation>La foto en pantalla no se ha guardado. ¿Descartarla y parar?</translation>
    </message>
    <message>
        <source>Importing {name}… (checking every byte; capture goes on)</source>
        <translation>Importando {name}… (se comprueba cada byte; las fotos siguen)</translation>
    </message>
    <message>
        <source>Something unexpected went wrong ({error}).</source>
        <translation>Algo inesperado ha fallado ({error}).</translation>
    </message>
    <message>
        <source>Camera: {error}. Choose another camera or the test pattern below.</source>
        <translation>Cámara: {error}. Elige otra cámara o la imagen de prueba abajo.</translation>
    </message>
    <message>
        <source>No visit can start without a picture. Camera: {error}. Choose another camera or the test pattern below.</source>
        <translation>Ninguna visita puede empezar sin imagen. Cámara: {error}. Elija otra cámara o la imagen de prueba abajo.</translation>
    </message>
    <message>
        <source>{code}: keep this photo?</source>
        <translation>{code}: ¿guardar esta foto?</translation>
    </message>
    <message>
        <source>{code}: photo {number} of {total}</source>
        <translation>{code}: foto {number} de {total}</translation>
    </message>
    <message>
        <source>Model loading…</source>
        <translation>Cargando el modelo…</translation>
    </message>
    <message>
        <source>Model not available (see the start page)</source>
        <translation>Modelo no disponible (ver la página de inicio)</translation>
    </message>
    <message>
        <source>Camera: {state}</source>
        <translation>Cámara: {state}</translation>
    </message>
    <message>
        <source>Today: {visitors}, {photos}</source>
        <translation>Hoy: {visitors}, {photos}</translation>
    </message>
    <message>
        <source>Disk: {gb} GB free</source>
        <translation>Disco: {gb} GB libres</translation>
    </message>
    <message>
        <source>The model file was not imported: {reason}</source>
        <translation>El archivo de modelo no se importó: {reason}</translation>
    </message>
    <message>
        <source>{reason}, {n} times; see the log</source>
        <translation>{reason}, {n} veces; vea el registro</translation>
    </message>
    <message>
        <source>Keep or retake this photo first: the new one from the camera was not stored.</source>
        <translation>Primero guarda o repite esta foto: la nueva de la cámara no se guardó.</translation>
    </message>
    <message>
        <source>The camera stopped: {error}</source>
        <translation>La cámara se detuvo: {error}</translation>
    </message>
    <message>
        <source>Embedding: {queued} queued on {device}</source>
        <translation>Embeddings: {queued} en cola en {device}</translation>
    </message>
    <message>
        <source>{n} visitor</source>
        <translation>{n} visitante</translation>
    </message>
    <message>
        <source>{n} visitors</source>
        <translation>{n} visitantes</translation>
    </message>
    <message>
        <source>The map's model is not available: {reason}. Photos are still kept, and join the map as soon as a model is there. Fix: import a model file (made with `piday models export`), here or in Settings; no restart needed.</source>
        <translation>El modelo del mapa no está disponible: {reason}. Las fotos se guardan igualmente y se unen al mapa en cuanto haya un modelo. Solución: importa un archivo de modelo (hecho con `piday models export`), aquí o en Ajustes; sin reiniciar.</translation>
    </message>
</context>
<context>
    <name>VisitorFlow</name>
    <message>
        <source>The camera gives no picture, so no visit can start. Choose another camera or the test pattern below.</source>
        <translation>La cámara no da imagen, así que no puede empezar ninguna visita. Elige otra cámara o la imagen de prueba abajo.</translation>
    </message>
    <message>
        <source>Take the photo with the camera: it appears here by itself.</source>
        <translation>Haz la foto con la cámara: aparece aquí sola.</translation>
    </message>
    <message>
        <source>A photo came from the camera while nobody was being photographed: not stored (it stays in the hot folder). Start a visit first.</source>
        <translation>Llegó una foto de la cámara sin nadie fotografiándose: no se guardó (se queda en la carpeta vigilada). Empieza antes una visita.</translation>
    </message>
    <message>
        <source>No photos were taken or saved. Thank you for visiting!</source>
        <translation>No se hizo ni guardó ninguna foto. ¡Gracias por tu visita!</translation>
    </message>
</context>
</TS>

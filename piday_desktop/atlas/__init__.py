"""Uploading consenting visitors' photos to the event's Nomic Atlas map, and taking them off again.

Modules, each with one job:

- ``schema``    the Atlas tables' migrations, registered with core's schema runner on import
- ``outbox``    the durable per-photo queue in the event database (states, backoff, sweep)
- ``state``     the uploader's small durable memory (our dataset, the map, pending rebuilds)
- ``payload``   what of a visitor may leave, built by the one consent rule (``core.consent``)
- ``client``    the only module importing ``nomic``: deadlines, honest errors, read-back
- ``deadline``  bounded waits for calls that have none
- ``engine``    one unit of upload work per ``step()``; shared by the station and the CLI
- ``uploader``  the station's asyncio task around the engine (status signal, retry, forget)
- ``erase``     forgetting a visitor and consent changes (rebuilds the dataset when needed)
- ``lock``      one uploader per event across processes
- ``adopt``     a merged station's upload rows (``piday merge``): nothing goes up twice
- ``groups``    the live map's group names, the text column Atlas names topics from
- ``modes``     "our vectors" or "Nomic embeds the photos", per event
- ``selftest``  `piday atlas selftest`: what the configured service really does, per capability
- ``status``, ``settings``, ``qr``  values and helpers

Nothing here imports Qt; ``piday_desktop.ui.atlas_panel`` shows the status and the QR code.
"""

from . import schema  # noqa: E402,F401  registers the Atlas tables before any store is used

"""Long headless jobs over the store, shared by the CLI and the window: scan and intake of a
folder (``scan``, ``intake``), embedding what is missing (``embed``), exports (``export``) and
the offline HTML map (``map_export``)."""

"""The capture station's visitor flow: the state machine (``visitor_flow``) and the controller
that carries out its intents on the store (``controller``). Plain Python, no Qt: the window in
``ui/`` subscribes to both."""

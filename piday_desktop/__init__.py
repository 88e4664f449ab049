"""piday-desktop: a capture station for exhibitions, and the headless tools behind it."""

__version__ = "0.1.0"

"""Live map layout: incremental UMAP with warm starts, PCA for tiny sets. Plain Python, no Qt.

Importing this package is cheap; umap itself is imported by ``warm_up()`` on a background thread.
"""

from piday_desktop.projection.config import LayoutConfig
from piday_desktop.projection.layout import Layout, LayoutModel
from piday_desktop.projection.warmup import WarmUp, warm_up
from piday_desktop.projection.worker import LayoutResult, LayoutWorker

__all__ = ["Layout", "LayoutConfig", "LayoutModel", "LayoutResult", "LayoutWorker", "WarmUp", "warm_up"]

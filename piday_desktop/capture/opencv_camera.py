"""A real webcam through OpenCV (``opencv-python-headless``: the full build's Qt plugins clash
with PySide6), plus a quick, silent probe of which cameras exist.

Backend per platform, because OpenCV's automatic choice is slow or flaky on some:
- Linux: V4L2 (GStreamer, next in OpenCV's list, can stall for seconds on a missing device).
- Windows: DirectShow first (opens in well under a second and honours MJPG at high
  resolutions), Media Foundation as the fallback.
- macOS: AVFoundation (the only one).
A camera may be named instead of numbered on Linux (the name in
``/sys/class/video4linux/*/name``, or a ``/dev/video*`` / ``/dev/v4l/by-id`` path); a name is
resolved at every open, so a camera that comes back on a different ``/dev/videoN`` after being
replugged is still found.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2

from .base import CameraLost, CameraUnavailable, Frame
from .cv_capture import OpenCVCaptureSource
from .opencv_quiet import quiet_opencv

log = logging.getLogger(__name__)

# A camera can return a few empty frames while it starts streaming.
_WARMUP_READS = 10
# Consecutive failed reads before we call the camera lost (a single dropped frame is not).
_FAILED_READS_BEFORE_LOST = 5
_SYSFS_V4L = Path("/sys/class/video4linux")


def preferred_backends(platform: str | None = None) -> list[int]:
    """OpenCV capture APIs to try, best first, for this platform and this OpenCV build."""
    platform = platform or sys.platform
    if platform.startswith("linux"):
        wanted = [cv2.CAP_V4L2]
    elif platform == "win32":
        wanted = [cv2.CAP_DSHOW, cv2.CAP_MSMF]
    elif platform == "darwin":
        wanted = [cv2.CAP_AVFOUNDATION]
    else:
        return [cv2.CAP_ANY]
    try:
        built = set(cv2.videoio_registry.getCameraBackends())
    except (AttributeError, cv2.error):
        return wanted
    available = [api for api in wanted if api in built]
    return available or [cv2.CAP_ANY]


def linux_camera_names() -> dict[int, str]:
    """{index: name} from sysfs (Linux only; empty elsewhere or when there are none)."""
    names: dict[int, str] = {}
    if not _SYSFS_V4L.is_dir():
        return names
    for entry in _SYSFS_V4L.glob("video*"):
        try:
            index = int(entry.name[len("video"):])
            names[index] = (entry / "name").read_text(errors="replace").strip()
        except (ValueError, OSError):
            continue
    return names


def _missing_reason(device: int | str) -> str:
    what = f"No camera found at index {device}" if isinstance(device, int) else f"No camera {device!r}"
    hints = ["check that it is plugged in and not in use by another program (video call, browser)"]
    if sys.platform == "darwin":
        hints.append(
            "allow this app to use the camera in System Settings → Privacy & Security → Camera"
        )
    elif sys.platform.startswith("linux"):
        if not list(Path("/dev").glob("video*")):
            hints.append("this computer has no /dev/video* device at all")
        else:
            hints.append("check that your user may open /dev/video* (the 'video' group)")
    return f"{what}: " + "; ".join(hints) + "."


@dataclass(frozen=True)
class CameraInfo:
    """One camera found by ``list_cameras``; ``index`` is what ``--camera`` takes."""

    index: int
    name: str
    resolution: tuple[int, int] | None
    backend: str

    def __str__(self) -> str:
        size = f" ({self.resolution[0]}x{self.resolution[1]})" if self.resolution else ""
        return f"{self.index}: {self.name}{size} [{self.backend}]"


class OpenCVCamera(OpenCVCaptureSource):
    """A webcam by index (0, 1, …), by Linux device path, or by Linux device name.

    ``resolution`` is a request: cameras pick the nearest mode they support, and ``resolution``
    (the property) reports what actually arrives, read from the frames themselves.
    """

    def __init__(
        self,
        device: int | str,
        resolution: tuple[int, int] | None = None,
        *,
        fps: float | None = None,
        backend: int | None = None,
    ) -> None:
        super().__init__()
        self.device = device
        self.requested_resolution = tuple(resolution) if resolution else None
        self.requested_fps = fps
        self.backend = backend
        self.backend_name: str | None = None
        self._failures = 0

    # --- CameraSource -----------------------------------------------------------------------

    @property
    def description(self) -> str:
        name = f"Camera {self.device}" if isinstance(self.device, int) else f"Camera {self.device!r}"
        if self._size:
            name += f" ({self._size[0]}x{self._size[1]})"
        return name

    def _resolve(self) -> int | str:
        """What to hand to cv2.VideoCapture: an index, a device path, or a name looked up."""
        if isinstance(self.device, int) or str(self.device).startswith("/dev/"):
            return self.device
        if not sys.platform.startswith("linux"):
            raise CameraUnavailable(
                f"Cameras can only be chosen by name on Linux; use an index instead "
                f"(see `piday doctor`): {self.device!r}"
            )
        wanted = str(self.device).casefold()
        names = linux_camera_names()
        exact = sorted(i for i, n in names.items() if n.casefold() == wanted)
        partial = sorted(i for i, n in names.items() if wanted in n.casefold())
        for candidates in (exact, partial):
            if candidates:
                return candidates[0]  # a UVC camera's first node is the one that streams
        raise CameraUnavailable(_missing_reason(self.device))

    def open(self) -> None:
        self.close()
        target = self._resolve()
        apis = [self.backend] if self.backend is not None else preferred_backends()
        cap = None
        with quiet_opencv():
            for api in apis:
                candidate = cv2.VideoCapture(target, api)
                if candidate.isOpened():
                    cap = candidate
                    break
                candidate.release()
            if cap is None:
                raise CameraUnavailable(_missing_reason(self.device))
            try:
                self.backend_name = cap.getBackendName()
            except cv2.error:
                self.backend_name = None
            self._configure(cap)
            image = None
            for _ in range(_WARMUP_READS):
                ok, image = cap.read()
                if ok and image is not None:
                    break
                image = None
        if image is None:
            cap.release()
            raise CameraUnavailable(
                f"{self.description} opened but sent no picture; is another program using it?"
            )
        self._cap = cap
        self._pending = image
        self._number = 0
        self._failures = 0
        self._size = (int(image.shape[1]), int(image.shape[0]))
        self._reset_interrupt()
        if self.requested_resolution and self._size != self.requested_resolution:
            log.info(
                "%s: asked for %dx%d, the camera delivers %dx%d",
                self.description,
                *self.requested_resolution,
                *self._size,
            )

    def _configure(self, cap: cv2.VideoCapture) -> None:
        """Ask for the resolution/fps; the camera may pick something else (we read it back)."""
        if self.requested_resolution:
            width, height = self.requested_resolution
            if self.backend_name in ("V4L2", "DSHOW") and width * height > 640 * 480:
                # Uncompressed YUYV cannot do 720p/1080p at 30 fps over USB 2; MJPG can.
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if self.requested_fps:
            cap.set(cv2.CAP_PROP_FPS, self.requested_fps)
        # No CAP_PROP_BUFFERSIZE=1: the capture thread reads continuously, so the driver's
        # queue stays empty anyway, and a single V4L2 buffer halves some cameras' frame rate.

    def read(self) -> Frame | None:
        if self._cap is None:
            raise RuntimeError("read() on a closed source; call open() first")
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            while True:
                ok, image = self._cap.read()
                if ok and image is not None:
                    self._failures = 0
                    break
                self._failures += 1
                if self._failures >= _FAILED_READS_BEFORE_LOST or self.interrupted:
                    raise CameraLost(f"{self.description} stopped sending pictures")
        return self._frame(image)


def list_cameras(max_index: int = 5) -> list[CameraInfo]:
    """The cameras at indices 0 .. max_index-1 that open, with name and default resolution.

    Quick and quiet: on Linux indices without a ``/dev/videoN`` node are not even tried, and
    OpenCV's warnings about missing devices are silenced.
    """
    linux = sys.platform.startswith("linux")
    names = linux_camera_names() if linux else {}
    found: list[CameraInfo] = []
    with quiet_opencv():
        for index in range(max_index):
            if linux and not Path(f"/dev/video{index}").exists():
                continue
            for api in preferred_backends():
                cap = cv2.VideoCapture(index, api)
                try:
                    if not cap.isOpened():
                        continue
                    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
                    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
                    try:
                        backend = cap.getBackendName()
                    except cv2.error:
                        backend = "?"
                    found.append(
                        CameraInfo(
                            index=index,
                            name=names.get(index) or f"Camera {index}",
                            resolution=(width, height) if width > 0 and height > 0 else None,
                            backend=backend,
                        )
                    )
                    break
                finally:
                    cap.release()
    return found

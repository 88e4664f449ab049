"""The final report of an event as one HTML page: what an organiser reads the day after.

Everything comes from the event's catalogue (participants, photos, the run log, the Atlas
outbox) and, when given, the backup folder's manifest; nothing is computed that needs the
model, so torch is never imported. The page is self-contained (inline CSS and an inline SVG
chart, no script, no network) so it can be mailed or opened on any machine.

Privacy: visitors appear by participant code only. Nicknames, import folder names (the
``label``) and the failed files' paths (which start with a folder name) appear only with
``include_names``; original file names of stored photos never appear.
"""

from __future__ import annotations

import html
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .. import __version__
from ..atlas import groups as atlas_groups, outbox, state as atlas_state
from ..core import consent
from ..core.durable import used_bytes
from ..core.store import EventStore
from .backup import read_manifest

QUARTER = timedelta(minutes=15)


@dataclass
class ReportData:
    event: str
    generated_at: str
    created_at: str | None
    participants: int
    visitors_with_photos: int
    by_source: dict[str, int]
    by_state: dict[str, int]
    photos: int
    under_review: int
    consent: dict[str, int]
    per_day: list[tuple[str, list[tuple[datetime, int]]]]  # per local day: (quarter start, kept photos)
    vectors_by_model: dict[str, int]
    runs: list[dict]
    failures: list[tuple[str, str, str]]  # (run, item, reason)
    storage: dict[str, int]
    backup: dict[str, str]
    atlas: dict[str, object]
    visitors: list[dict] = field(default_factory=list)
    include_names: bool = False
    removals: dict[str, int] = field(default_factory=dict)  # retake / photo / visitor (store.removals)
    map_model: str | None = None  # the model whose stored layout is drawn
    map_points: list[tuple[float, float, int]] = field(default_factory=list)  # x, y, group index or -1
    groups: list[tuple[str, float, float, int]] = field(default_factory=list)  # name, x, y, photos


def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None


def _quarters(times: list[datetime]) -> list[tuple[str, list[tuple[datetime, int]]]]:
    """Kept photos per quarter hour (local time), per day, every quarter from that day's first
    photo to its last (an event over a weekend, or an import on another day, gets a chart each)."""
    counts = Counter(t.astimezone().replace(minute=t.astimezone().minute // 15 * 15, second=0, microsecond=0)
                     for t in times)
    days: dict[str, list[datetime]] = {}
    for start in sorted(counts):
        days.setdefault(f"{start:%a %d %b %Y}", []).append(start)
    out = []
    for day, starts in days.items():
        quarter, end, bars = starts[0], starts[-1], []
        while quarter <= end:
            bars.append((quarter, counts.get(quarter, 0)))
            quarter += QUARTER
        out.append((day, bars))
    return out


def _backup_state(store: EventStore, photos: int, backup_dir: str | None, runs: list[dict]) -> dict[str, str]:
    last_run = next((r for r in runs if r["command"] == "backup"), None)
    info: dict[str, str] = {}
    if last_run is not None:
        info["last_run"] = f"{(last_run['finished_at'] or last_run['started_at'])[:19].replace('T', ' ')} UTC: " \
                           f"{last_run['status']} ({last_run['message'] or ''})"
    if not backup_dir:
        info["state"] = "no backup folder given" if last_run is None else "see the last backup run"
        return info
    target = Path(backup_dir).expanduser()
    info["target"] = str(target)
    if not target.is_dir():
        info["state"] = "target missing"
        return info
    manifest = read_manifest(target, store.event)
    if manifest is None:
        info["state"] = "no backup of this event there"
        return info
    behind = max(0, photos - int(manifest.get("photos", 0)))
    info["state"] = "backup up to date" if behind == 0 else f"{behind} behind"
    info["backed_up_at"] = str(manifest.get("backed_up_at", "?"))
    info["photos_on_target"] = str(manifest.get("photos", "?"))
    return info


def gather(store: EventStore, *, include_names: bool = False, backup_dir: str | None = None,
           run_limit: int = 50) -> ReportData:
    """Read everything the report shows; only public store reads (and the Atlas outbox counts)."""
    participants = store.participants()
    photos = store.photos(include_review=True)
    kept = [p for p in photos if p.state == "kept"]
    kept_by_participant = Counter(p.participant_id for p in kept)
    runs = store.runs(limit=run_limit)
    failures = []
    for run in runs:
        for item, reason in store.run_failures(run["id"]):
            failures.append((f"#{run['id']} {run['command']}", item, reason))
    storage = {
        "photos_bytes": used_bytes(store.photos_dir),
        "catalogue_bytes": sum(f.stat().st_size for f in store.directory.glob("event.sqlite*") if f.is_file()),
        "free_bytes": shutil.disk_usage(store.directory).free,
    }
    atlas_counts = outbox.counts(store)
    atlas_values = atlas_state.get_all(store)
    by_id = {pt.id: pt for pt in participants}
    public = [p for p in kept if consent.shown(by_id[p.participant_id], p.state, consent.Audience.PUBLIC)
              is not consent.Visibility.HIDDEN]
    atlas = {
        "kept_here": len(kept),
        "shared_consent": len(public),
        "on_atlas": atlas_counts.get("uploaded", 0),
        "waiting": atlas_counts.get("queued", 0) + atlas_counts.get("sending", 0),
        "failed": atlas_counts.get("failing", 0),
        "last_error": outbox.last_error(store) or "",
        "map_link": atlas_values.get("map_link", ""),
        "map_count": atlas_values.get("map_count", ""),
    }
    visitors = []
    for pt in participants:
        row = {"code": pt.code, "source": pt.source, "state": pt.state, "consent": pt.consent.label,
               "photos": kept_by_participant.get(pt.id, 0)}
        if include_names:
            row["nickname"] = pt.nickname or ""
            row["label"] = pt.label or ""
        visitors.append(row)
    counts = store.counts()
    map_model, points, groups = _map_of(store, kept, by_id)
    return ReportData(
        event=store.event,
        generated_at=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        created_at=store.get_meta("created_at"),
        participants=len(participants),
        visitors_with_photos=sum(1 for pt in participants if kept_by_participant.get(pt.id)),
        by_source=dict(Counter(pt.source for pt in participants)),
        by_state=dict(Counter(pt.state for pt in participants)),
        photos=counts["photos"], under_review=counts["under_review"],
        consent={level: sum(pt.consent.label == level for pt in participants) for level in ("none", "map", "map+photo")},
        per_day=_quarters([t for t in (_parse(p.imported_at) for p in kept) if t is not None]),
        vectors_by_model=store.embedded_models(),
        runs=runs, failures=failures, storage=storage,
        backup=_backup_state(store, counts["photos"], backup_dir, runs),
        atlas=atlas, visitors=visitors, include_names=include_names, removals=store.removals(),
        map_model=map_model, map_points=points, groups=groups,
    )


def _map_of(store: EventStore, kept, by_id) -> tuple[str | None, list[tuple[float, float, int]],
                                                       list[tuple[str, float, float, int]]]:
    """The stored layout of the event's main model (the organiser's view: photos kept here) and
    the group names the station or `piday map` last gave (atlas/groups.py). No model is loaded."""
    models = store.embedded_models()
    if not models:
        return None, [], []
    model_id = next(iter(models))
    local = {p.id for p in kept
             if consent.shown(by_id[p.participant_id], p.state, consent.Audience.LOCAL) is not consent.Visibility.HIDDEN}
    xy = {pid: (x, y) for pid, x, y in store.query(
        "SELECT photo_id, x, y FROM embeddings WHERE model_id=? AND x IS NOT NULL AND y IS NOT NULL", (model_id,))
        if pid in local}
    names = atlas_groups.lookup(store, list(xy))  # the station's (or `piday map`'s) last names
    order = sorted(set(names.values()))
    index = {name: k for k, name in enumerate(order)}
    member = {pid: index[name] for pid, name in names.items()}
    groups = []
    for name in order:  # each name at the centre of its photos, as the station writes it
        ids = [pid for pid, n in names.items() if n == name]
        groups.append((name, sum(xy[i][0] for i in ids) / len(ids), sum(xy[i][1] for i in ids) / len(ids), len(ids)))
    points = [(x, y, member.get(pid, -1)) for pid, (x, y) in xy.items()]
    return model_id, points, groups


GROUP_COLOURS = ("#4f7be8", "#e8774f", "#3fa66b", "#b65fd1", "#d1a52f", "#2fb3c4", "#d14f7b", "#7b8a3f")


def map_svg(points: list[tuple[float, float, int]], groups: list[tuple[str, float, float, int]],
            width: int = 900, height: int = 380) -> str:
    """The event's map as dots (a colour per named group, grey outside any) with the group names."""
    if not points:
        return '<p class="muted">No map yet (photos get a place once they have a vector and the map was laid out).</p>'
    xs = [p[0] for p in points] + [g[1] for g in groups]
    ys = [p[1] for p in points] + [g[2] for g in groups]
    pad = 24
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = min((width - 2 * pad) / max(x1 - x0, 1e-9), (height - 2 * pad) / max(y1 - y0, 1e-9))

    ox = (width - 2 * pad - (x1 - x0) * scale) / 2  # centred in the frame along the spare side
    oy = (height - 2 * pad - (y1 - y0) * scale) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + ox + (x - x0) * scale, height - pad - oy - (y - y0) * scale

    parts = [f'<svg class="map" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="the event map with its group names">']
    for x, y, g in points:
        px, py = at(x, y)
        colour = GROUP_COLOURS[g % len(GROUP_COLOURS)] if g >= 0 else "#b8bec9"
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
    for name, x, y, n in groups:
        px, py = at(x, y)
        half = 4.5 * (len(name) + 5)  # about half the label's width at 14 px: kept inside the frame
        px = min(max(px, half), width - half)
        parts.append(f'<text x="{px:.1f}" y="{py:.1f}" class="group" text-anchor="middle">{_e(name)} ({n})</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- rendering ---------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _mb(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def chart_svg(per_quarter: list[tuple[datetime, int]], width: int = 900, height: int = 220) -> str:
    """Photos per quarter hour as an inline SVG bar chart (hour ticks, the busiest bar labelled)."""
    if not per_quarter:
        return '<p class="muted">No kept photos yet.</p>'
    left, bottom, top = 40, 28, 16
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(n for _, n in per_quarter) or 1
    bar = min(plot_w / len(per_quarter), 48.0)  # a short day stays bars, not one wide block
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="kept photos per quarter hour">']
    for frac in (0.5, 1.0):
        y = top + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{round(peak * frac)}</text>')
    best = max(range(len(per_quarter)), key=lambda i: per_quarter[i][1])
    for i, (start, n) in enumerate(per_quarter):
        h = plot_h * n / peak
        x = left + i * bar
        label = f"{start:%H:%M}-{(start + QUARTER):%H:%M}: {n} photo(s)"
        parts.append(f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar - 2, 1):.1f}" '
                     f'height="{h:.1f}" class="bar"><title>{_e(label)}</title></rect>')
        if start.minute == 0 or i == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" class="axis">{start:%H:%M}</text>')
        if i == best and n:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h - h - 4:.1f}" class="peak" '
                         f'text-anchor="middle">{n}</text>')
    parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{top + plot_h}" y2="{top + plot_h}" class="base"/></svg>')
    return "".join(parts)


def _table(headers: list[str], rows: list[list[object]], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tiles_html(items: list[tuple[str, object, str]]) -> str:
    return '<div class="tiles">' + "".join(
        f'<div class="tile"><div class="num">{_e(v)}</div><div class="lbl">{_e(k)}</div>'
        + (f'<div class="sub">{_e(s)}</div>' if s else "") + "</div>" for k, v, s in items) + "</div>"


CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:980px;margin:0 auto;padding:28px 24px 60px}
h1{margin:0 0 4px;font-size:28px} h3{margin:14px 0 6px;font-size:15px;color:#4a5263} h2{margin:34px 0 10px;font-size:19px;border-bottom:1px solid #dde1e8;padding-bottom:4px}
.muted{color:#6b7485} .tiles{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.tile{background:#fff;border-radius:10px;padding:12px 16px;min-width:120px;box-shadow:0 1px 2px #0001}
.num{font-size:26px;font-weight:650} .lbl{color:#4a5263} .sub{color:#8a93a3;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 2px #0001}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eef0f4;font-size:13px;vertical-align:top}
th{background:#eef1f6;font-weight:600} .chart,.map{background:#fff;border-radius:10px;box-shadow:0 1px 2px #0001}
.bar{fill:#4f7be8} .group{font-size:14px;font-weight:600;fill:#1d2330;paint-order:stroke;stroke:#fff;stroke-width:3px} .grid{stroke:#e4e7ee} .base{stroke:#9aa3b2} .axis{font-size:11px;fill:#6b7485} .peak{font-size:11px;fill:#1d2330}
.ok{color:#23863a;font-weight:600} .warn{color:#b05a00;font-weight:600} .bad{color:#c0392b;font-weight:600}
@media print{body{background:#fff}.tile,table,.chart,.map{box-shadow:none;border:1px solid #ddd}}
"""


def render(data: ReportData, *, svg: Callable[[str], str] | None = None,
           tiles: Callable[[list[tuple[str, object, str]]], str] | None = None) -> str:
    """The report page (see the module docstring). ``svg`` (each inline SVG) and ``tiles`` are
    drawn differently for print (report_pdf.py: Qt's HTML subset has no SVG and no flex boxes)."""
    inline = svg or (lambda text: text)

    def chart_svg_(bars: list[tuple[datetime, int]]) -> str:
        return inline(chart_svg(bars))
    _tiles = tiles or _tiles_html
    a = data.atlas
    consistent = a["on_atlas"] + a["waiting"] + a["failed"]
    backup_state = data.backup.get("state", "")
    backup_class = "ok" if backup_state == "backup up to date" else "bad" if "missing" in backup_state else "warn"
    runs_rows = [[r["id"], r["command"], (r["started_at"] or "")[:16].replace("T", " "), r["status"], r["imported"],
                  r["embedded"], r["skipped"], "" if r["images_per_s"] is None else f"{r['images_per_s']:.1f}",
                  r["device"] or "", r["model_id"] or ""] for r in data.runs]
    reasons = Counter(reason for _, _, reason in data.failures)
    model_rows = [[m, n, data.photos - n] for m, n in data.vectors_by_model.items()]
    devices = sorted({r["device"] for r in data.runs if r["device"]})
    rates = [r["images_per_s"] for r in data.runs if r["images_per_s"]]
    quarters = [q for _, bars in data.per_day for q in bars]
    busiest = max(quarters, key=lambda q: q[1]) if quarters else None
    charts = [f"<h3>{_e(day)}</h3>{chart_svg_(bars)}" if len(data.per_day) > 1 else chart_svg_(bars)
              for day, bars in data.per_day] or [chart_svg_([])]
    visitor_headers = ["code", "source", "state", "consent", "kept photos"] + (
        ["nickname", "folder"] if data.include_names else [])
    visitor_rows = [[v["code"], v["source"], v["state"], v["consent"], v["photos"]]
                    + ([v["nickname"], v["label"]] if data.include_names else []) for v in data.visitors]
    sections = [
        f"<h1>{_e(data.event)}: event report</h1>",
        f'<p class="muted">Generated {_e(data.generated_at)} by piday {_e(__version__)}'
        + (f"; event created {_e((data.created_at or '')[:16].replace('T', ' '))} UTC" if data.created_at else "")
        + ("" if data.include_names else "; visitors by code only (no nicknames or folder names)") + "</p>",
        _tiles([
            ("visitors", data.participants, f"{data.visitors_with_photos} with a kept photo"),
            ("photos kept", data.photos, f"{data.under_review} under review" if data.under_review else ""),
            ("on the Atlas map", a["on_atlas"], f"of {a['shared_consent']} shared"),
            ("storage", _mb(data.storage["photos_bytes"] + data.storage["catalogue_bytes"]),
             f"{_mb(data.storage['free_bytes'])} free"),
        ]),
        "<h2>Photos per quarter hour</h2>", *charts,
        (f'<p class="muted">Busiest quarter hour: {busiest[0]:%a %H:%M} with {busiest[1]} photo(s).</p>'
         if busiest else ""),
        "<h2>The map and its groups</h2>",
        inline(map_svg(data.map_points, data.groups)),
        (f'<p class="muted">{len(data.map_points)} photo(s) placed with {_e(data.map_model)}; '
         + (", ".join(f"{_e(name)}: {n}" for name, _, _, n in data.groups) or "no group names yet (the station "
            "names groups as the map grows; `piday map` names them too)") + "</p>") if data.map_model else "",
        "<h2>Retakes and deletions</h2>",
        _tiles([("retakes", data.removals.get("retake", 0), "shots discarded at review"),
                ("photos deleted", data.removals.get("photo", 0), "kept photos removed later"),
                ("visitors forgotten", data.removals.get("visitor", 0), "at their request")]),
        "<h2>Consent</h2>",
        _tiles([("keep locally only", data.consent["none"], "visitors"),
                ("public map", data.consent["map"], "visitors; no photo shown"),
                ("map + photo", data.consent["map+photo"], "visitors")]),
        "<h2>Atlas sync</h2>",
        _tiles([("kept here", a["kept_here"], "photos in this catalogue"),
                ("shared by consent", a["shared_consent"], "may go to the public map"),
                ("on the Atlas map", a["on_atlas"], "confirmed by Atlas"),
                ("waiting", a["waiting"], "queued or sending"),
                ("failed", a["failed"], "retrying")]),
        f'<p class="muted">on Atlas + waiting + failed = {consistent} of the {a["shared_consent"]} shared photos'
        + (" (a visitor's photos enter the queue when their visit is finished)" if consistent != a["shared_consent"] else "")
        + (f'. Last error: {_e(a["last_error"])}' if a["last_error"] else "")
        + (f'. Map: <a href="{_e(a["map_link"])}">{_e(a["map_link"])}</a>' if a["map_link"] else "") + "</p>",
        "<h2>Model, device and throughput</h2>",
        _table(["model", "photos with a vector", "missing"], model_rows, "No vectors yet."),
        f'<p class="muted">Devices used: {_e(", ".join(devices) or "none recorded")}'
        + (f"; best run {max(rates):.1f} img/s" if rates else "") + "</p>",
        "<h2>Runs</h2>",
        _table(["#", "command", "started (UTC)", "status", "imported", "embedded", "skipped", "img/s", "device", "model"],
               runs_rows, "No command-line runs recorded (station shots are not runs)."),
        "<h2>Failures</h2>",
        _table(["reason", "files"], [[r, n] for r, n in reasons.most_common()], "Nothing failed."),
        # Failed files are named by their path under the imported folder, whose first part is a
        # participant's folder name: personal, so listed only with names.
        (_table(["run", "file", "reason"], [list(f) for f in data.failures[:200]], "")
         if data.failures and data.include_names else ""),
        "<h2>Storage and backup</h2>",
        _table(["", ""], [["photos", _mb(data.storage["photos_bytes"])],
                          ["catalogue", _mb(data.storage["catalogue_bytes"])],
                          ["free on this disk", _mb(data.storage["free_bytes"])]], ""),
        f'<p>Backup: <span class="{backup_class}">{_e(backup_state or "unknown")}</span>'
        + "".join(f"; {_e(k.replace('_', ' '))}: {_e(v)}" for k, v in data.backup.items() if k != "state") + "</p>",
        "<h2>Visitors</h2>",
        _table(visitor_headers, visitor_rows, "No visitors yet."),
    ]
    body = "\n".join(s for s in sections if s)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(data.event)}: event report'
            f'</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>{CSS}</style>'
            f"</head><body><main>{body}</main></body></html>\n")


def write_report(store: EventStore, out: Path, *, include_names: bool = False, backup_dir: str | None = None) -> ReportData:
    data = gather(store, include_names=include_names, backup_dir=backup_dir)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_text(render(data), encoding="utf-8")
    tmp.replace(out)
    return data

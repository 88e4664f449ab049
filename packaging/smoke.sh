#!/usr/bin/env bash
# Does the built bundle work as a volunteer would use it, with nothing but its own Python?
#
#   bash packaging/smoke.sh                 # build (python packaging/build.py), then check dist/piday
#   bash packaging/smoke.sh --no-build DIR  # check an existing bundle folder (DIR/piday[.exe])
#   BUILD_ARGS="--cpu-only" bash packaging/smoke.sh   # options for the build step
#   DIST=/tmp/out WORK=/tmp/work bash packaging/smoke.sh  # build outside the repository
#
# Checks, each in a clean environment (no virtualenv, no PYTHONPATH, a temporary HOME and data,
# offline): the program starts (--version), `doctor` answers and is ready for a rehearsal, a
# small folder of photos is imported and embedded, exported, and read back by `report`, and the
# station window opens (offscreen) and closes again. Exit status 0 only if all of that works.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
python="${PYTHON:-python}"
bundle=""
if [[ "${1:-}" == "--no-build" ]]; then
    bundle="${2:?usage: smoke.sh --no-build BUNDLE_DIR}"
else
    # shellcheck disable=SC2086  # BUILD_ARGS is a list of options on purpose
    dist="${DIST:-$root/dist}"
    "$python" "$root/packaging/build.py" --dist "$dist" --work "${WORK:-$root/build}" ${BUILD_ARGS:-}
    bundle="$dist/piday"
fi
exe="$bundle/piday"
[[ -x "$exe" ]] || exe="$bundle/piday.exe"
[[ -x "$exe" ]] || { echo "smoke: no piday executable in $bundle" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/piday-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/photos/alice" "$work/photos/bob"

# A clean environment: only what a double-click would have, plus our isolated folders.
vars=(HOME="$work/home" USERPROFILE="$work/home"
      PIDAY_DATA_DIR="$work/data" PIDAY_CONFIG_DIR="$work/config" PIDAY_LOG_DIR="$work/log"
      PIDAY_CACHE_DIR="$work/cache" HF_HUB_OFFLINE=1 QT_QPA_PLATFORM=offscreen)
if [[ "$(uname -s)" == Linux || "$(uname -s)" == Darwin ]]; then
    clean=(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "${vars[@]}")
else  # Windows (Git Bash): the system needs its own variables; drop only Python's
    clean=(env -u PYTHONPATH -u PYTHONHOME -u VIRTUAL_ENV -u CONDA_PREFIX "${vars[@]}")
fi
run() { "${clean[@]}" "$exe" "$@"; }
step() { printf '\nsmoke: %s\n' "$*"; }

step "version"
run --version

step "three photos (random 64x48 BMPs written here: the bundle has no bare Python to make them)"
le() {  # little-endian bytes of $1, $2 bytes long
    local value=$1 count=$2 out=""
    for ((i = 0; i < count; i++)); do out+=$(printf '\\x%02x' $(((value >> (8 * i)) & 255))); done
    printf '%b' "$out"
}
for who in alice/a alice/b bob/c; do
    {
        printf 'BM'; le 9270 4; le 0 4; le 54 4
        le 40 4; le 64 4; le 48 4; le 1 2; le 24 2; le 0 4; le 9216 4; le 2835 4; le 2835 4; le 0 4; le 0 4
        head -c 9216 /dev/urandom
    } > "$work/photos/$who.bmp"
done

step "doctor (quick, offline, rehearsal settings)"
run doctor --quick --offline --camera pattern --model piday-tiny:none --json > "$work/doctor.json"
grep -q '"ready": true' "$work/doctor.json" || { cat "$work/doctor.json"; echo "smoke: doctor says not ready" >&2; exit 1; }
run doctor --quick --offline --camera pattern --model piday-tiny:none | tail -n 3

step "import and embed"
run import "$work/photos" --event smoke --model piday-tiny:none

step "export"
run export --event smoke --out "$work/smoke.csv"
rows=$(($(wc -l < "$work/smoke.csv") - 1))
[[ "$rows" == 3 ]] || { echo "smoke: expected 3 exported rows, got $rows" >&2; exit 1; }
run export --event smoke --out "$work/smoke.parquet"
[[ -s "$work/smoke.parquet" ]]

step "report"
run report --event smoke --json > "$work/report.json"
grep -q '"photos": 3' "$work/report.json" || { cat "$work/report.json"; exit 1; }
grep -q 'piday-tiny:none' "$work/report.json"

step "station window opens and closes"
printf 'event = "smoke"\ncamera = "pattern"\nmodel = "piday-tiny:none"\n' > "$work/station.toml"
mkdir -p "$work/config" && cp "$work/station.toml" "$work/config/config.toml"
shown="$("${clean[@]}" PIDAY_STARTUP_PROBE=exit "$exe" | grep PIDAY_WINDOW_SHOWN || true)"
[[ -n "$shown" ]] || { echo "smoke: the station window never appeared" >&2; exit 1; }
echo "$shown"

step "log file written"
ls -l "$work/log"
grep -q "window on screen" "$work/log/piday.log"

printf '\nsmoke: OK (%s)\n' "$bundle"

#!/usr/bin/env bash
# bench/spec-audit.sh: audit one large, real OpenAPI description (GitHub's
# REST API, 13 MB, 811 paths) with posture and with vacuum side by side, and
# report median wall time and median peak memory (max RSS) for each.
#
# posture's side (MODE=audit, the default) is the same job as vacuum's:
#   posture audit --json SPEC
# which parses the spec, extracts the per-operation facts and lists every
# fact that fails a catalog control with its JSON pointer and line, storing
# nothing. MODE=ingest times the import instead:
#   posture ingest --db FRESH.db --json SPEC
# which also stores the evidence in SQLite (a fresh database per run,
# schema migrations included), work vacuum does not do.
# The binary is built once per invocation (go build ./cmd/posture).
#
# vacuum's side (github.com/daveshanley/vacuum, the OpenAPI linter a user
# would otherwise run):
#   vacuum lint -d -b -q SPEC
# i.e. its default (recommended) ruleset, details table printed, no banner,
# no colours, no HTML report. vacuum is built once from the Go module proxy
# into ${XDG_CACHE_HOME:-$HOME/.cache}/posture-bench/bin and reused on later
# runs. vacuum exits 1 when it finds errors: that counts as success when it
# printed its result line, and its finding counts are shown. vacuum gives
# each rule 5 s by default and skips a rule that takes longer (a slow machine
# lints less); the script names any rule skipped that way. VACUUM_ARGS="-g 300"
# raises the limit.
#
# Each tool runs once untimed first (warm-up, and a check that it exits
# cleanly), then RUNS timed runs, alternating the two; medians are reported,
# with the ratios posture/vacuum. Wall time and max RSS come from GNU time
# (/usr/bin/time -v).
#
# Environment:
#   RUNS=3                    timed runs per tool
#   MODE=audit                audit (no database) or ingest (stores evidence)
#   POSTURE_SHARED=../shared  folder holding bench/api.github.com.json
#                             (a relative path is taken from the repo root)
#   SPEC=PATH                 another spec file instead
#   VACUUM_VERSION=v0.30.3    the vacuum version built
#   VACUUM=PATH               use this vacuum binary instead of building one
#   VACUUM_ARGS=              extra arguments for `vacuum lint`
#   NO_VACUUM=1               posture alone
#   WARMUP=1                  0 skips the untimed first run (each timed run
#                             is still checked)
#   POSTURE_BENCH_CACHE       default ${XDG_CACHE_HOME:-$HOME/.cache}/posture-bench
#
# Exit status: 0 ok; 1 a tool failed; 2 bad setup (missing spec, GNU time or
# go, bad RUNS); 3 vacuum could not be built (posture's numbers still print).
set -euo pipefail

die() { printf 'spec-audit: %s\n' "$*" >&2; exit "${code:-2}"; }
say() { printf '%s\n' "$*" >&2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

RUNS=${RUNS:-3}
MODE=${MODE:-audit}
[[ $MODE == audit || $MODE == ingest ]] || die "MODE must be audit or ingest (got '$MODE')"
VACUUM_VERSION=${VACUUM_VERSION:-v0.30.3}
VACUUM_ARGS=${VACUUM_ARGS:-}
NO_VACUUM=${NO_VACUUM:-0}
WARMUP=${WARMUP:-1}
cache=${POSTURE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/posture-bench}
shared=${POSTURE_SHARED:-../shared}
spec=${SPEC:-$shared/bench/api.github.com.json}

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"

# --- prerequisites -----------------------------------------------------------
if [[ ! -e $spec ]]; then
	die "spec file not found: $spec (from $root)
  It is GitHub's REST API description, kept in the shared corpus as
  bench/api.github.com.json. Set POSTURE_SHARED to the folder holding
  bench/ (default ../shared, relative to the repo root), or SPEC=/path/to/spec.json."
fi
[[ -f $spec && -r $spec ]] || die "spec is not a readable file: $spec"
spec=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")

if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -v true >/dev/null 2>&1; then
	die "GNU time is needed at /usr/bin/time (its -v gives wall time and max RSS).
  Install it with: apt-get install -y time"
fi
command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build posture and vacuum)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spec-audit.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

say "spec:    $spec ($(du -h "$spec" | cut -f1))"
say "machine: $(nproc) cores, load $(loadavg) (1/5/15 min), $(go version | cut -d' ' -f3-)"
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l > 0.75 * n) }'; then
	say "warning: the 1-minute load is high for $(nproc) cores; timings will be noisy"
fi

# --- tools -------------------------------------------------------------------
say "building posture (go build ./cmd/posture) ..."
go build -o "$tmp/posture" ./cmd/posture || code=1 die "go build ./cmd/posture failed"

vacuum_bin=""
vacuum_why=""
get_vacuum() {
	if [[ -n ${VACUUM:-} ]]; then
		[[ -f $VACUUM && -x $VACUUM ]] || { vacuum_why="VACUUM=$VACUUM is not an executable file"; return 1; }
		vacuum_bin=$VACUUM
		return 0
	fi
	local bin=$cache/bin/vacuum-$VACUUM_VERSION dir
	if [[ ! -x $bin ]]; then
		say "building vacuum $VACUUM_VERSION into $cache/bin (once) ..."
		mkdir -p "$cache/bin"
		# Not `go install module@version`: that also reads the module's
		# version list (to report deprecation), which a filtering proxy may
		# refuse while serving the version itself. Download the module, then
		# build it in its own directory with its own go.mod and go.sum.
		if dir=$(cd "$tmp" && GOWORK=off go mod download -json "github.com/daveshanley/vacuum@$VACUUM_VERSION" 2>"$tmp/vacuum-build.log" |
			sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') && [[ -n $dir && -d $dir ]] &&
			(cd "$dir" && GOWORK=off GOFLAGS=-mod=readonly go build -trimpath \
				-ldflags "-X main.version=$VACUUM_VERSION" -o "$bin.tmp" .) >>"$tmp/vacuum-build.log" 2>&1; then
			mv "$bin.tmp" "$bin"
		else
			rm -f "$bin.tmp"
			vacuum_why="building github.com/daveshanley/vacuum@$VACUUM_VERSION from the Go module proxy failed:
$(tail -n 5 "$tmp/vacuum-build.log" | sed 's/^/    /')
  Give a vacuum binary with VACUUM=/path/to/vacuum, another version with
  VACUUM_VERSION, or run posture alone with NO_VACUUM=1."
			return 1
		fi
	fi
	vacuum_bin=$bin
}
vacuum_ok=0
if [[ $NO_VACUUM != 1 ]]; then
	if get_vacuum; then
		vacuum_ok=1
		say "vacuum:  $vacuum_bin"
	else
		say "vacuum is unavailable: $vacuum_why"
		say "continuing with posture alone"
	fi
fi

# --- measuring ---------------------------------------------------------------
# run_timed OUT -- CMD...: runs CMD under GNU time, stdout and stderr into
# OUT; sets rc, wall (seconds) and rss (KiB).
run_timed() {
	local out=$1
	shift 2
	rc=0
	/usr/bin/time -v -o "$out.time" "$@" >"$out" 2>&1 || rc=$?
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($NF, p, ":"); s = 0
		for (i = 1; i <= n; i++) s = s * 60 + p[i]
		printf "%.2f", s }' "$out.time")
	rss=$(awk -F': ' '/Maximum resident set size/ { print $NF }' "$out.time")
	[[ -n $wall && -n $rss ]] || { say "could not read GNU time's report:"; cat "$out.time" >&2; exit 1; }
}

# check_posture OUT: exit 0 and, for ingest, a JSON line that says ok; for
# audit, the issue counts by severity.
check_posture() {
	if [[ $MODE == audit ]]; then
		if [[ $rc != 0 ]] || ! grep -q '"counts"' "$1"; then
			say "posture audit failed (exit $rc):"
			tail -n 20 "$1" >&2
			exit 1
		fi
		summary_posture="$(grep -c '"severity"' "$1") issues ($(awk '/"counts"/ { on = 1; next } on && /}/ { on = 0 } on { gsub(/[" ,]/, ""); sub(/:/, " "); printf "%s%s", sep, $0; sep = ", " }' "$1"))"
		return
	fi
	if [[ $rc != 0 ]] || ! grep -q '"ok":true' "$1"; then
		say "posture ingest failed (exit $rc):"
		tail -n 20 "$1" >&2
		exit 1
	fi
	summary_posture=$(sed -n 's/.*"endpoints":\([0-9]*\),"evidence":\([0-9]*\),"findings":\([0-9]*\).*/\1 endpoints, \2 evidence rows, \3 findings/p' "$1" | head -n1)
}

# check_vacuum OUT: exit 0, or 1 with its result line printed, is a clean
# run ("Failed with 2 errors, 24,407 warnings and 8,694 informs." or
# "Passed ..."); sets summary_vacuum.
check_vacuum() {
	local plain line e w i skipped
	plain=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$1")
	line=$(grep -E '(Failed|Passed).*(errors|warnings|informs)|[Pp]erfect score' <<<"$plain" | tail -n1 || true)
	if [[ -z $line || ($rc != 0 && $rc != 1) ]]; then
		say "vacuum did not finish its report (exit $rc):"
		tail -n 20 <<<"$plain" >&2
		exit 1
	fi
	e=$(grep -oE '[0-9,]+ errors' <<<"$line" | tr -dc 0-9 || true)
	w=$(grep -oE '[0-9,]+ warnings' <<<"$line" | tr -dc 0-9 || true)
	i=$(grep -oE '[0-9,]+ informs' <<<"$line" | tr -dc 0-9 || true)
	e=${e:-0} w=${w:-0} i=${i:-0}
	summary_vacuum="$((e + w + i)) findings ($e errors, $w warnings, $i info; exit $rc)"
	# "Rule timed out, skipping" then "rule: NAME": vacuum's per-rule limit.
	skipped=$(grep -A2 'timed out' <<<"$plain" | sed -n 's/.*rule: *\([^ ]*\).*/\1/p' | sort -u | paste -sd, - || true)
	if [[ -n $skipped ]]; then
		summary_vacuum+="; rules skipped on timeout: $skipped"
	fi
}

posture_run() {
	if [[ $MODE == audit ]]; then
		run_timed "$tmp/posture.out" -- "$tmp/posture" audit --json "$spec"
	else
		run_timed "$tmp/posture.out" -- "$tmp/posture" ingest --db "$tmp/bench-$1.db" --json "$spec"
	fi
}
# shellcheck disable=SC2086 # VACUUM_ARGS is split on purpose
vacuum_run() { run_timed "$tmp/vacuum.out" -- "$vacuum_bin" lint -d -b -q $VACUUM_ARGS "$spec"; }

if [[ $WARMUP != 0 ]]; then
	say "checking both tools exit cleanly (untimed warm-up run) ..."
	posture_run warmup
	check_posture "$tmp/posture.out"
	rm -f "$tmp"/bench-warmup.db*
	say "  posture: ok, $summary_posture ($wall s, $(mib "$rss") MiB)"
	if [[ $vacuum_ok == 1 ]]; then
		vacuum_run
		check_vacuum "$tmp/vacuum.out"
		say "  vacuum:  ok, $summary_vacuum ($wall s, $(mib "$rss") MiB)"
	fi
fi

p_wall=() p_rss=() v_wall=() v_rss=()
for ((r = 1; r <= RUNS; r++)); do
	posture_run "$r"
	check_posture "$tmp/posture.out"
	rm -f "$tmp/bench-$r.db"*
	p_wall+=("$wall") p_rss+=("$rss")
	msg="run $r/$RUNS: posture $wall s $(mib "$rss") MiB"
	if [[ $vacuum_ok == 1 ]]; then
		vacuum_run
		check_vacuum "$tmp/vacuum.out"
		v_wall+=("$wall") v_rss+=("$rss")
		msg+=", vacuum $wall s $(mib "$rss") MiB"
	fi
	say "  $msg"
done
say "load after: $(loadavg)"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
row() { printf '  %-9s %-14s %s\n' "$1" "$2" "$3"; }

pw=$(median "${p_wall[@]}") pr=$(median "${p_rss[@]}")
echo
echo "spec-audit: $(basename "$spec"), posture $MODE, $RUNS timed runs each, medians (MiB = 1024 KiB)"
row tool "median wall" "median max RSS"
row posture "$(printf '%.2f s' "$pw")" "$(mib "$pr") MiB"
if [[ $vacuum_ok == 1 ]]; then
	vw=$(median "${v_wall[@]}") vr=$(median "${v_rss[@]}")
	row vacuum "$(printf '%.2f s' "$vw")" "$(mib "$vr") MiB"
	awk -v pw="$pw" -v vw="$vw" -v pr="$pr" -v vr="$vr" \
		'BEGIN { printf "  ratio (posture/vacuum): time %.2f, memory %.2f\n", (vw > 0 ? pw / vw : 0), (vr > 0 ? pr / vr : 0) }'
	echo "  posture: $summary_posture"
	echo "  vacuum:  $summary_vacuum"
elif [[ $NO_VACUUM != 1 ]]; then
	row vacuum "unavailable (see above)" ""
	exit 3
fi

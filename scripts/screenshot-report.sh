#!/usr/bin/env bash
# Render an HTML report in headless Chromium and save a screenshot, to check the
# report's layout by eye (the Go test TestHTMLScreenshot does the same and checks
# the picture is not blank).
#
#   scripts/screenshot-report.sh [OUT.png] [REPORT.html]
#
# Without REPORT.html it writes the report of the hand-built test case (the one
# behind testdata/report/account.html), with the graph embedded when Graphviz's
# dot is installed. Installs Debian's chromium (and graphviz) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-/tmp/chaintrace-report.png}
html=${2:-}

if ! command -v chromium >/dev/null; then
	apt-get update && apt-get install -y chromium
fi
if ! command -v dot >/dev/null; then
	apt-get install -y graphviz || echo "graphviz not installed: the report will say how to render the graph instead" >&2
fi

if [ -z "$html" ]; then
	html=$(mktemp --suffix=.html)
	CHAINTRACE_SAMPLE_HTML="$html" go test ./report -run '^TestSampleHTML$' -count=1 >/dev/null
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --screenshot="$out" --window-size=1280,2000 \
	"file://$(realpath "$html")" 2>/dev/null
echo "screenshot of $html: $out"

#!/usr/bin/env bash
# Build the plugin (VST3 + Standalone), its C++ tests and the headless test host, then run the
# C++ tests. `make test` runs this first; the Python tests then load the built plugin.
#
#   plugin/build.sh            build (Release) into plugin/build and run ctest
#   plugin/build.sh --no-test  build only
#
# Without JUCE (Debian: juce-modules-source ableton-link-dev cmake) it says so and exits 0, and
# the Python tests that need the plugin skip; with STEPISTA_REQUIRE_PLUGIN=1 (CI) it fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${STEPISTA_PLUGIN_BUILD:-$here/build}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

missing() {
  echo "plugin: not built: $1" >&2
  echo "plugin: on Debian/Ubuntu: sudo apt-get install juce-modules-source ableton-link-dev cmake g++ pkg-config" >&2
  if [ "${STEPISTA_REQUIRE_PLUGIN:-0}" = 1 ]; then exit 1; fi
  exit 0
}

command -v cmake >/dev/null || missing "cmake is not installed"
mkdir -p "$build"
if ! cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$build/configure.log" 2>&1; then
  tail -n 20 "$build/configure.log" >&2
  missing "cmake could not configure it (log: $build/configure.log)"
fi
echo "plugin: building in $build (a first build takes about 5 minutes on 2 cores)"
cmake --build "$build" -j "$jobs" >"$build/build.log" 2>&1 || { tail -n 40 "$build/build.log" >&2; echo "plugin: build failed (log: $build/build.log)" >&2; exit 1; }
if [ "${1:-}" != "--no-test" ]; then
  ctest --test-dir "$build" --output-on-failure
fi

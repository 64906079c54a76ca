#!/usr/bin/env bash
# clang-tidy (checks in .clang-tidy) and cppcheck over the project's own C
# sources; generated protobuf code is not linted. Fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mapfile -t sources < <(git ls-files --cached --others --exclude-standard '*.c' | grep -v '^tests/fuzz/')
# The SDK's examples are built out of tree (not in the compile database):
# clang-tidy gets their flags here.
mapfile -t examples < <(printf '%s\n' "${sources[@]}" | grep '^sdk/examples/' || true)
mapfile -t sources < <(printf '%s\n' "${sources[@]}" | grep -v '^sdk/examples/')
[ ${#sources[@]} -gt 0 ] || exit 0

echo "lint: clang-tidy over ${#sources[@]} files"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
tidy_status=0
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 8 clang-tidy -p "$build" --quiet --warnings-as-errors='*' \
  >"$log" 2>&1 || tidy_status=1
if [ ${#examples[@]} -gt 0 ]; then
  clang-tidy --quiet --warnings-as-errors='*' "${examples[@]}" -- -std=c11 -D_GNU_SOURCE \
    -I sdk/include >>"$log" 2>&1 || tidy_status=1
fi
grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter' "$log" || true
[ "$tidy_status" -eq 0 ] || { echo "lint: clang-tidy found problems"; exit 1; }

echo "lint: cppcheck"
cppcheck --quiet --error-exitcode=1 --inline-suppr \
  --enable=warning,performance,portability --std=c11 \
  --suppress=missingIncludeSystem --suppress=unmatchedSuppression \
  -D__GNUC__ -I sdk/include -I core -I libs "${sources[@]}" "${examples[@]}"
echo "lint: clean"

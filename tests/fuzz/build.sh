#!/bin/sh
# Build the planner's libFuzzer targets into OUTDIR.
# Usage: tests/fuzz/build.sh SRCDIR BUILDDIR OUTDIR   (BUILDDIR holds config.h)
set -eu
src=$1
build=$2
out=$3
mkdir -p "$out"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
 -I$src/lib -I$src -I$build $(pkg-config --cflags libxml-2.0 libqb)"
libs="$(pkg-config --libs libxml-2.0 libqb)"
common="$src/planner/model.c $src/planner/scenario.c $src/planner/plan.c
 $src/planner/admission.c $src/planner/cib.c $src/lib/util.c $src/lib/deadline.c
 $src/lib/log.c"
for t in planner_scenario_fuzz planner_cib_fuzz; do
	# shellcheck disable=SC2086
	clang $cflags -o "$out/$t" "$src/tests/fuzz/$t.c" $common $libs
done
# lib/domxml (domain XML, memory units, vCPUs): corpus in tests/fuzz/domxml_corpus
# shellcheck disable=SC2086
clang $cflags -o "$out/domxml_fuzz" "$src/tests/fuzz/domxml_fuzz.c" "$src/lib/domxml.c" $libs

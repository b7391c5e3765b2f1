#!/bin/bash -eu
# ClusterFuzzLite (and OSS-Fuzz) build of pidcheck's native Go fuzz targets
# (func FuzzX(f *testing.F)), each made into a libFuzzer binary in $OUT by
# compile_native_go_fuzzer PACKAGE FUNCTION NAME, as the Go integration
# guide says.
#
# Every Fuzz target in the module is in one of the two lists; .ci/run
# checks that (build.sh --list prints them), so a new target cannot be
# forgotten here.

# Built: their fuzz functions take the standard library's *testing.T only
# as go-118-fuzz-build's rewrite of the file can replace it.
native=(
	"github.com/pidcheck/pidcheck/model FuzzParseOpRoundTrip"
	"github.com/pidcheck/pidcheck/model FuzzParseResultRoundTrip"
	"github.com/pidcheck/pidcheck/traces FuzzParse"
)
# Not built: these call checker.Fuzz, whose fuzz function (in package
# checker, not in the rewritten test file) takes the standard library's
# *testing.T, while go-118-fuzz-build's F.Fuzz calls it with its own T
# (reflect.Call would panic on the first input). They run under go test
# -fuzz instead: the fuzz matrix of .github/workflows/ci.yml and .ci/run.
checker_fuzz=(FuzzIDR FuzzPidmap FuzzLockfree FuzzLinux FuzzOpenVZ FuzzPSpace2006)

if [ "${1:-}" = "--list" ]; then
	for t in "${native[@]}"; do echo "build ${t##* }"; done
	for t in "${checker_fuzz[@]}"; do echo "skip $t"; done
	exit 0
fi

# compile_native_go_fuzzer rewrites the fuzz file to this package's F.
go get github.com/AdamKorcz/go-118-fuzz-build/testing

for t in "${native[@]}"; do
	read -r pkg fn <<<"$t"
	compile_native_go_fuzzer "$pkg" "$fn" "$fn"
	# It only says so when it finds no such function: fail instead.
	if [ ! -e "$OUT/$fn" ]; then
		echo "build.sh: compile_native_go_fuzzer $pkg $fn made no $OUT/$fn" >&2
		exit 1
	fi
done

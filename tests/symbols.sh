#!/bin/sh
# Public symbols are prefixed sk_ (DESIGN.md): lists the external symbols a library
# defines without the prefix, with a count: a failure (SYMBOLS_STRICT=0 only lists them).
lib=${1:-build/libsipkit.a}
if [ ! -f "$lib" ]; then
	echo "symbols: $lib not found" >&2
	exit 1
fi
# __odr_asan.*: ASan's one-definition-rule markers for globals, not ours
list=$(nm -g --defined-only -A "$lib" | awk 'NF == 3 && $3 !~ /^(sk_|__odr_asan)/ {
	split($1, p, ":"); print "  " p[2] " " $3 }' | sort)
if [ -z "$list" ]; then
	echo "symbols: ok (every external symbol of $lib starts with sk_)"
	exit 0
fi
n=$(printf '%s\n' "$list" | wc -l)
echo "symbols: $n external symbols of $lib without the sk_ prefix (object symbol):"
printf '%s\n' "$list"
if [ "${SYMBOLS_STRICT:-1}" = 1 ]; then
	echo "symbols: FAIL"
	exit 1
fi
echo "symbols: not fatal (SYMBOLS_STRICT=0)"
exit 0

#!/bin/sh
# Layering (DESIGN.md): a layer includes only its own public header and those of
# the layers below it. Order, bottom up: core, msg (msg.h + uri.h + auth.h + ws.h), transport,
# txn (with stack.h, the assembled stack), ua, proxy, trace; cli sits on top and may include anything.
fail=0
allowed() { # layer -> public headers it may include
	case $1 in
	core) echo "core" ;;
	msg) echo "core msg uri auth ws" ;;
	transport) echo "core msg uri auth ws transport" ;;
	txn) echo "core msg uri auth ws transport txn stack" ;;
	ua) echo "core msg uri auth ws transport txn stack ua" ;;
	proxy) echo "core msg uri auth ws transport txn stack proxy" ;;
	trace) echo "core msg uri auth ws txn trace" ;;
	*) echo "*" ;;
	esac
}
for f in $(find src -name '*.[ch]' | sort); do
	layer=$(echo "$f" | cut -d/ -f2)
	ok=$(allowed "$layer")
	[ "$ok" = "*" ] && continue
	for h in $(sed -n 's/^#include "sipkit\/\([a-z_]*\)\.h".*/\1/p' "$f"); do
		case " $ok " in
		*" $h "*) ;;
		*) echo "layering: $f ($layer) includes sipkit/$h.h"; fail=1 ;;
		esac
	done
	# no reaching into another layer's private headers
	if grep -nE '^#include "\.\./' "$f"; then
		echo "layering: $f includes a private header of another folder"; fail=1
	fi
done
[ $fail = 0 ] && echo "layering: ok"
exit $fail

# The JSON Lines of `sipkit check --json` as "call_id outcome code:severity ...", one
# line per call with its codes sorted (sort the output for a set): what two runs over
# the same traffic must agree on. awk, not python: a loaded machine takes seconds to
# start an interpreter. Used by tests/trace/hep.sh and tests/interop/hep.sh.
!/^\{"summary"/ {
	id = ""; oc = ""; n = 0
	if (match($0, /"call_id":"[^"]*"/)) id = substr($0, RSTART + 11, RLENGTH - 12)
	if (match($0, /"outcome":"[^"]*"/)) oc = substr($0, RSTART + 11, RLENGTH - 12)
	s = $0
	while (match(s, /"code":"[^"]*","severity":"[^"]*"/)) {
		c = substr(s, RSTART + 8, RLENGTH - 9)
		s = substr(s, RSTART + RLENGTH)
		sub(/","severity":"/, ":", c)
		for (i = n; i > 0 && code[i] > c; i--) code[i + 1] = code[i]
		code[i + 1] = c; n++
	}
	line = id " " oc
	for (i = 1; i <= n; i++) line = line " " code[i]
	print line
}

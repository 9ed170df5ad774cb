# Benchmarks (included by the top-level Makefile).
#   make bench                        build $(BUILD)/bench-parse and run it on bench/corpus,
#                                     then $(BUILD)/bench-txn (transaction layer)
#   make bench BENCH_ARGS='--seconds 0.5 --skip libre'
#   make bench BENCH_TXN_ARGS='--count 100000 --live 100000'
#   make bench-hash                   ns per keyed hash of a branch vs FNV-1a (bench/bench_hash.c)
#   make bench-auth                   us per Digest parse, verification, answer (bench/bench_auth.c)
#   make bench-callgrind              instructions per message (bench/callgrind.sh)
#   make bench-corpus-check           CRLF, Content-Length and addresses of bench/corpus
#                                     (the corpus is written by bench/gen_corpus.py)
#   make bench-proxy-register         REGISTERs/s, location store in memory vs Redis
#   make bench-ws-idle                memory per idle WebSocket (and TCP) connection
#   make bench-syscalls               ns per sendto/recvfrom/sendmmsg/recvmmsg/epoll_wait here,
#                                     and the floor of a cancelled call through the proxy
#   make bench-proxy-auth             CPU per 1000 authenticated REGISTERs and per 1000
#                                     cancelled calls with auth, sipkit vs Kamailio auth_db
#   make bench-proxy-tls              cancelled calls per CPU second over TLS vs UDP,
#                                     handshakes/s, memory per idle TLS connection,
#                                     sipkit vs Kamailio's tls module
#
# Always -O2 without sanitizers, whatever OPT says. sipkit's own files get the
# project's $(WARN); each peer's headers come in with -isystem and the few
# flags they need, local to that peer's harness.

BENCH_OPT    := -O2 -g
BENCH_CFLAGS  = $(WARN) $(WERROR) $(BENCH_OPT) $(CFLAGS)
BENCH_ARGS   ?=
BENCH_DIR    := $(BUILD)/bench

BENCH_OBJ := $(BENCH_DIR)/bench_parse.o $(BENCH_DIR)/parse_sipkit.o \
             $(BENCH_DIR)/parse_osip.o $(BENCH_DIR)/parse_sofia.o $(BENCH_DIR)/parse_re.o

# Peer flags, expanded when used (after `make bench` has run deps-bench).
bench_isystem = $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(1)))
$(BENCH_DIR)/parse_osip.o:  BENCH_PEER = $(call bench_isystem,libosip2)
$(BENCH_DIR)/parse_sofia.o: BENCH_PEER = $(call bench_isystem,sofia-sip-ua)
# libre's headers expect its build's config macros (re_types.h without them
# redefines the C99 integer types).
$(BENCH_DIR)/parse_re.o:    BENCH_PEER = $(call bench_isystem,libre) \
                                         -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6
BENCH_LIBS = $(shell pkg-config --libs libosip2 sofia-sip-ua libre)

$(BENCH_OBJ): $(BENCH_DIR)/%.o: bench/%.c bench/bench_parse.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC bench $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(BENCH_PEER) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench-parse: $(BENCH_OBJ) $(BUILD)/libsipkit.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BENCH_OPT) -o $@ $(BENCH_OBJ) $(BUILD)/libsipkit.a $(BENCH_LIBS)

# The transaction-layer benchmark: sipkit alone, no peer libraries.
BENCH_TXN_ARGS ?=
BENCH_TXN_OBJ  := $(BENCH_DIR)/bench_txn.o

$(BENCH_TXN_OBJ): $(BENCH_DIR)/%.o: bench/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC bench $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench-txn: $(BENCH_TXN_OBJ) $(BUILD)/libsipkit.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BENCH_OPT) -o $@ $(BENCH_TXN_OBJ) $(BUILD)/libsipkit.a

# The peers' packages once, then the build and the runs.
bench:
	+@$(SUBMAKE) deps-bench
	+@$(SUBMAKE) bench-run

# bench/xcheck: messages the parsers must agree on (tel: URIs, which have no host)
# but that are not part of the measured corpus; a disagreement fails here, briefly.
bench-run: $(BUILD)/bench-parse $(BUILD)/bench-txn
	@$(BUILD)/bench-parse bench/xcheck --seconds 0.01 >$(BENCH_DIR)/xcheck.out 2>&1 || \
	  { cat $(BENCH_DIR)/xcheck.out; exit 1; }
	$(BUILD)/bench-parse bench/corpus $(BENCH_ARGS)
	$(BUILD)/bench-txn --corpus bench/corpus $(BENCH_TXN_ARGS)

bench-callgrind:
	+@$(SUBMAKE) deps-bench
	+@$(SUBMAKE) $(BUILD)/bench-parse
	BENCH_PARSE=$(BUILD)/bench-parse sh bench/callgrind.sh

bench-corpus-check:
	python3 bench/gen_corpus.py --check bench/corpus

# The cancelled-call flow through sipkit proxy and through Kamailio, side by
# side (SIPp load, CPU per 1000 calls, bytes per pending forked call); ~9 min.
bench-proxy:
	+@$(SUBMAKE) deps-test
	+@$(SUBMAKE) $(BUILD)/sipkit
	SIPKIT=$(BUILD)/sipkit sh bench/proxy/run.sh

# Both proxies past their zero-failure rate R (2R for 30 s, then R/4 for 30 s):
# calls ok, shed (503) and failed per phase, peak memory (bench/proxy/overload.sh; ~6 min).
bench-proxy-overload:
	+@$(SUBMAKE) deps-test
	+@$(SUBMAKE) $(BUILD)/sipkit
	SIPKIT=$(BUILD)/sipkit sh bench/proxy/overload.sh

# What a stranger can do: the registrar filled (CPU per REGISTER before and
# after), a fork loop (RFC 5393) from two registrations (bench/proxy/attacks.sh; ~1 min).
bench-proxy-attacks:
	+@$(SUBMAKE) deps-test
	+@$(SUBMAKE) $(BUILD)/sipkit
	SIPKIT=$(BUILD)/sipkit sh bench/proxy/attacks.sh

# SIP over TLS: cancelled calls per CPU second over TLS against UDP, handshakes/s and
# memory per idle TLS connection, sipkit vs Kamailio's tls module (bench/proxy/tls.sh; ~90 s).
bench-proxy-tls:
	+@$(SUBMAKE) deps-test
	+@$(SUBMAKE) $(BUILD)/sipkit
	SIPKIT=$(BUILD)/sipkit sh bench/proxy/tls.sh

# The registrar with its store in memory and in Redis: REGISTERs/s and CPU per
# REGISTER of the proxy and of redis-server (bench/proxy/register.sh; ~20 s).
bench-proxy-register:
	+@$(SUBMAKE) deps-test
	+@$(SUBMAKE) $(BUILD)/sipkit
	SIPKIT=$(BUILD)/sipkit sh bench/proxy/register.sh

# `sipkit check` on a generated capture of >= 1 GB (and one 4x smaller): messages/s,
# MB/s, peak RSS (bench/trace/run.sh; about 1 min, 3 GB free in TMPDIR, ~9 GB of RAM).
BENCH_GEN_OBJ := $(BENCH_DIR)/trace/gen.o

$(BENCH_GEN_OBJ): $(BENCH_DIR)/%.o: bench/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC bench $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench-gen-capture: $(BENCH_GEN_OBJ) $(BUILD)/libsipkit.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BENCH_OPT) -o $@ $(BENCH_GEN_OBJ) $(BUILD)/libsipkit.a $(LIBS) -lm

# bench-wrap-gre (bench/trace/wrap_gre.c) wraps GRE_SHARE % (20) of a capture's frames in GRE:
# the same figures on it, beside the plain capture's.
$(BUILD)/bench-wrap-gre: bench/trace/wrap_gre.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC bench $<")
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<


# hep-send (bench/check/hep_send.c): a capture's messages as HEP datagrams to a
# collector on loopback, at a fixed rate (tests/trace/run.sh, bench/check/hep.sh).
HEP_SEND_OBJ := $(BENCH_DIR)/check/hep_send.o

$(HEP_SEND_OBJ): $(BENCH_DIR)/%.o: bench/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC bench $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hep-send: $(HEP_SEND_OBJ) $(BUILD)/libsipkit.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BENCH_OPT) -o $@ $(HEP_SEND_OBJ) $(BUILD)/libsipkit.a $(LIBS)

# then `sipkit check --hep` fed at fixed rates by hep-send (bench/check/hep.sh, ~1 min)
bench-check: $(BUILD)/sipkit $(BUILD)/bench-gen-capture $(BUILD)/bench-wrap-gre $(BUILD)/hep-send
	SIPKIT=$(BUILD)/sipkit GEN=$(BUILD)/bench-gen-capture WRAP=$(BUILD)/bench-wrap-gre \
	  sh bench/trace/run.sh
	SIPKIT=$(BUILD)/sipkit GEN=$(BUILD)/bench-gen-capture HEP_SEND=$(BUILD)/hep-send \
	  sh bench/check/hep.sh

# Digest authentication on both proxies, the same 1000 users: CPU per 1000
# authenticated REGISTERs (401, then 200) and per 1000 cancelled calls challenged
# with 407, sipkit --users against Kamailio auth_db over db_text (bench/proxy/auth.sh; ~80 s).
bench-proxy-auth:
	+@$(SUBMAKE) deps-test
	+@$(SUBMAKE) $(BUILD)/sipkit
	SIPKIT=$(BUILD)/sipkit sh bench/proxy/auth.sh

.PHONY: bench-run bench-callgrind bench-corpus-check bench-proxy bench-proxy-overload bench-proxy-attacks bench-proxy-register bench-proxy-auth bench-proxy-tls bench-check bench-check-hep

# the --hep part alone
bench-check-hep: $(BUILD)/sipkit $(BUILD)/bench-gen-capture $(BUILD)/hep-send
	SIPKIT=$(BUILD)/sipkit GEN=$(BUILD)/bench-gen-capture HEP_SEND=$(BUILD)/hep-send \
	  sh bench/check/hep.sh

# Keyed hashing and the table (bench/bench_hash.c): ns per hash of a 40-byte
# branch, FNV-1a against SipHash; ns per insert and find.
BENCH_HASH_OBJ := $(BENCH_DIR)/bench_hash.o

$(BENCH_HASH_OBJ): $(BENCH_DIR)/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC bench $<")
	$(Q)$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench-hash: $(BENCH_HASH_OBJ) $(BUILD)/libsipkit.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BENCH_OPT) -o $@ $(BENCH_HASH_OBJ) $(BUILD)/libsipkit.a

bench-hash: $(BUILD)/bench-hash
	$(BUILD)/bench-hash

.PHONY: bench-hash

# Digest authentication (bench/bench_auth.c): us per credentials parse, per server-side
# verification (MD5, SHA-256), per client answer and per choice among challenges.
BENCH_AUTH_OBJ := $(BENCH_DIR)/bench_auth.o

$(BENCH_AUTH_OBJ): $(BENCH_DIR)/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC bench $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench-auth: $(BENCH_AUTH_OBJ) $(BUILD)/libsipkit.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BENCH_OPT) -o $@ $(BENCH_AUTH_OBJ) $(BUILD)/libsipkit.a -lcrypto

bench-auth: $(BUILD)/bench-auth
	$(BUILD)/bench-auth

.PHONY: bench-auth

# Memory per idle WebSocket connection of sipkit proxy -l ws: (bench/ws_idle.py): RSS and
# private dirty memory before and after WS_IDLE_N upgraded connections (one OPTIONS each),
# and the same for plain TCP connections; the build without sanitizers, on loopback.
WS_IDLE_N ?= 2000
bench-ws-idle: $(BUILD)/sipkit
	python3 bench/ws_idle.py $(BUILD)/sipkit $(WS_IDLE_N)

.PHONY: bench-ws-idle

# What the kernel charges here per datagram (issue 16): CPU ns per sendto,
# recvfrom, sendmmsg, recvmmsg (batches of 2 and 32) and epoll_wait on loopback,
# and the floor of a cancelled call through the proxy (its datagrams times their
# cost) to set against bench-proxy's CPU per call (bench/bench_syscalls.c; ~5 s).
BENCH_SYSCALLS_ARGS ?=
BENCH_SYSCALLS_OBJ := $(BENCH_DIR)/bench_syscalls.o

$(BENCH_SYSCALLS_OBJ): $(BENCH_DIR)/%.o: bench/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC bench $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench-syscalls: $(BENCH_SYSCALLS_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BENCH_OPT) -o $@ $(BENCH_SYSCALLS_OBJ)

bench-syscalls: $(BUILD)/bench-syscalls
	$(BUILD)/bench-syscalls $(BENCH_SYSCALLS_ARGS)

.PHONY: bench-syscalls

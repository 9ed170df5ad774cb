# sipkit — one GNU Makefile.
#   make            build/libsipkit.a and build/sipkit
#   make check      the fast tests, about a minute: formatting, layering, symbol names,
#                   unit tests (cmocka, ASan+UBSan), command-line golden tests, trace checker
#   make test       everything: `make check`, the HTML report in Chromium, the SIPp and
#                   Kamailio interop tests, the fuzz targets replayed (ASan+UBSan)
#   make interop    the interoperability tests alone (SIPp, Kamailio, sipsak, SIPVicious)
#   make tsan       the proxy's workers (threads) under ThreadSanitizer
#   make demo       build and run `sipkit demo`
#   make fuzz       libFuzzer targets, each for FUZZ_SECONDS
#   make bench      benchmarks (parser vs oSIP2, Sofia-SIP, libre; transactions)
#   make deps, deps-test, deps-bench, deps-fuzz
#                   install the Debian packages each needs (as root), or print the apt-get line
#
# Another compiler in its own build directory: make CC=clang BUILD=build-clang check.
# `make test`, `make check` and CI compile with -Werror (WERROR=-Werror); a plain `make`
# does not, so a newer compiler's new warnings do not stop a user's build.
# CFLAGS and CPPFLAGS given on the command line add to the project's flags.

CC      ?= cc
BUILD   ?= build
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wcast-align -Wpointer-arith
# -Werror for `make check` and `make test`, and for any goal given with them (they pass
# it to their sub-makes; the same flags everywhere keep one set of objects).
TEST_GOALS := $(filter check test,$(MAKECMDGOALS))
WERROR  ?= $(if $(TEST_GOALS),-Werror)
OPT     ?= -O2 -g
SK_CPPFLAGS = -Iinclude -D_GNU_SOURCE $(CPPFLAGS)
SK_CFLAGS   = $(WARN) $(WERROR) $(OPT) $(CFLAGS)
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Debian packages; the targets that need them install them once, at their start.
DEPS_BUILD := build-essential libpcap-dev libssl-dev libhiredis-dev libc-ares-dev
DEPS_UNIT  := libcmocka-dev pkg-config
DEPS_TEST  := $(DEPS_UNIT) sip-tester kamailio dnsmasq-base chromium chromium-driver \
              python3-selenium sipsak sipvicious redis-server baresip kamailio-tls-modules \
              kamailio-websocket-modules
DEPS_BENCH := libosip2-dev libsofia-sip-ua-dev libre-dev
DEPS_FUZZ  := clang libclang-rt-14-dev

LIB_SRC := $(wildcard src/core/*.c src/msg/*.c src/transport/*.c src/txn/*.c src/ua/*.c src/proxy/*.c \
             src/trace/*.c)
# libpcap reads captures (src/trace); libcrypto hashes Digest authentication (src/msg/auth.c);
# libssl carries SIP over TLS (src/transport/tls.c, memory BIOs);
# hiredis speaks to the Redis location store (src/proxy); c-ares resolves names
# (src/transport, RFC 3263)
LIBS    := -lpcap -lssl -lcrypto -lhiredis -lcares
CLI_SRC := $(wildcard src/cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB_ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
CLI_ASAN_OBJ := $(CLI_SRC:%.c=$(BUILD)/asan/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/asan/tests/%)

FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_REPLAY_BIN := $(FUZZ_TARGETS:%=$(BUILD)/asan/fuzz/%)

# What `make check` and `make test` run, in this order, once everything is built.
CHECK_RUNS := format-check layering symbols unit cli-test trace-test corpus-test
TEST_RUNS  := $(CHECK_RUNS) html-test webphone-test interop fuzz-replay
CHECK_BINS := $(UNIT_BIN) $(BUILD)/asan/sipkit $(BUILD)/asan/hep-send
TEST_BINS  := $(CHECK_BINS) $(FUZZ_REPLAY_BIN)

.PHONY: all check test test-bins check-bins format-check layering symbols unit cli-test \
        html-test webphone webphone-test trace-test corpus-test interop fuzz-replay demo fuzz bench deps \
        deps-unit deps-test tsan \
        deps-bench deps-fuzz clean format FORCE

all: $(BUILD)/libsipkit.a $(BUILD)/sipkit

# V=1 shows the full command lines
Q := $(if $(V),,@)
SUBMAKE = $(MAKE) --no-print-directory

# Objects are rebuilt when the compiler or its flags change (CC, WERROR, OPT, CFLAGS):
# the stamp's date moves only when its text does.
FLAGS_STAMP := $(BUILD)/.flags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(SK_CPPFLAGS) $(SK_CFLAGS) $(SAN)' >$@.new; \
	  if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
FORCE:

# Without the headers of libpcap, libcrypto, hiredis or c-ares (cmocka's), `make deps`
# (`make deps-unit`) runs before the first compile; with them, no package is checked.
NEED_BUILD_DEPS := $(if $(and $(wildcard /usr/include/pcap/pcap.h),\
                     $(wildcard /usr/include/openssl/evp.h),\
                     $(wildcard /usr/include/hiredis/hiredis.h),\
                     $(wildcard /usr/include/ares.h)),,deps)
NEED_UNIT_DEPS  := $(if $(wildcard /usr/include/cmocka.h),,deps-unit)

$(BUILD)/%.o: %.c $(FLAGS_STAMP) | $(NEED_BUILD_DEPS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(SK_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c $(FLAGS_STAMP) | $(NEED_BUILD_DEPS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(SK_CFLAGS) $(SAN) -MMD -MP -c $< -o $@

$(BUILD)/libsipkit.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/asan/libsipkit.a: $(LIB_ASAN_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/sipkit: $(CLI_OBJ) $(BUILD)/libsipkit.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(SK_CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libsipkit.a $(LIBS)

$(BUILD)/asan/sipkit: $(CLI_ASAN_OBJ) $(BUILD)/asan/libsipkit.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(SK_CFLAGS) $(SAN) -o $@ $(CLI_ASAN_OBJ) $(BUILD)/asan/libsipkit.a $(LIBS)

# ---- dependencies: install missing Debian packages (root), or say how -----
# Each target is one install step (one apt-get update, one apt-get install) for all
# the packages its caller needs, so `make test` never runs two at once;
# tools/deps.sh serializes any that still meet (two makes, or make -j2 deps deps-test).
deps:
	@sh tools/deps.sh $(DEPS_BUILD)
deps-unit:
	@sh tools/deps.sh $(DEPS_BUILD) $(DEPS_UNIT)
deps-test:
	@sh tools/deps.sh $(DEPS_BUILD) $(DEPS_TEST)
deps-bench:
	@sh tools/deps.sh $(DEPS_BUILD) $(DEPS_BENCH)
deps-fuzz:
	@sh tools/deps.sh $(DEPS_BUILD) $(DEPS_FUZZ)

# ---- tests --------------------------------------------------------------
# `make check` and `make test`: packages once, then everything built (in parallel under
# -j), then the runs one after the other (their output stays readable and the timing
# tests are not starved); every run is tried and the failed ones are named at the end.
define run_all
	+@fail=""; for t in $(1); do \
	  $(SUBMAKE) WERROR=-Werror $$t || fail="$$fail $$t"; \
	done; \
	if [ -n "$$fail" ]; then echo "FAILED:$$fail"; exit 1; fi; echo "all passed: $(1)"
endef

check:
	+@$(SUBMAKE) deps-unit
	+@$(SUBMAKE) WERROR=-Werror check-bins
	$(call run_all,$(CHECK_RUNS))

test:
	+@$(SUBMAKE) deps-test
	+@$(SUBMAKE) WERROR=-Werror test-bins
	$(call run_all,$(TEST_RUNS))

# Other goals beside check or test (make check fuzz-replay) wait for them instead of
# building the same objects at the same time; their sub-makes still run in parallel.
ifneq ($(TEST_GOALS),)
.NOTPARALLEL:
endif

check-bins: $(CHECK_BINS)
test-bins: $(TEST_BINS)

TEST_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# The test harnesses (tests/harness/*.c), compiled once into a library every unit test links.
HARNESS_OBJ := $(patsubst %.c,$(BUILD)/asan/%.o,$(wildcard tests/harness/*.c))
TEST_INC    := -Itests/harness -Itests/unit

$(HARNESS_OBJ): $(BUILD)/asan/tests/harness/%.o: tests/harness/%.c $(FLAGS_STAMP) | $(NEED_UNIT_DEPS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(TEST_INC) $(SK_CFLAGS) $(SAN) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/tests/libharness.a: $(HARNESS_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/asan/tests/%: tests/unit/%.c $(wildcard tests/harness/*.h) \
                       $(BUILD)/asan/tests/libharness.a $(BUILD)/asan/libsipkit.a \
                       $(FLAGS_STAMP) | $(NEED_UNIT_DEPS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(TEST_INC) $(SK_CFLAGS) $(SAN) $(TEST_CFLAGS) -o $@ $< \
	  $(TEST_OBJ) $(BUILD)/asan/tests/libharness.a $(BUILD)/asan/libsipkit.a $(TEST_LIBS) $(LIBS) \
	  $(TEST_LDFLAGS)

# The proxy's event log (src/cli/eventlog.c), tested alone (tests/unit/test_eventlog.c).
$(BUILD)/asan/tests/test_eventlog: $(BUILD)/asan/src/cli/eventlog.o
$(BUILD)/asan/tests/test_eventlog: TEST_OBJ = $(BUILD)/asan/src/cli/eventlog.o
$(BUILD)/asan/tests/test_eventlog: TEST_INC += -Isrc/cli

# Every allocation of the library can be made to fail (tests/unit/test_txn_alloc.c).
$(BUILD)/asan/tests/test_txn_alloc: TEST_LDFLAGS = \
  -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
# The heap a pending call leaves behind, counted (tests/unit/test_proxy_mem.c).
$(BUILD)/asan/tests/test_proxy_mem: TEST_LDFLAGS = \
  -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup,--wrap=strndup
# Allocations and array growth counted (tests/unit/test_msg_pool.c).
$(BUILD)/asan/tests/test_msg_pool: TEST_LDFLAGS = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
# The hash table's bucket arrays can be made to fail (tests/unit/test_hash.c).
$(BUILD)/asan/tests/test_hash: TEST_LDFLAGS = -Wl,--wrap=calloc

layering:
	@sh tests/layering.sh

# External symbols of the library without the sk_ prefix: a failure (SYMBOLS_STRICT=0 only lists them).
SYMBOLS_STRICT ?= 1
symbols: $(BUILD)/asan/libsipkit.a
	@SYMBOLS_STRICT=$(SYMBOLS_STRICT) sh tests/symbols.sh $<

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
	  SK_DATA=tests/data ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t || fail=1; \
	done; exit $$fail

cli-test: $(BUILD)/asan/sipkit
	@SIPKIT=$(BUILD)/asan/sipkit sh tests/cli/run.sh

# sipkit check --html opened in headless Chromium (chromium-driver, python3-selenium):
# a click on a CANCEL shows its text with the offending Via marked
html-test: $(BUILD)/asan/sipkit
	@SIPKIT=$(BUILD)/asan/sipkit sh tests/html/run.sh

# The browser phone (examples/webphone): JsSIP and esbuild pinned in its
# package-lock.json, installed by npm ci (no install scripts: esbuild's binary is a
# package of its own) and bundled into dist/phone.js; nothing from a CDN.
WEBPHONE := examples/webphone
webphone: $(WEBPHONE)/dist/phone.js
$(WEBPHONE)/node_modules/.package-lock.json: $(WEBPHONE)/package-lock.json $(WEBPHONE)/package.json
	cd $(WEBPHONE) && npm ci --ignore-scripts --no-audit --no-fund
$(WEBPHONE)/dist/phone.js: $(WEBPHONE)/src/phone.js $(WEBPHONE)/node_modules/.package-lock.json
	cd $(WEBPHONE) && npm run --silent build

# The page in headless Chromium against sipkit proxy -l ws: (flows in
# tests/interop/webphone.sh), the proxy's capture checked by sipkit check
webphone-test: $(BUILD)/asan/sipkit webphone
	@$(INTEROP_ENV) sh tests/interop/webphone.sh

# sipkit check on a trace per diagnostic code (tests/data/trace/MANIFEST.tsv),
# on the demo's own capture, on broken input, on a call in each encapsulation with what
# it skips counted (tests/trace/encap.sh, captures by tests/trace/mkencap.py), and the
# same traces as HEP, received live (--hep) and inside a capture (hep-send,
# bench/check/hep_send.c)
trace-test: $(BUILD)/asan/sipkit $(BUILD)/asan/hep-send
	@SIPKIT=$(BUILD)/asan/sipkit sh tests/trace/run.sh
	@SIPKIT=$(BUILD)/asan/sipkit sh tests/trace/encap.sh
	@SIPKIT=$(BUILD)/asan/sipkit HEP_SEND=$(BUILD)/asan/hep-send sh tests/trace/hep.sh

$(BUILD)/asan/hep-send: bench/check/hep_send.c $(BUILD)/asan/libsipkit.a $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(SK_CFLAGS) $(SAN) -o $@ $< $(BUILD)/asan/libsipkit.a $(LIBS)

# sipkit check on public captures from other projects, against the verdicts written for them
corpus-test: $(BUILD)/asan/sipkit
	@SIPKIT=$(BUILD)/asan/sipkit python3 tests/corpus/run.py

# sipkit uas / sipkit call against SIPp (sip-tester), and the proxy between
# SIPp phones and in chains with Kamailio, its policy against sipsak and SIPVicious,
# Digest authentication against SIPp and Kamailio's auth module (auth.sh), on a
# Redis location store (redis-server of its own), RFC 3263 names served by a
# dnsmasq of the test's own (dnsmasq-base), SIP over WebSocket (ws.sh, a phone in
# Python's standard library; kamailio_ws.sh, chained with Kamailio's websocket module
# both ways), SIP over TLS against openssl s_client, Kamailio's tls
# module and baresip (tls.sh), and `sipkit check --hep` fed by Kamailio's siptrace
# against `sipkit check --live lo` (hep.sh), on loopback, under the sanitizers:
# any report aborts the process and fails its case. `make deps-test` installs them.
INTEROP_ENV = SIPKIT=$(BUILD)/asan/sipkit \
  ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
  UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
interop: $(BUILD)/asan/sipkit
	@$(INTEROP_ENV) sh tests/interop/sipp.sh
	@$(INTEROP_ENV) sh tests/interop/proxy.sh
	@$(INTEROP_ENV) sh tests/interop/proxy_policy.sh
	@$(INTEROP_ENV) sh tests/interop/auth.sh
	@$(INTEROP_ENV) sh tests/interop/redis.sh
	@$(INTEROP_ENV) sh tests/interop/dns.sh
	@$(INTEROP_ENV) sh tests/interop/ws.sh
	@$(INTEROP_ENV) sh tests/interop/kamailio_ws.sh
	@$(INTEROP_ENV) sh tests/interop/tls.sh
	@$(INTEROP_ENV) sh tests/interop/hep.sh
	@$(INTEROP_ENV) sh tests/interop/workers.sh

# The workers (threads) under ThreadSanitizer: their unit test and tests/interop/workers.sh
# with a TSan build of sipkit in build-tsan (any report stops the process: its case fails).
TSAN := -fsanitize=thread -fno-omit-frame-pointer
tsan:
	+@$(SUBMAKE) deps-test
	+@$(SUBMAKE) BUILD=build-tsan SAN="$(TSAN)" build-tsan/asan/sipkit build-tsan/asan/tests/test_workers
	TSAN_OPTIONS=halt_on_error=1:abort_on_error=1 SK_DATA=tests/data build-tsan/asan/tests/test_workers
	TSAN_OPTIONS=halt_on_error=1:abort_on_error=1 SIPKIT=build-tsan/asan/sipkit sh tests/interop/workers.sh

demo:
	+@$(SUBMAKE) deps
	+@$(SUBMAKE) $(BUILD)/sipkit
	$(BUILD)/sipkit demo

# ---- fuzzing (bounded) --------------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -std=c11 -g -O1 -Iinclude -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined

$(BUILD)/fuzz/%: fuzz/%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(LIBS)

# The fuzz targets replayed without libFuzzer, under ASan+UBSan: every regression
# input, the seed corpus and the torture messages (part of `make test`).
$(BUILD)/asan/fuzz/%: fuzz/%.c fuzz/standalone.c $(BUILD)/asan/libsipkit.a $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $<")
	$(Q)$(CC) $(SK_CPPFLAGS) $(SK_CFLAGS) -Wno-missing-prototypes $(SAN) -o $@ $< \
	  fuzz/standalone.c $(BUILD)/asan/libsipkit.a $(LIBS)

fuzz-replay: $(FUZZ_REPLAY_BIN)
	@for t in $(FUZZ_TARGETS); do \
	  $(BUILD)/asan/fuzz/$$t fuzz/regressions fuzz/corpus tests/data/torture/valid \
	    tests/data/torture/invalid tests/data/torture/semantic tests/data/torture/ipv6 \
	    tests/data/torture/ipv6/wire || exit 1; \
	done

fuzz:
	+@$(SUBMAKE) deps-fuzz
	+@$(SUBMAKE) fuzz-run

.PHONY: fuzz-run
fuzz-run: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$t; \
	  echo "== $$t ($(FUZZ_SECONDS)s)"; \
	  $(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -dict=fuzz/sip.dict $(BUILD)/fuzz/corpus-$$t fuzz/corpus tests/data/torture 2>&1 \
	    | grep -E '^(#[0-9]+.*DONE|Done|==[0-9]+==ERROR|SUMMARY)' || true; \
	done

# ---- benchmarks ---------------------------------------------------------
-include bench/bench.mk

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	clang-format -i $(FORMAT_FILES)

# The checked-in .clang-format, enforced; skipped (with a note) without clang-format.
format-check:
	@if command -v clang-format >/dev/null 2>&1; then \
	  clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format: ok"; \
	else echo "format: clang-format not installed, not checked"; fi

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

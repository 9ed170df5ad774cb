# sipkit — one GNU Makefile.
#   make            build/libsipkit.a and build/sipkit
#   make test       unit tests (cmocka, ASan+UBSan), CLI golden tests, SIPp interop tests
#   make interop    the interoperability tests alone (SIPp, Kamailio)
#   make demo       build and run `sipkit demo`
#   make fuzz       libFuzzer targets, each for FUZZ_SECONDS
#   make bench      benchmarks (parser vs oSIP2, Sofia-SIP, libre; transactions)

CC      ?= cc
BUILD   ?= build
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wcast-align -Wpointer-arith
CPPFLAGS += -Iinclude -D_GNU_SOURCE
OPT     ?= -O2 -g
CFLAGS  += $(WARN) $(OPT)
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Debian packages the build and tests need; `make deps` installs the missing ones.
DEPS_BUILD := build-essential libpcap-dev
DEPS_TEST  := libcmocka-dev pkg-config sip-tester kamailio chromium chromium-driver python3-selenium
DEPS_BENCH := libosip2-dev libsofia-sip-ua-dev libre-dev
DEPS_FUZZ  := clang libclang-rt-14-dev

LIB_SRC := $(wildcard src/core/*.c src/msg/*.c src/transport/*.c src/txn/*.c src/ua/*.c src/proxy/*.c \
             src/trace/*.c)
# libpcap reads captures (src/trace)
LIBS    := -lpcap
CLI_SRC := $(wildcard src/cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB_ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
CLI_ASAN_OBJ := $(CLI_SRC:%.c=$(BUILD)/asan/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/asan/tests/%)

.PHONY: all test format-check layering unit cli-test trace-test interop fuzz-replay demo fuzz bench deps deps-test deps-bench deps-fuzz clean format

all: $(BUILD)/libsipkit.a $(BUILD)/sipkit

# V=1 shows the full command lines
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -MMD -MP -c $< -o $@

# The build needs Debian packages (libpcap-dev): installed before the first compile.
$(LIB_OBJ) $(CLI_OBJ) $(LIB_ASAN_OBJ) $(CLI_ASAN_OBJ): | deps

$(BUILD)/libsipkit.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/asan/libsipkit.a: $(LIB_ASAN_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/sipkit: $(CLI_OBJ) $(BUILD)/libsipkit.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libsipkit.a $(LIBS)

$(BUILD)/asan/sipkit: $(CLI_ASAN_OBJ) $(BUILD)/asan/libsipkit.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $(CLI_ASAN_OBJ) $(BUILD)/asan/libsipkit.a $(LIBS)

# ---- dependencies: install missing Debian packages (root), or say how -----
define need_pkgs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call need_pkgs,$(DEPS_BUILD))
deps-test:
	$(call need_pkgs,$(DEPS_TEST))
deps-bench:
	$(call need_pkgs,$(DEPS_BENCH))
deps-fuzz:
	$(call need_pkgs,$(DEPS_FUZZ))

# ---- tests --------------------------------------------------------------
TEST_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# The test harnesses (tests/harness/*.c), compiled once into a library every unit test links.
HARNESS_OBJ := $(patsubst %.c,$(BUILD)/asan/%.o,$(wildcard tests/harness/*.c))
TEST_INC    := -Itests/harness -Itests/unit

$(HARNESS_OBJ): $(BUILD)/asan/tests/harness/%.o: tests/harness/%.c | deps-test
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(CPPFLAGS) $(TEST_INC) $(CFLAGS) $(SAN) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/tests/libharness.a: $(HARNESS_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/asan/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h tests/harness/*.h) \
  $(BUILD)/asan/tests/libharness.a $(BUILD)/asan/libsipkit.a | deps-test
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $<")
	$(Q)$(CC) $(CPPFLAGS) $(TEST_INC) $(CFLAGS) $(SAN) $(TEST_CFLAGS) -o $@ $< \
	  $(BUILD)/asan/tests/libharness.a $(BUILD)/asan/libsipkit.a $(TEST_LIBS) $(LIBS) $(TEST_LDFLAGS)

# Every allocation of the library can be made to fail (tests/unit/test_txn_alloc.c).
$(BUILD)/asan/tests/test_txn_alloc: TEST_LDFLAGS = \
  -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
# The hash table's bucket arrays can be made to fail (tests/unit/test_hash.c).
$(BUILD)/asan/tests/test_hash: TEST_LDFLAGS = -Wl,--wrap=calloc

test: deps-test format-check layering unit cli-test html-test trace-test interop fuzz-replay

layering:
	@sh tests/layering.sh

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
	  SK_DATA=tests/data ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t || fail=1; \
	done; exit $$fail

cli-test: $(BUILD)/asan/sipkit
	@SIPKIT=$(BUILD)/asan/sipkit sh tests/cli/run.sh

# sipkit check --html opened in headless Chromium (chromium-driver, python3-selenium):
# a click on a CANCEL shows its text with the offending Via marked
.PHONY: html-test
html-test: $(BUILD)/asan/sipkit
	@SIPKIT=$(BUILD)/asan/sipkit sh tests/html/run.sh

# sipkit check on a trace per diagnostic code (tests/data/trace/MANIFEST.tsv),
# on the demo's own capture, and on broken input
trace-test: $(BUILD)/asan/sipkit
	@SIPKIT=$(BUILD)/asan/sipkit sh tests/trace/run.sh

# sipkit uas / sipkit call against SIPp (sip-tester), and the proxy between
# SIPp phones and in chains with Kamailio, on loopback, under the sanitizers:
# any report aborts the process and fails its case.
INTEROP_ENV = SIPKIT=$(BUILD)/asan/sipkit \
  ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
  UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
interop: $(BUILD)/asan/sipkit | deps-test
	@$(INTEROP_ENV) sh tests/interop/sipp.sh
	@$(INTEROP_ENV) sh tests/interop/proxy.sh

demo: $(BUILD)/sipkit
	$(BUILD)/sipkit demo

# ---- fuzzing (bounded) --------------------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_FLAGS := -std=c11 -g -O1 -Iinclude -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined

$(BUILD)/fuzz/%: fuzz/%.c $(LIB_SRC) | deps-fuzz
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(LIBS)

# The fuzz targets replayed without libFuzzer, under ASan+UBSan: every regression
# input, the seed corpus and the torture messages (part of `make test`).
$(BUILD)/asan/fuzz/%: fuzz/%.c fuzz/standalone.c $(BUILD)/asan/libsipkit.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes $(SAN) -o $@ $< fuzz/standalone.c \
	  $(BUILD)/asan/libsipkit.a $(LIBS)

fuzz-replay: $(FUZZ_TARGETS:%=$(BUILD)/asan/fuzz/%)
	@for t in $(FUZZ_TARGETS); do \
	  $(BUILD)/asan/fuzz/$$t fuzz/regressions fuzz/corpus tests/data/torture/valid \
	    tests/data/torture/invalid tests/data/torture/semantic tests/data/torture/ipv6 \
	    tests/data/torture/ipv6/wire || exit 1; \
	done

fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
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

# kafka-chat: producer_chat and consumer_chat, C ports of a Python chat,
# and kafka-chat, the chat in one window.
#
#   make              build the three programs (WERROR=1: with -Werror)
#   make demo         set up, start a local Kafka, run a short chat
#   make test         set up, build, run unit and end-to-end tests
#   make test-asan    the same under AddressSanitizer and UBSan
#   make test-cross   a cross-section of the tests (KAFKA_VERSION=, LIBRDKAFKA=)
#   make soak         random faults while lines stream: nothing lost or doubled
#                     (SOAK_MINUTES, SOAK_SEED to replay, SOAK_MODE=single)
#   make check-fresh  the README's two commands on a fresh Debian 12 root (FRESH_SUITE=trixie: 13)
#   make broker / broker-stop / broker-clean    a local Kafka (KRaft)
#   make cluster / cluster-stop / cluster-clean three local Kafka nodes
#   make bench        benchmarks against kcat and the seed scripts
#   make bench-crowd  a room of 50, 100 and 200 chats against as many idle consumers
#   make deb / check-deb   the Debian package, and a test of it installed
#   make install / uninstall   PREFIX (/usr/local), DESTDIR
#   make LIBRDKAFKA=current ...   against the current librdkafka (trixie: Debian 13's)
#
# Set-up (Debian packages, a Python venv, Kafka jars) is done by
# scripts/setup.sh and scripts/kafka.sh, both idempotent.

PROGRAMS := producer_chat consumer_chat kafka-chat
PKGS     := rdkafka jansson libsodium

# Set-up: what installs the Debian packages, the venv and the Kafka jars.
# A package build (debian/rules) has its build dependencies already and
# sets SETUP=: to skip it.
SETUP    ?= scripts/setup.sh

# Which librdkafka to build against: the system's (librdkafka-dev, what
# `apt install` users have), current upstream (Debian unstable's), or
# Debian 13's (trixie, 2.8.0), the last two built once from that suite's
# source package by scripts/librdkafka.sh into a cache and linked with an
# rpath. Each gets its own output folder, build-current/ or build-trixie/.
LIBRDKAFKA ?= system
LIBRDKAFKA_SUITE_current := unstable
LIBRDKAFKA_SUITE_trixie  := trixie
ifneq ($(LIBRDKAFKA),system)
ifeq ($(LIBRDKAFKA_SUITE_$(LIBRDKAFKA)),)
$(error LIBRDKAFKA is system, current or trixie, not '$(LIBRDKAFKA)')
endif
OUT      ?= build-$(LIBRDKAFKA)/
PKGS     := jansson libsodium
RDKAFKA_SH = LIBRDKAFKA_SUITE=$(LIBRDKAFKA_SUITE_$(LIBRDKAFKA)) scripts/librdkafka.sh
RDKAFKA_CFLAGS = $(shell $(RDKAFKA_SH) cflags)
RDKAFKA_LIBS   = $(shell $(RDKAFKA_SH) libs)
endif

# The programs go to $(OUT)$(name), the objects under $(OUT)obj/. The
# sanitizer build sets OUT=build-asan/ so the builds live side by side.
OUT      ?=
OBJ      := $(OUT)obj

CC       ?= cc
CFLAGS   ?= -O2 -g
# -Werror is for us (make test, CI, the sanitizer build: WERROR=1), not
# for a user whose newer compiler has a warning we have not seen yet.
WERROR   ?=
# Always added, also to a CFLAGS given on the command line or by dpkg.
override CFLAGS += -std=c11 -Wall -Wextra $(if $(filter-out 0,$(WERROR)),-Werror) \
                   -D_GNU_SOURCE -MMD -MP

# The libraries' flags are read from pkg-config when a recipe first needs
# them, not when make reads this file: on a fresh machine set-up installs
# pkg-config and the libraries only after that. Their headers are system
# headers (-isystem): a warning in them is not ours to fix.
pkg = $(patsubst -I%,-isystem %,$(shell pkg-config $1 $(PKGS)))
pkg_check = $(if $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo ok),,\
        $(error pkg-config does not find $(PKGS): run 'make setup' (or scripts/setup.sh build) first))
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(pkg_check)$$(RDKAFKA_CFLAGS) $$(call pkg,--cflags))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(pkg_check)$$(RDKAFKA_LIBS) $$(call pkg,--libs))$(PKG_LIBS)
# terminfo (ncurses' libtinfo, which readline uses too): whether TERM has
# colours, common/color.c.
LDLIBS   += $(PKG_LIBS) -ltinfo -lm

SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(OBJ)/%.o)
# kafka-chat's own parts (chat/), on top of common/.
CHAT_SRC   := $(wildcard chat/*.c)
CHAT_OBJ   := $(CHAT_SRC:%.c=$(OBJ)/%.o)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(OUT)tests/%)
# What the unit tests share: reading vectors, a mock cluster.
UNIT_HELPERS := $(OBJ)/tests/unit/vectors.o $(OBJ)/tests/unit/mock.o

SHELL    := /bin/bash
PYTHON   := .venv/bin/python
PYTEST   := $(PYTHON) -m pytest

.PHONY: all setup test test-unit test-e2e test-cross test-asan soak unit-bins demo bench bench-crowd \
        broker broker-stop broker-clean broker-secure broker-secure-stop \
        cluster cluster-stop cluster-clean check-fresh check-deb-installed \
        vectors fuzz clean install install-files uninstall check-man deb deb-package check-deb FORCE

all: $(PROGRAMS:%=$(OUT)%)

# Everything is rebuilt when the compiler, its flags or the libraries
# change (WERROR=1 after a plain make, dpkg's flags, LIBRDKAFKA): the
# objects depend on this file, rewritten only when its text changes.
$(OBJ)/build-flags: FORCE
	@mkdir -p $(@D)
	@flags='$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) | $(LDFLAGS) $(LDLIBS)'; \
	[ "$$flags" = "$$(cat $@ 2>/dev/null)" ] || echo "$$flags" >$@

$(PROGRAMS:%=$(OUT)%): $(OUT)%: $(OBJ)/%.o $(COMMON_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(if $(filter kafka-chat,$*),-lreadline)

$(OUT)kafka-chat: $(CHAT_OBJ)

$(OBJ)/%.o: %.c $(OBJ)/build-flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(UNIT_BIN): $(OUT)tests/%: $(OBJ)/tests/unit/%.o $(UNIT_HELPERS) $(COMMON_OBJ) $(CHAT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lreadline -lcmocka

unit-bins: $(UNIT_BIN)

# A helper of the end-to-end tests: a program's own peak RSS.
$(OUT)tests/peakrss: tests/tools/peakrss.c $(OBJ)/build-flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# ---- set-up ---------------------------------------------------------------
# Each command that needs set-up runs it first and then builds in a make
# of its own, so nothing is built before the libraries are there (make -j
# included).

setup:
	$(SETUP) test

# ---- tests ----------------------------------------------------------------

test:
	$(SETUP) test
	$(MAKE) WERROR=1 all unit-bins
	$(MAKE) WERROR=1 test-unit
	$(MAKE) WERROR=1 fuzz FUZZ_SECONDS=10
	$(MAKE) WERROR=1 test-e2e

# What str(datetime.fromtimestamp()) prints in a named zone depends on the
# machine's zone database (tzdata), which Debian releases update, so these
# answers are not committed: this machine's CPython writes them before each
# run (tests/vectors/generate.py --zones), and the unit tests compare with
# them. Any CPython 3 does (the package build has no venv).
LOCAL_VECTORS  := $(OUT)tests/local-vectors
VECTORS_PYTHON ?= python3
test-unit: unit-bins
	@mkdir -p $(LOCAL_VECTORS)
	$(VECTORS_PYTHON) tests/vectors/generate.py --zones $(LOCAL_VECTORS)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; \
		KAFKA_CHAT_LOCAL_VECTORS=$(LOCAL_VECTORS) $$t; done

# Each run leaves its results (JUnit XML, with the Kafka and librdkafka it
# ran on) for tests/matrix.py, which CI turns into the README's table.
E2E_RESULTS ?= $(OUT)tests/e2e-results.xml
E2E_TESTS   ?= tests/e2e
test-e2e: all $(OUT)tests/peakrss
	KAFKA_CHAT_BIN=$(abspath $(or $(OUT),.)) $(PYTEST) -q $(E2E_TESTS) \
		--junitxml=$(E2E_RESULTS) $(PYTEST_ARGS)

# A cross-section of the suite for the other pairs of Kafka and librdkafka
# (CI: Kafka 3.9 with the system librdkafka; the current librdkafka with
# the default Kafka): the foundation, interop with the seed, hostile
# records, one fault test, one secure test, the chat, and the two newer
# group protocols (cooperative rebalancing three times: it is where
# librdkafka versions differ most).
CROSS_TESTS := tests/e2e/test_basics.py tests/e2e/test_interop.py tests/e2e/test_hostile.py \
        tests/e2e/test_faults.py::test_broker_restart_mid_stream_loses_and_doubles_nothing \
        tests/e2e/test_secure.py::test_scram_sha_256_from_the_environment \
        tests/e2e/test_chat.py \
        tests/e2e/test_group.py::test_cooperative_group_shows_every_record_once \
        tests/e2e/test_group.py::test_a_partition_kept_through_a_cooperative_rebalance_goes_on_where_it_was \
        tests/e2e/test_group.py::test_leaving_during_a_cooperative_rebalance_commits_what_was_shown \
        tests/e2e/test_group.py::test_the_new_consumer_group_protocol_when_asked_for
test-cross:
	$(SETUP) test
	$(MAKE) WERROR=1 all unit-bins
	$(MAKE) WERROR=1 test-unit
	$(MAKE) WERROR=1 test-e2e E2E_TESTS='$(CROSS_TESTS)' \
		E2E_RESULTS=$(OUT)tests/cross-results.xml

# The whole suite on a build with AddressSanitizer (leaks included) and
# UBSan; the valgrind tests need the normal build, and the two slow ones
# (a 30 s timeout, the three-node cluster) test timing and brokers rather
# than our memory: both run in `make test`.
ASAN_MAKE = $(MAKE) OUT=build-asan/ WERROR=1 CFLAGS="-O1 -g $(SANITIZE)" LDFLAGS="$(SANITIZE)"
test-asan:
	$(SETUP) test
	$(ASAN_MAKE) all unit-bins
	$(ASAN_MAKE) test-unit
	KAFKA_CHAT_SANITIZED=1 $(ASAN_MAKE) test-e2e \
		PYTEST_ARGS='-m "not valgrind and not slow" $(PYTEST_ARGS)'

# A soak (tests/soak/soak.py): producer_chat pipes numbered lines into a
# topic while consumer_chat and kafka-chat read it, and faults come one at
# a time at random moments (broker restarts, leader kills, a broker frozen
# past the group's session, readers killed or hung up); at the end the topic
# and every reader's runs are checked: nothing lost, nothing doubled. Its
# own brokers: three nodes from port 18092 (SOAK_MODE=single: one on 9592;
# SOAK_PORT). SOAK_MINUTES (5), SOAK_SEED (replays a run's faults),
# SOAK_RATE (lines/s, 2000), SOAK_FAULTS (kinds and weights); KAFKA_VERSION
# and LIBRDKAFKA choose the pair. Output in build-soak/.
soak:
	$(SETUP) test
	$(MAKE) WERROR=1 all
	$(PYTEST) -q -p no:cacheprovider tests/soak/test_check.py
	KAFKA_CHAT_BIN=$(abspath $(or $(OUT),.)) $(PYTHON) tests/soak/soak.py

# The README's two commands on a Debian 12 root that has nothing but git,
# make and ca-certificates (scripts/fresh-machine.sh; needs root);
# FRESH_SUITE=trixie for Debian 13.
FRESH_COMMAND ?= make demo && make test
check-fresh:
	scripts/fresh-machine.sh $(FRESH_COMMAND)

# ---- fuzzing (libFuzzer, clang) ---------------------------------------------
# `make fuzz` runs each harness for FUZZ_SECONDS on a copy of its seed
# corpus (fuzz/corpus/NAME); `make test` runs them for 10 s each.

FUZZERS      := record time encode sealed
FUZZ_SECONDS ?= 60
FUZZ_SRC     := common/record.c common/pyjson.c common/pytime.c common/utf8.c \
                common/buf.c common/output.c common/seal.c common/vault.c \
                common/identity.c common/passphrase.c common/signals.c common/diag.c
FUZZ_FLAGS   := -std=c11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Werror \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

build-fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_SRC) $(wildcard common/*.h)
	@mkdir -p build-fuzz
	clang $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $@ $< $(FUZZ_SRC) -ljansson -lsodium -lm

fuzz: $(FUZZERS:%=build-fuzz/fuzz_%)
	@set -e; for f in $(FUZZERS); do \
		mkdir -p build-fuzz/corpus-$$f; \
		echo "== fuzz_$$f for $(FUZZ_SECONDS) s"; \
		build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build-fuzz/crash-$$f- \
			build-fuzz/corpus-$$f fuzz/corpus/$$f 2>&1 | \
			grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|INFO: Running)' ; \
		test $${PIPESTATUS[0]} -eq 0; \
	done

# The vector files are committed; this regenerates them with CPython (the
# zones' timestamps are written at test time instead, see test-unit).
vectors:
	$(PYTHON) tests/vectors/generate.py tests/vectors
	$(PYTHON) tests/vectors/generate_seal.py tests/vectors

# ---- a local Kafka ----------------------------------------------------------

BROKER_PORT ?= 9092

broker:
	$(SETUP) kafka
	scripts/kafka.sh start --port $(BROKER_PORT)

broker-stop:
	scripts/kafka.sh stop --port $(BROKER_PORT)

broker-clean:
	scripts/kafka.sh clean --port $(BROKER_PORT)

# A broker that asks for credentials: SASL on 9194, TLS on 9195 (README).
broker-secure:
	$(SETUP) test
	scripts/secure-broker.sh start

broker-secure-stop:
	scripts/secure-broker.sh stop

# Three KRaft nodes on 127.0.0.1:19092, 29092 and 39092 (replication 3,
# min.insync.replicas 2): -b 127.0.0.1:19092,127.0.0.1:29092,127.0.0.1:39092
# (KAFKA_CLUSTER_PORT=N: on N, N+10000 and N+20000)
cluster:
	$(SETUP) kafka
	scripts/kafka.sh cluster-start

cluster-stop:
	scripts/kafka.sh cluster-stop

cluster-clean:
	scripts/kafka.sh cluster-clean

demo:
	$(SETUP) demo
	$(MAKE) all
	scripts/demo.sh

# Throughput, latency and memory against kcat and the seed scripts, on a
# broker of its own; writes bench/RESULTS.md.
# ... on both builds: the system librdkafka's and the current one's.
bench:
	$(SETUP) test
	$(MAKE) all
	$(MAKE) LIBRDKAFKA=current all
	$(PYTHON) bench/run.py

# A crowded room (bench/crowd.py): N real chats on pseudo-terminals in one
# room, against N idle consumers on the same librdkafka; writes
# bench/CROWD.md. CROWD_SIZES (50,100,200), CROWD_ARGS (--build NAME=DIR).
CROWD_SIZES ?= 50,100,200
bench-crowd:
	$(SETUP) test
	$(MAKE) all
	$(MAKE) LIBRDKAFKA=current all
	$(PYTHON) bench/crowd.py --sizes $(CROWD_SIZES) $(CROWD_ARGS)

clean:
	rm -rf obj tests/test_* tests/peakrss tests/peakrss.d tests/local-vectors build-asan build-current build-trixie build-deb build-fuzz build-dev build-kafka39 build-matrix $(PROGRAMS)

# ---- installing -------------------------------------------------------------
# `make install` puts the programs, their man pages and the bash completion
# under $(DESTDIR)$(PREFIX); `make uninstall` removes exactly those files.
# bash-completion loads a completion by command name, so the one script is
# installed under each program's name (links to producer_chat).

PREFIX        ?= /usr/local
BINDIR        ?= $(PREFIX)/bin
MAN1DIR       ?= $(PREFIX)/share/man/man1
BASHCOMPDIR   ?= $(PREFIX)/share/bash-completion/completions
MAN_PAGES     := $(PROGRAMS:%=man/%.1)
INSTALL       ?= install
# The Debian package installs the completion with dh_bash-completion.
INSTALL_COMPLETION ?= yes

install:
	$(SETUP) build
	$(MAKE) install-files

install-files: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR)
	$(INSTALL) -m 755 $(PROGRAMS:%=$(OUT)%) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(MAN_PAGES) $(DESTDIR)$(MAN1DIR)/
ifeq ($(INSTALL_COMPLETION),yes)
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 644 completion/kafka-chat.bash $(DESTDIR)$(BASHCOMPDIR)/producer_chat
	ln -sf producer_chat $(DESTDIR)$(BASHCOMPDIR)/consumer_chat
	ln -sf producer_chat $(DESTDIR)$(BASHCOMPDIR)/kafka-chat
endif

uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(BINDIR)/%) \
	      $(PROGRAMS:%=$(DESTDIR)$(MAN1DIR)/%.1) \
	      $(PROGRAMS:%=$(DESTDIR)$(BASHCOMPDIR)/%)

# ---- the Debian package ------------------------------------------------------
# `make deb` builds kafka-chat_VERSION_ARCH.deb with dpkg-buildpackage from a
# copy of the tree (tracked and new files) in build-deb/, where the package
# lands too, and checks it with lintian: any error or warning fails.
# `make check-deb` installs it on a fresh Debian 12 root and chats through
# a real broker with the installed programs (tests/deb/installed.sh);
# `make check-deb-installed DEB_FILE=... FRESH_SUITE=trixie` does that with
# a package built elsewhere (CI builds one on each fresh root), on a fresh
# root of that suite.

DEB_VERSION  = $(shell dpkg-parsechangelog -S Version -l debian/changelog)
DEB_ARCH     = $(shell dpkg --print-architecture)
DEB          = build-deb/kafka-chat_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_PORT    ?= 9292

# The package's version comes from dpkg-parsechangelog, which set-up
# installs (dpkg-dev): make expands a recipe before running it, so the
# build runs in a make of its own, after set-up.
deb:
	$(SETUP) deb
	$(MAKE) deb-package

deb-package:
	rm -rf build-deb && mkdir -p build-deb/kafka-chat
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t build-deb/kafka-chat
	cd build-deb/kafka-chat && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning --info build-deb/kafka-chat_$(DEB_VERSION)_$(DEB_ARCH).changes
	@echo "built $(DEB)"

check-deb: deb
	$(MAKE) check-deb-installed DEB_FILE=$(DEB)

check-deb-installed:
	@test -f "$(DEB_FILE)" || { echo "check-deb-installed: no DEB_FILE '$(DEB_FILE)'" >&2; exit 1; }
	$(SETUP) kafka
	scripts/kafka.sh start --port $(DEB_PORT) --dir .kafka/deb-$(DEB_PORT)
	scripts/fresh-machine.sh --with $(DEB_FILE) tests/deb/installed.sh 127.0.0.1:$(DEB_PORT); \
	status=$$?; scripts/kafka.sh clean --port $(DEB_PORT) --dir .kafka/deb-$(DEB_PORT); exit $$status

# Each man page through man(1) with groff's warnings on: any output on
# stderr fails.
check-man:
	@status=0; for page in $(MAN_PAGES); do \
		err=$$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
			man --warnings -E UTF-8 -l $$page 2>&1 >/dev/null) || \
			err="$$err$${err:+ }(man failed)"; \
		if [ -n "$$err" ]; then echo "$$page: $$err" >&2; status=1; \
		else echo "$$page: clean"; fi; \
	done; exit $$status

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

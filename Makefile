# privacyctl - GDPR operations for businesses that book customers.
# make [all|check|demo|install|uninstall|clean|deps|bench|fuzz|fuzz-merge|completions]

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# the shipped mapping files of booking systems' exports (--map NAME)
MAPDIR     ?= $(PREFIX)/share/privacyctl/mappings
DESTDIR    ?=

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla -Wno-unused-parameter
ifeq ($(DEVELOPER),1)
WARN     += -Werror
endif
SANITIZE ?=
ifneq ($(SANITIZE),)
SANFLAGS  = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

PKG_CONFIG ?= pkg-config
CORE_PKGS  = sqlite3 yaml-0.1 jansson libsodium
MAIL_PKGS  = libcurl gmime-3.0
CORE_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CORE_PKGS) 2>/dev/null)
CORE_LIBS   := $(shell $(PKG_CONFIG) --libs $(CORE_PKGS) 2>/dev/null) -lcsv
# make STATIC=1: SQLite, libyaml, jansson, libsodium and libcsv linked
# statically (Debian's .a files), libc and the mail libraries still shared.
# A third fewer page faults at start-up (bench/RESULTS.md); opt-in because
# security updates of those libraries then need a rebuild.
# make STATIC=full: privacyctl, dsar-export and dsar-erase fully static
# (libc too: two thirds fewer page faults, the only way to the 2 ms
# start-up on a VM where /bin/true takes 2.5 ms); consent-send and notify
# as with STATIC=1.  glibc's getpwuid (the audit actor's user name) then
# reads /etc/passwd only: users of LDAP or sssd are shown as "?".
CORE_SLIBS  = $(shell $(PKG_CONFIG) --static --libs-only-l $(CORE_PKGS) \
              2>/dev/null | sed 's/-lm //;s/-lz //') -lcsv
CORE_BIN_LDFLAGS =
ifneq ($(filter 1 full,$(STATIC)),)
CORE_LIBS   := -Wl,-Bstatic $(CORE_SLIBS) -Wl,-Bdynamic -lz -lm -pthread
endif
ifeq ($(STATIC),full)
CORE_BIN_LDFLAGS = -static
CORE_BIN_LIBS    = $(CORE_SLIBS) -lm -pthread
else
CORE_BIN_LIBS    = $(CORE_LIBS)
endif
MAIL_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(MAIL_PKGS) 2>/dev/null)
MAIL_LIBS   := $(shell $(PKG_CONFIG) --libs $(MAIL_PKGS) 2>/dev/null)

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
ALL_CPPFLAGS = -D_GNU_SOURCE -DPV_VERSION='"$(VERSION)"' -Ilib $(CPPFLAGS)
lib/mapping.o: ALL_CPPFLAGS += -DPV_MAPPINGDIR='"$(MAPDIR)"'
MAPPINGS = $(wildcard mappings/*.yaml)
ALL_CFLAGS   = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS  = -Wl,--as-needed $(SANFLAGS) $(LDFLAGS)

# lib/*.c is the core every binary links; lib/mail/*.c (libcurl, GMime)
# only the two binaries that send, because those libraries cost start-up
# time that the tools called once per record should not pay.
LIB_SRCS  = $(wildcard lib/*.c)
LIB_OBJS  = $(LIB_SRCS:.c=.o)
MAIL_SRCS = $(wildcard lib/mail/*.c)
MAIL_OBJS = $(MAIL_SRCS:.c=.o)
LIB       = lib/libpv.a
MAILLIB   = lib/mail/libpvmail.a

CORE_BINS = privacyctl dsar-export dsar-erase privacy-web
MAIL_BINS = consent-send notify
have_cmd  = $(if $(wildcard cmd/$(1)/*.c),bin/$(1))
BINS      = $(foreach b,$(CORE_BINS) $(MAIL_BINS),$(call have_cmd,$(b)))

UNIT_SRCS = $(wildcard tests/unit/t-*.c)
UNIT_BINS = $(UNIT_SRCS:.c=)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_NAMES = $(notdir $(FUZZ_SRCS:.c=))
# The replay drivers: each target with a main() that feeds it the corpus,
# built with the normal compiler and flags (so SANITIZE= applies).
FUZZ_REPLAY = $(FUZZ_SRCS:.c=-replay)

MAN1 = $(wildcard man/*.1)
MAN5 = $(wildcard man/*.5)
MAN7 = $(wildcard man/*.7)
MAN8 = $(wildcard man/*.8)

all: $(BINS)

lib/%.o: lib/%.c
	$(CC) $(ALL_CPPFLAGS) $(CORE_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<
lib/mail/%.o: lib/mail/%.c
	$(CC) $(ALL_CPPFLAGS) $(CORE_CFLAGS) $(MAIL_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<
cmd/%.o: cmd/%.c
	$(CC) $(ALL_CPPFLAGS) $(CORE_CFLAGS) $(MAIL_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<
tests/unit/%.o: tests/unit/%.c
	$(CC) $(ALL_CPPFLAGS) $(CORE_CFLAGS) $(MAIL_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
$(MAILLIB): $(MAIL_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

.SECONDEXPANSION:
$(foreach b,$(CORE_BINS),bin/$(b)): bin/%: $$(addsuffix .o,$$(basename $$(wildcard cmd/$$*/*.c))) $(LIB)
	@mkdir -p bin
	$(CC) -o $@ $(filter %.o,$^) $(LIB) $(ALL_LDFLAGS) $(CORE_BIN_LDFLAGS) $(CORE_BIN_LIBS)
$(foreach b,$(MAIL_BINS),bin/$(b)): bin/%: $$(addsuffix .o,$$(basename $$(wildcard cmd/$$*/*.c))) $(MAILLIB) $(LIB)
	@mkdir -p bin
	$(CC) -o $@ $(filter %.o,$^) $(MAILLIB) $(LIB) $(ALL_LDFLAGS) $(MAIL_LIBS) $(CORE_LIBS)
tests/unit/t-%: tests/unit/t-%.o tests/unit/tap.o $(if $(MAIL_OBJS),$(MAILLIB)) $(LIB)
	$(CC) -o $@ $(filter %.o,$^) $(if $(MAIL_OBJS),$(MAILLIB)) $(LIB) $(ALL_LDFLAGS) $(MAIL_LIBS) $(CORE_LIBS)

tests/unit/tap.o: tests/unit/tap.c

tests/fuzz/%.o: tests/fuzz/%.c
	$(CC) $(ALL_CPPFLAGS) $(CORE_CFLAGS) $(MAIL_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<
tests/fuzz/fuzz-%-replay: tests/fuzz/fuzz-%.o tests/fuzz/replay.o $(if $(MAIL_OBJS),$(MAILLIB)) $(LIB)
	$(CC) -o $@ $(filter %.o,$^) $(if $(MAIL_OBJS),$(MAILLIB)) $(LIB) $(ALL_LDFLAGS) $(MAIL_LIBS) $(CORE_LIBS)

# Fault injection helpers for tests/faults.t and tests/crash.t.  The
# allocation shim is built without sanitizers (it replaces malloc).
FAULT_BINS = tests/fault/failmalloc.so tests/fault/killwrite.so
tests/fault/failmalloc.so: tests/fault/failmalloc.c
	$(CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) -O2 -fPIC -shared -o $@ $<
tests/fault/killwrite.so: tests/fault/killwrite.c
	$(CC) $(ALL_CPPFLAGS) -std=c11 $(WARN) -O2 -fPIC -shared -o $@ $< -ldl

# make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="fuzz-cfg ..."]: libFuzzer with
# clang, ASan and UBSan, on a separately built copy of lib/.  New inputs go
# to tests/tmp/fuzz/NAME (make fuzz-merge adds the interesting ones to the
# seed corpus); crashes to tests/fuzz/crashes/NAME/, which make check
# replays: commit them with the fix.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  = -std=c11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
               -fsanitize=fuzzer-no-link
FUZZ_DIR     = tests/tmp/fuzz-build
FUZZ_LIBOBJS = $(addprefix $(FUZZ_DIR)/,$(LIB_SRCS:.c=.o) $(MAIL_SRCS:.c=.o))

.PRECIOUS: $(FUZZ_DIR)/%.o
$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(CORE_CFLAGS) $(MAIL_CFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<
$(FUZZ_DIR)/fuzz-%: $(FUZZ_DIR)/tests/fuzz/fuzz-%.o $(FUZZ_LIBOBJS)
	$(FUZZ_CC) -o $@ $^ $(FUZZ_SAN) -fsanitize=fuzzer $(MAIL_LIBS) $(CORE_LIBS)

fuzz: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p tests/tmp/fuzz/$$t tests/fuzz/crashes/$$t && \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s" && \
		$(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			$$(test -f tests/fuzz/$$t.dict && echo -dict=tests/fuzz/$$t.dict) \
			-artifact_prefix=tests/fuzz/crashes/$$t/ \
			tests/tmp/fuzz/$$t tests/fuzz/corpus/$$t \
			>tests/tmp/fuzz/$$t.log 2>&1; st=$$?; \
		grep '^stat::number_of_executed_units\|^==.*ERROR\|invariant' \
			tests/tmp/fuzz/$$t.log; \
		if [ $$st -ne 0 ]; then \
			tail -40 tests/tmp/fuzz/$$t.log; \
			echo "fuzz: $$t found a bug: see tests/fuzz/crashes/$$t/"; \
			exit 1; \
		fi; \
	done
fuzz-merge: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
		$(FUZZ_DIR)/$$t -merge=1 tests/fuzz/corpus/$$t \
			tests/tmp/fuzz/$$t || exit 1; \
	done

PROVE ?= prove
PROVE_JOBS ?= 2
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(FUZZ_REPLAY) \
		$(FAULT_BINS) bench/gen
	$(PROVE) -j$(PROVE_JOBS) $(PROVE_FLAGS) $(UNIT_BINS) $(sort $(wildcard tests/*.t)) \
		$(sort $(wildcard tests/journeys/*.t)) </dev/null

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

deps:
	@sh tools/deps.sh

# The benchmark's helpers stand alone (no lib/): the generator must build
# on a bare machine and is also used for test and CI fixtures.
bench/gen bench/lat: bench/%: bench/%.c
	$(CC) -std=c11 $(WARN) -O2 -o $@ $<

# libcurl alone, the floor of consent-send's and notify's sending
bench/smtp-curl: bench/smtp-curl.c
	$(CC) -std=c11 $(WARN) -O2 $(shell $(PKG_CONFIG) --cflags libcurl) \
		-o $@ $< $(shell $(PKG_CONFIG) --libs libcurl)

bench: all bench/gen bench/lat bench/smtp-curl
	@sh bench/run.sh

completions: all
	@sh completions/gen

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(MAPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAPPINGS) $(DESTDIR)$(MAPDIR)
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)
	$(if $(MAN8),install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8)
	for b in $(notdir $(BINS)); do \
		install -m 644 completions/$$b.bash $(DESTDIR)$(BASHCOMPDIR)/$$b && \
		install -m 644 completions/_$$b $(DESTDIR)$(ZSHCOMPDIR)/_$$b && \
		install -m 644 completions/$$b.fish $(DESTDIR)$(FISHCOMPDIR)/$$b.fish || exit 1; \
	done

uninstall:
	for b in $(notdir $(BINS)); do \
		rm -f $(DESTDIR)$(BINDIR)/$$b $(DESTDIR)$(BASHCOMPDIR)/$$b \
		      $(DESTDIR)$(ZSHCOMPDIR)/_$$b $(DESTDIR)$(FISHCOMPDIR)/$$b.fish; \
	done
	for m in $(notdir $(MAN1)); do rm -f $(DESTDIR)$(MANDIR)/man1/$$m; done
	for m in $(notdir $(MAN5)); do rm -f $(DESTDIR)$(MANDIR)/man5/$$m; done
	for m in $(notdir $(MAN7)); do rm -f $(DESTDIR)$(MANDIR)/man7/$$m; done
	for m in $(notdir $(MAN8)); do rm -f $(DESTDIR)$(MANDIR)/man8/$$m; done
	for m in $(notdir $(MAPPINGS)); do rm -f $(DESTDIR)$(MAPDIR)/$$m; done

clean:
	rm -rf bin tests/tmp
	rm -f bench/gen bench/lat bench/smtp-curl
	rm -f lib/*.o lib/*.d lib/*.a lib/mail/*.o lib/mail/*.d lib/mail/*.a \
	      cmd/*/*.o cmd/*/*.d tests/unit/*.o tests/unit/*.d $(UNIT_BINS) \
	      tests/fuzz/*.o tests/fuzz/*.d $(FUZZ_REPLAY) \
	      tests/fault/*.d $(FAULT_BINS)

.PHONY: all check demo deps bench completions install uninstall clean fuzz \
	fuzz-merge
.DELETE_ON_ERROR:

-include $(wildcard lib/*.d lib/mail/*.d cmd/*/*.d tests/unit/*.d tests/fuzz/*.d)

# privacyctl - GDPR operations for businesses that book customers.
# make [all|check|demo|install|uninstall|clean|deps|bench|fuzz|completions]

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
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
MAIL_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(MAIL_PKGS) 2>/dev/null)
MAIL_LIBS   := $(shell $(PKG_CONFIG) --libs $(MAIL_PKGS) 2>/dev/null)

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
ALL_CPPFLAGS = -D_GNU_SOURCE -DPV_VERSION='"$(VERSION)"' -Ilib $(CPPFLAGS)
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

CORE_BINS = privacyctl dsar-export dsar-erase
MAIL_BINS = consent-send notify
have_cmd  = $(if $(wildcard cmd/$(1)/*.c),bin/$(1))
BINS      = $(foreach b,$(CORE_BINS) $(MAIL_BINS),$(call have_cmd,$(b)))

UNIT_SRCS = $(wildcard tests/unit/t-*.c)
UNIT_BINS = $(UNIT_SRCS:.c=)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz-*.c)

MAN1 = $(wildcard man/*.1)
MAN5 = $(wildcard man/*.5)
MAN7 = $(wildcard man/*.7)

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
	$(CC) -o $@ $(filter %.o,$^) $(LIB) $(ALL_LDFLAGS) $(CORE_LIBS)
$(foreach b,$(MAIL_BINS),bin/$(b)): bin/%: $$(addsuffix .o,$$(basename $$(wildcard cmd/$$*/*.c))) $(MAILLIB) $(LIB)
	@mkdir -p bin
	$(CC) -o $@ $(filter %.o,$^) $(MAILLIB) $(LIB) $(ALL_LDFLAGS) $(MAIL_LIBS) $(CORE_LIBS)
tests/unit/t-%: tests/unit/t-%.o tests/unit/tap.o $(if $(MAIL_OBJS),$(MAILLIB)) $(LIB)
	$(CC) -o $@ $(filter %.o,$^) $(if $(MAIL_OBJS),$(MAILLIB)) $(LIB) $(ALL_LDFLAGS) $(MAIL_LIBS) $(CORE_LIBS)

tests/unit/tap.o: tests/unit/tap.c

PROVE ?= prove
PROVE_JOBS ?= 2
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) bench/gen
	$(PROVE) -j$(PROVE_JOBS) $(PROVE_FLAGS) $(UNIT_BINS) $(sort $(wildcard tests/*.t)) </dev/null

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

bench: all bench/gen bench/lat
	@sh bench/run.sh

completions: all
	@sh completions/gen

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7)
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

clean:
	rm -rf bin tests/tmp
	rm -f bench/gen bench/lat
	rm -f lib/*.o lib/*.d lib/*.a lib/mail/*.o lib/mail/*.d lib/mail/*.a \
	      cmd/*/*.o cmd/*/*.d tests/unit/*.o tests/unit/*.d $(UNIT_BINS)

.PHONY: all check demo deps bench completions install uninstall clean
.DELETE_ON_ERROR:

-include $(wildcard lib/*.d lib/mail/*.d cmd/*/*.d tests/unit/*.d)

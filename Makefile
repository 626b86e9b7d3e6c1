# hull — build, test and demo. GNU make + pkg-config.
#   make deps    install the Debian packages of deps.txt (idempotent)
#   make         build hullrt, hull and the library they share
#   make check   deps + build + unit + integration tests
#   make demo    deps + build + run a busybox container with hullrt
CC       ?= cc
BUILD    := build
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 -fno-strict-aliasing \
            -D_GNU_SOURCE -Isrc -I$(BUILD)/gen -MMD -MP
PYTHON   := /usr/bin/python3

# The runtime links statically: no dynamic loader on the container start path.
RT_PKGS  := jansson libseccomp libcap
# hull: its core (run, exec, ps, logs, stop, rm, the monitor…) links RT_PKGS statically and glibc dynamically;
# the image transfer code (pull, load, save, login) and the libraries only it needs are libhull-transfer.so,
# next to hull, dlopened by those commands alone (src/image/transfer.h, docs/performance.md "hull startup").
# libnftables: headers only; src/net/nftlib.c loads it when a command changes nftables.
CORE_PKGS     := libmnl
TRANSFER_PKGS := libcurl openssl libisal zlib libzstd libarchive
ENG_PKGS := $(RT_PKGS) $(TRANSFER_PKGS) $(CORE_PKGS) libnftables
RT_LIBS   = $(shell pkg-config --static --libs $(RT_PKGS) 2>/dev/null)
CORE_LIBS = -Wl,-Bstatic $(RT_LIBS) -Wl,-Bdynamic $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null)
TRANSFER_LIBS = $(shell pkg-config --libs $(TRANSFER_PKGS) 2>/dev/null)
ENG_LIBS  = $(shell pkg-config --libs $(ENG_PKGS) 2>/dev/null)
TEST_LIBS = $(ENG_LIBS) $(shell pkg-config --libs cmocka 2>/dev/null)
JANSSON_A = $(shell pkg-config --variable=libdir jansson 2>/dev/null)/libjansson.a
STATIC   ?= -static

# The library: every module but the CLIs. Runtime-only code (util, oci, cgroup, runtime)
# goes in libhullrt.a so the static hullrt does not pull in curl, archive or netlink code.
RT_DIRS  := src/util src/oci src/cgroup src/runtime
ENG_DIRS := src/image src/engine src/net
RT_SRC   := $(foreach d,$(RT_DIRS),$(wildcard $(d)/*.c))
# The transfer library's files (every other file of ENG_DIRS is in the core): a file that needs curl,
# libarchive, isa-l or libcrypto belongs here, else linking hull fails on its undefined symbols.
TRANSFER_SRC := $(addprefix src/image/,archive.c auth.c decompress.c digest.c import.c progress.c pull.c \
                  registry.c unpack.c transfer_ops.c)
ENG_SRC  := $(filter-out $(TRANSFER_SRC),$(foreach d,$(ENG_DIRS),$(wildcard $(d)/*.c)))
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/%.o)
ENG_OBJ  := $(ENG_SRC:%.c=$(BUILD)/%.o)
TRANSFER_OBJ := $(TRANSFER_SRC:%.c=$(BUILD)/%.o)
HULLRT_SRC := $(wildcard src/cli/hullrt/*.c)
HULL_SRC   := $(wildcard src/cli/hull/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

BINS := $(BUILD)/hullrt $(BUILD)/hull-helper
ifneq ($(HULL_SRC),)
BINS += $(BUILD)/hull $(BUILD)/libhull-transfer.so $(BUILD)/hull-init
endif

.PHONY: all deps check unit integration conformance demo clean fuzz bench
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libhullrt.a: $(RT_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/libhull.a: $(ENG_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/hullrt: $(HULLRT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libhullrt.a
	$(CC) $(CFLAGS) $(STATIC) -o $@ $^ $(RT_LIBS)

# The transfer library: position-independent objects; one exported symbol (the table of transfer.h); a build
# ID (hash of every header) that the loader compares, so a hull never calls into another build's library.
$(TRANSFER_OBJ): CFLAGS += -fPIC
$(BUILD)/src/image/transfer_ops.o $(BUILD)/src/image/transfer_loader.o: $(BUILD)/gen/transfer_build_id.h
$(BUILD)/gen/transfer_build_id.h: $(sort $(shell find src -name '*.h'))
	@mkdir -p $(dir $@)
	@echo "#define HULL_BUILD_ID \"$$(cat $^ | sha256sum | cut -c1-32)\"" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(BUILD)/libhull-transfer.a: $(TRANSFER_OBJ)
	@rm -f $@; ar rcs $@ $^

# Undefined here: what it takes from the hull executable (transfer.h); jansson too, so that the process has
# one copy of it.
$(BUILD)/libhull-transfer.so: $(TRANSFER_OBJ)
	@echo '{ global: hull_image_transfer; local: *; };' >$(BUILD)/transfer.map
	$(CC) $(CFLAGS) -shared -Wl,--version-script=$(BUILD)/transfer.map -o $@ $^ $(TRANSFER_LIBS)

# What hull exports for the transfer library: the symbols it leaves undefined that hull's objects define, and
# all of jansson (libnftables binds to the same copy). EXTERN forces them out of the archives; the dynamic
# list exports them and nothing else (never a static library's internals).
$(BUILD)/hull-exports.txt: $(TRANSFER_OBJ) $(ENG_OBJ) $(RT_OBJ)
	@nm -g --defined-only --format=just-symbols $(ENG_OBJ) $(RT_OBJ) 2>/dev/null | sort -u >$@.def
	@nm -g --undefined-only --format=just-symbols $(TRANSFER_OBJ) | sort -u >$@.undef
	@{ comm -12 $@.undef $@.def; nm -g --defined-only --format=just-symbols $(JANSSON_A) 2>/dev/null \
	  | grep -E '^(json|jansson)_'; } | sort -u >$@; rm -f $@.def $@.undef
$(BUILD)/hull-exports.ld: $(BUILD)/hull-exports.txt
	@{ echo 'EXTERN('; cat $<; echo ')'; } >$@
$(BUILD)/hull.dynlist: $(BUILD)/hull-exports.txt
	@{ echo '{'; sed 's/$$/;/' $<; echo '};'; } >$@

$(BUILD)/hull: $(BUILD)/hull-exports.ld $(BUILD)/hull.dynlist $(HULL_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libhull.a \
               $(BUILD)/libhullrt.a
	$(CC) $(CFLAGS) -o $@ $(BUILD)/hull-exports.ld -Wl,--dynamic-list=$(BUILD)/hull.dynlist \
	  $(filter %.o %.a,$^) $(CORE_LIBS)

# `hull run --init`: pid 1 inside any image, so static (src/engine/init is outside the library's wildcard).
$(BUILD)/hull-init: src/engine/init/hull_init.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -static -o $@ $<

# Runs inside test containers: static, no dependencies on the container's rootfs.
$(BUILD)/hull-helper: tests/helper/helper.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -static -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libhull-transfer.a $(BUILD)/libhull.a $(BUILD)/libhullrt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c %.a,$^) $(TEST_LIBS)

deps:
	@missing=$$(grep -v '^#' deps.txt | xargs dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' 2>&1 \
	  | awk '$$1!="ii"{print $$NF}'); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$(grep -v '^#' deps.txt) >/dev/null; \
	else echo "deps: all installed"; fi

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# One pytest per directory: each dir has its own conftest.py and none is a package, so when one pytest runs
# all three dirs, two (three) conftest modules still share the module name `conftest`: collection passes, but
# sys.modules["conftest"] is the last dir's, and a test that imports `conftest` by name gets another dir's.
integration: all
	@rc=0; for d in $(wildcard tests/integration tests/security tests/conformance); do \
	  echo "== $$d"; HULL_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider $$d || rc=1; \
	done; exit $$rc

# podman, containerd and runtime-spec checks alone (docs/conformance.md); `integration` runs them too
conformance: all
	HULL_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider -rxX tests/conformance

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration

# Side by side with crun and runc (root; a few minutes; not part of check). RUNS=, ROUNDS=, CASES= pass through.
bench: all
	bench/runtime.sh $(BUILD)

demo: deps
	$(MAKE) all
	@tests/demo.sh $(abspath $(BUILD))

# Fuzzing: every tests/fuzz/fuzz_<name>.c is a libFuzzer target (clang, ASan+UBSan), run FUZZ_SECONDS each.
# Seeds: tests/fuzz/seeds/<name>/ and tests/unit/data/<name minus "fuzz_">/ when they exist; dictionary:
# tests/fuzz/<name>.dict. New inputs go to build/fuzz/corpus/<name>, crashes to build/fuzz/crashes/<name>.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300
FUZZ_FLAGS   := -g -O1 -std=gnu11 -D_GNU_SOURCE -Isrc -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_OBJ     := $(RT_SRC:%.c=$(BUILD)/fuzz/obj/%.o)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/libhullrt.a: $(FUZZ_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libhullrt.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(shell pkg-config --libs $(RT_PKGS) 2>/dev/null)

fuzz: $(FUZZ_BIN)
	@set -e; for bin in $(FUZZ_BIN); do \
	  name=$$(basename $$bin); corpus=$(BUILD)/fuzz/corpus/$$name; crashes=$(BUILD)/fuzz/crashes/$$name/; \
	  mkdir -p $$corpus $$crashes; seeds=; dict=; \
	  for d in tests/fuzz/seeds/$$name tests/unit/data/$${name#fuzz_}; do [ -d $$d ] && seeds="$$seeds $$d"; done; \
	  [ -f tests/fuzz/$$name.dict ] && dict=-dict=tests/fuzz/$$name.dict; \
	  echo "== $$name: $(FUZZ_SECONDS)s, seeds:$$seeds"; \
	  $$bin -max_total_time=$(FUZZ_SECONDS) -timeout=10 -artifact_prefix=$$crashes $$dict $$corpus $$seeds; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

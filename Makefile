# The job worker: one non-recursive Makefile.
#   make            build jobsupd, jobapi and jobctl into build/
#   make run        build, then run jobsupd, jobapi and nginx in the foreground (PORT=8443,
#                   JOBSUPD_ARGS="...", JOBAPI_ARGS="...")
#   make test       unit and end-to-end tests; ends with "N passed, N failed"
#   make faults     fault tests: the stack's processes killed, stalled clients, hostile jobs
#   make SAN=1 ...  the same with AddressSanitizer and UBSan (into build/san/)
#   make deps       install the Debian packages the project needs, when missing
#   make certs      make the prototype's CA, server and client certificates again
#   make p12        the client certificates as PKCS#12 files for browsers (password jobworker)
#   make browser-test   the web dashboard (/ui/) tested in Debian's chromium (playwright-core)
#   make revoke NAME=user2   revoke a client certificate (nginx checks the CRL)
#   make lint       clang-format check, cppcheck and clang-tidy; docs/openapi.yaml linted
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make valgrind   the end-to-end tests with jobsupd under valgrind
#   make bench      the benchmark: figures against ceilings measured in the same run
#   make soak       50 clients for SOAK_SECONDS (default 60), then every job accounted for;
#                   make soak-valgrind: a short one with jobsupd under valgrind
#   make install    PREFIX=/usr/local DESTDIR=... SYSCONFDIR=/etc; make uninstall

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := all

CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PORT ?= 8443
JOBSUPD_ARGS ?=
JOBAPI_ARGS ?=
export JOBAPI_ARGS

ifeq ($(SAN),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD := build
SANFLAGS :=
endif

PKGS := fcgi libcjson sqlite3 libcurl
WARN := -std=c11 -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
ALL_CPPFLAGS := -D_GNU_SOURCE -iquote supervisor -iquote supervisor/common -MMD -MP $(CPPFLAGS)
ALL_CFLAGS := $(WARN) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

# Code all three programs share (supervisor/common/): buffers, JSON, errors, job specs, limits
# and states, the wire protocol, logging, flag parsing, listening sockets, readiness.
COMMON := $(addprefix supervisor/common/,buf.c json.c apierr.c jobspec.c jobspec_run.c joblimits.c \
	states.c size.c proto.c log.c opts.c usock.c ready.c)
SUPD := $(addprefix supervisor/,sup.c cgroup.c cgsetup.c cgfile.c loop.c ring.c spawn.c account.c \
	sandbox.c spool.c store.c record.c job.c jobs.c jobproc.c jobout.c follow.c waitset.c \
	events.c conn.c listener.c service.c slurm.c slurmexec.c)
SUPD_MAIN := supervisor/main.c
API := fcgi/dn.c fcgi/route.c fcgi/csrf.c fcgi/http.c fcgi/handler.c fcgi/pool.c fcgi/client.c \
	fcgi/output.c fcgi/spoolread.c
API_MAIN := fcgi/main.c
CLI := cli/rest.c cli/show.c cli/jobview.c cli/config.c cli/args.c cli/call.c cli/cmd_jobs.c \
	cli/cmd_stop.c cli/cmd_list.c cli/cmd_wait.c cli/cmd_config.c cli/watch.c
CLI_MAIN := cli/main.c

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(call pc_cflags,$(PKGS)) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/jobsupd: $(call obj,$(SUPD_MAIN) $(SUPD) $(COMMON))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,libcjson sqlite3)

# jobinit, a sandboxed job's PID 1: small and on its own (no library), beside jobsupd. Linked
# statically (not under the sanitizers, which cannot be): no dynamic loading in every job's
# start, measured about a sixth of a sandboxed start.
JOBINIT_STATIC := $(if $(filter 1,$(SAN)),,-static)
$(BUILD)/jobinit: $(call obj,supervisor/init.c)
	$(CC) $(ALL_LDFLAGS) $(JOBINIT_STATIC) -o $@ $^

# jobprolog, srun's prolog for a job run on Slurm (--executor slurm): tells jobsupd the
# allocation. Beside jobsupd, like jobinit.
$(BUILD)/jobprolog: $(call obj,supervisor/prolog.c)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/jobapi: $(call obj,$(API_MAIN) $(API) $(COMMON))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,fcgi libcjson) -lpthread

# jobctl finds the checkout's certificates wherever it is run from.
VERSION := 0.1.0
$(BUILD)/obj/cli/main.o: ALL_CPPFLAGS += -DJOBCTL_CERTDIR='"$(CURDIR)/certs"' \
	-DJOBWORKER_VERSION='"$(VERSION)"'

$(BUILD)/jobctl: $(call obj,$(CLI_MAIN) $(CLI) $(COMMON))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,libcurl libcjson)

.PHONY: all
all: $(BUILD)/jobsupd $(BUILD)/jobinit $(BUILD)/jobprolog $(BUILD)/jobapi $(BUILD)/jobctl

# Unit tests: one cmocka program per tests/unit/test_*.c, linked with every module.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_OBJS := $(call obj,$(COMMON) $(SUPD) $(API) $(CLI))

$(BUILD)/obj/tests/unit/%.o: ALL_CPPFLAGS += -iquote fcgi -iquote cli
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(UNIT_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,$(PKGS) cmocka) -lpthread

.PHONY: test unit
unit: all $(UNIT_BINS)
test: deps unit
	@$(MAKE) -s deps DEB_PACKAGES="$(SLURM_PACKAGES)" || \
		echo "make test: without Slurm installed, the tests of --executor slurm skip"
	tests/run.sh $(BUILD)

# Faults on the real stack: its processes killed, clients stalled, jobs misbehaving.
.PHONY: faults
faults: deps all
	tests/run.sh $(BUILD) faults

# Debian packages: libraries to build with, nginx and openssl to run, cmocka, bats, curl and jq
# to test, PyYAML and jsonschema (draft 2020-12) to check answers against docs/openapi.yaml.
# Only what is missing is installed (as root, or through sudo).
DEB_PACKAGES := gcc make pkg-config libfcgi-dev libsqlite3-dev libcjson-dev \
	libcurl4-openssl-dev libcmocka-dev openssl ca-certificates curl bats jq libfcgi-bin \
	mandoc python3-yaml python3-jsonschema
# Slurm and munge, for the tests and the benchmark of --executor slurm only (a cluster of their
# own, tests/slurm/cluster.sh; the packages' own services are not used): `make run` does not
# install them, and an operator's login node has its own.
SLURM_PACKAGES := slurmctld slurmd slurm-client munge
.PHONY: deps
deps:
	@missing=; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$$missing nginx-light"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
	else echo "make deps: missing Debian packages:$$missing"; \
		echo "make deps: install them as root: apt-get install$$missing"; exit 1; fi; \
	echo "make deps: installing$$missing"; \
	$$sudo apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing

# The whole stack in the foreground: jobsupd, jobapi and nginx on 127.0.0.1:$(PORT).
.PHONY: run
run: deps all
	nginx/stack.sh -p $(PORT) -b $(BUILD) -- $(JOBSUPD_ARGS)

# Fuzzing with libFuzzer (clang): jobapi's request handling, jobsupd's protocol decoding,
# jobctl's reading of answers. Each runs FUZZ_SECONDS; what they find stays in build/fuzz/.
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := request proto response
FUZZ_FLAGS := $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-D_GNU_SOURCE -iquote supervisor -iquote supervisor/common -iquote fcgi -iquote cli \
	$(call pc_cflags,libcjson libcurl)
FUZZ_SRCS_request := fcgi/route.c fcgi/dn.c fcgi/csrf.c $(COMMON)
FUZZ_SRCS_proto := $(COMMON)
FUZZ_SRCS_response := cli/show.c cli/rest.c cli/jobview.c $(COMMON)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(COMMON) fcgi/route.c fcgi/dn.c fcgi/csrf.c cli/show.c cli/rest.c \
		cli/jobview.c $(wildcard supervisor/*.h supervisor/common/*.h fcgi/*.h cli/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRCS_$*) $(call pc_libs,libcjson libcurl)

.PHONY: fuzz fuzz-build
fuzz-build: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
fuzz:
	@$(MAKE) -s deps DEB_PACKAGES="$(FUZZ_PACKAGES)"
	@$(MAKE) fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$$t; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=build/fuzz/crash-$$t- \
			build/fuzz/corpus/$$t tests/fuzz/$$t 2>build/fuzz/$$t.log || \
			{ tail -40 build/fuzz/$$t.log; exit 1; }; \
		grep -E 'number_of_executed_units|peak_rss' build/fuzz/$$t.log; \
	done

# Installing: programs, man pages, systemd units, the nginx site template, bash completion.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
DATADIR = $(PREFIX)/share
MANDIR = $(DATADIR)/man
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
COMPLETIONDIR = $(DATADIR)/bash-completion/completions
FILL = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@DATADIR@|$(DATADIR)|g'
# The web dashboard: static files, served by nginx under /ui/ (nginx/web.conf).
WEB_FILES := $(sort $(wildcard web/*.html web/*.css web/*.js web/*.svg web/*.png))
INSTALLED := $(BINDIR)/jobctl $(SBINDIR)/jobsupd $(SBINDIR)/jobinit $(SBINDIR)/jobprolog \
	$(SBINDIR)/jobapi \
	$(MANDIR)/man1/jobctl.1 $(MANDIR)/man8/jobsupd.8 $(MANDIR)/man8/jobapi.8 \
	$(UNITDIR)/jobsupd.service $(UNITDIR)/jobapi.service $(SYSUSERSDIR)/jobworker.conf \
	$(COMPLETIONDIR)/jobctl $(DATADIR)/jobworker/nginx-site.conf \
	$(DATADIR)/jobworker/fastcgi_jobapi $(DATADIR)/jobworker/jobapi_params \
	$(DATADIR)/jobworker/errors.conf $(DATADIR)/jobworker/web.conf \
	$(addprefix $(DATADIR)/jobworker/,$(WEB_FILES)) \
	$(SYSCONFDIR)/jobworker/jobworker.env

# The installed jobctl looks for the user's certificate in their config directory and for
# the CA in $(SYSCONFDIR)/jobworker/certs, not in this checkout.
$(BUILD)/install/main.o: cli/main.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(call pc_cflags,$(PKGS)) $(ALL_CFLAGS) -DJOBWORKER_VERSION='"$(VERSION)"' \
		-DJOBCTL_CERTDIR='"$(SYSCONFDIR)/jobworker/certs"' -c -o $@ $<
$(BUILD)/install/config.o: cli/config.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(call pc_cflags,$(PKGS)) $(ALL_CFLAGS) -DJOBCTL_INSTALLED -c -o $@ $<
$(BUILD)/install/jobctl: $(BUILD)/install/main.o $(BUILD)/install/config.o \
		$(call obj,$(filter-out cli/config.c,$(CLI)) $(COMMON))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,libcurl libcjson)

.PHONY: install uninstall
install: all $(BUILD)/install/jobctl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(DATADIR)/jobworker $(DESTDIR)$(DATADIR)/jobworker/web \
		$(DESTDIR)$(SYSCONFDIR)/jobworker/certs
	install -m 0755 $(BUILD)/install/jobctl $(DESTDIR)$(BINDIR)/jobctl
	@# jobinit and jobprolog beside jobsupd: that is where jobsupd looks for them.
	install -m 0755 $(BUILD)/jobsupd $(BUILD)/jobinit $(BUILD)/jobprolog $(BUILD)/jobapi \
		$(DESTDIR)$(SBINDIR)/
	install -m 0644 docs/man/jobctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 docs/man/jobsupd.8 docs/man/jobapi.8 $(DESTDIR)$(MANDIR)/man8/
	$(FILL) supervisor/jobsupd.service.in >$(DESTDIR)$(UNITDIR)/jobsupd.service
	$(FILL) fcgi/jobapi.service.in >$(DESTDIR)$(UNITDIR)/jobapi.service
	install -m 0644 supervisor/jobworker.sysusers $(DESTDIR)$(SYSUSERSDIR)/jobworker.conf
	install -m 0644 cli/jobctl.bash $(DESTDIR)$(COMPLETIONDIR)/jobctl
	$(FILL) nginx/jobworker-site.conf.in >$(DESTDIR)$(DATADIR)/jobworker/nginx-site.conf
	install -m 0644 nginx/jobapi_params nginx/errors.conf nginx/web.conf $(DESTDIR)$(DATADIR)/jobworker/
	install -m 0644 $(WEB_FILES) $(DESTDIR)$(DATADIR)/jobworker/web/
	@# The same way to jobapi as the checkout's stack, its parameters found where installed.
	sed 's|^include jobapi_params;|include $(DATADIR)/jobworker/jobapi_params;|' \
		nginx/fastcgi_jobapi >$(DESTDIR)$(DATADIR)/jobworker/fastcgi_jobapi
	@# The settings are the administrator's: an existing file is left as it is.
	[ -e $(DESTDIR)$(SYSCONFDIR)/jobworker/jobworker.env ] || \
		$(FILL) supervisor/jobworker.env.in >$(DESTDIR)$(SYSCONFDIR)/jobworker/jobworker.env

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DATADIR)/jobworker/web $(DESTDIR)$(DATADIR)/jobworker \
		$(DESTDIR)$(SYSCONFDIR)/jobworker/certs \
		$(DESTDIR)$(SYSCONFDIR)/jobworker 2>/dev/null

# The benchmark (not part of the tests): the real stack against ceilings measured in the same run.
BENCH_BINS := $(BUILD)/bench/load $(BUILD)/bench/fcgi_ceiling $(BUILD)/bench/spawn_ceiling
$(BUILD)/bench/load: $(BUILD)/obj/bench/load.o $(BUILD)/obj/bench/http_client.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,libcurl libcjson) -lpthread
$(BUILD)/bench/fcgi_ceiling: $(BUILD)/obj/bench/fcgi_ceiling.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,fcgi) -lpthread
$(BUILD)/bench/spawn_ceiling: $(BUILD)/obj/bench/spawn_ceiling.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lpthread
.PHONY: bench
bench: deps all $(BENCH_BINS)
	@$(MAKE) -s deps DEB_PACKAGES="task-spooler $(SLURM_PACKAGES)"
	bench/run.sh $(BUILD)

# The end-to-end suite with jobsupd under valgrind: any error or leak fails it.
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=all --errors-for-leak-kinds=all --track-fds=no
.PHONY: valgrind
valgrind: deps all
	@$(MAKE) -s deps DEB_PACKAGES=valgrind
	JOBSUPD_WRAPPER="$(VALGRIND)" tests/run.sh $(BUILD) e2e

# The soak (not part of make test): 50 clients for SOAK_SECONDS against the real stack, then an
# account of every job; soak-valgrind is a short one with jobsupd under valgrind.
SOAK_SECONDS ?= 60
export SOAK_SECONDS
SOAK_BINS := $(BUILD)/soak/soak $(BUILD)/soak/soak_job
$(BUILD)/obj/tests/soak/%.o: ALL_CPPFLAGS += -iquote bench
$(BUILD)/soak/soak: $(call obj,tests/soak/soak.c tests/soak/clients.c tests/soak/ledger.c tests/soak/procs.c \
		bench/http_client.c)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,libcurl libcjson) -lpthread
$(BUILD)/soak/soak_job: $(call obj,tests/soak/soak_job.c)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^
.PHONY: soak soak-valgrind
soak: deps all $(SOAK_BINS)
	tests/soak/run.sh $(BUILD)
soak-valgrind: deps all $(SOAK_BINS)
	@$(MAKE) -s deps DEB_PACKAGES=valgrind
	JOBSUPD_WRAPPER="$(VALGRIND)" SOAK_SECONDS=$(SOAK_VALGRIND_SECONDS) tests/soak/run.sh $(BUILD)
SOAK_VALGRIND_SECONDS ?= 20

.PHONY: certs revoke
certs:
	certs/mkcerts.sh

# make revoke NAME=user2: add a client certificate to the CRL nginx checks (and reload it).
CERTDIR ?= certs
revoke:
	@[ -n "$(NAME)" ] || { echo "usage: make revoke NAME=user2"; exit 2; }
	certs/revoke.sh $(NAME) $(CERTDIR)

SOURCES = $(wildcard supervisor/*.[ch] supervisor/common/*.[ch] fcgi/*.[ch] cli/*.[ch] tests/unit/*.c tests/soak/*.[ch] \
	bench/*.[ch] tests/fuzz/*.c)
# The system headers whose loop macros (TAILQ_FOREACH, cJSON_ArrayForEach) cppcheck must see.
LINT_MACROS := $(firstword $(wildcard /usr/include/*/sys/queue.h /usr/include/sys/queue.h)) \
	$(wildcard $(shell $(PKG_CONFIG) --variable=includedir libcjson 2>/dev/null)/cjson/cJSON.h)
# The OpenAPI linter is a Node tool, pinned to exact versions in tests/tools/package-lock.json
# and installed there (npm ci, no install scripts) only when lint runs: the product never needs
# Node. A stamp newer than the lock file says the install is current.
TOOLS := tests/tools
TOOLS_STAMP := $(TOOLS)/node_modules/.installed
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(TOOLS)/node_modules/.bin/redocly
.PHONY: lint lint-openapi
lint-openapi:
	@command -v npm >/dev/null 2>&1 || $(MAKE) -s deps DEB_PACKAGES="nodejs npm"
	@[ $(TOOLS_STAMP) -nt $(TOOLS)/package-lock.json ] || \
		{ cd $(TOOLS) && NO_UPDATE_NOTIFIER=1 npm ci --ignore-scripts --no-audit --no-fund \
			--loglevel=error && touch node_modules/.installed; }
	$(REDOCLY) lint --format=stylish --config $(TOOLS)/redocly.yaml docs/openapi.yaml

lint: lint-openapi
	@$(MAKE) -s deps DEB_PACKAGES="clang-format cppcheck clang-tidy"
	clang-format --dry-run --Werror $(SOURCES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -D_GNU_SOURCE -Isupervisor -Isupervisor/common -Ifcgi -Icli -Ibench \
		$(addprefix --include=,$(LINT_MACROS)) supervisor fcgi cli tests/soak bench
	clang-tidy --quiet $(filter %.c,$(SOURCES)) -- $(ALL_CPPFLAGS) -iquote fcgi -iquote cli \
		-iquote bench $(call pc_cflags,$(PKGS)) -std=c11

# The web dashboard's tests (tests/browser/): web/'s modules linted (ESLint) and unit-tested,
# then the page in a real browser, Debian's chromium driven by playwright-core, against the
# real stack. Node (>= 20) tools pinned in tests/browser/package-lock.json, installed there with
# npm ci (no install scripts: playwright-core downloads no browser). Screenshots: build/browser/.
BROWSER_DIR := tests/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.installed
.PHONY: browser-deps browser-lint browser-test p12
browser-deps:
	@[ -x /usr/bin/chromium ] || $(MAKE) -s deps DEB_PACKAGES="chromium"
	@command -v npm >/dev/null 2>&1 || $(MAKE) -s deps DEB_PACKAGES="nodejs npm"
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || \
		{ echo "make browser-test: Node 20 or later is needed (node --version: $$(node --version))"; exit 1; }
	@[ $(BROWSER_STAMP) -nt $(BROWSER_DIR)/package-lock.json ] || \
		{ cd $(BROWSER_DIR) && NO_UPDATE_NOTIFIER=1 npm ci --ignore-scripts --no-audit --no-fund \
			--loglevel=error && touch node_modules/.installed; }
browser-lint: browser-deps
	$(BROWSER_DIR)/node_modules/.bin/eslint --max-warnings 0 --config $(BROWSER_DIR)/eslint.config.js \
		web $(BROWSER_DIR)/*.mjs $(BROWSER_DIR)/*.js
browser-test: deps all browser-lint
	$(BROWSER_DIR)/run.sh $(BUILD)

# The PKCS#12 files of the committed client certificates, made again from them (certs/mkp12.sh).
p12:
	certs/mkp12.sh

.PHONY: clean
clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(BUILD)/install -name '*.d' 2>/dev/null)

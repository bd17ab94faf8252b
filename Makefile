# airwrite: the Makefile wraps meson + ninja. See README.md.
#   make demo   build, then run the end-to-end demo on the embedded default (SQLite, loopback):
#               airwrited, N simulated devices (default 100), one signed batch write order;
#               SUITE=domestic runs it on SM2/SM3/SM4 (docs/COMPLIANCE.md)
#   make test   build plain and ASan+UBSan configurations, run every test in both
#   make fuzz   build libFuzzer targets with clang and run each for FUZZ_S seconds
#   make bench  build optimised and print benchmark figures
#   make bench-api  only the order API benchmark (bench/bench_api_orders.c: wrk, SQLite and
#               PostgreSQL); BENCH_ARGS="seconds connections sqlite|postgresql|both eids"
#   make crash  build, then kill the software eUICC N times (default 1000) mid-operation
#   make crash-platform  build, then SIGKILL airwrited KILLS times (default 5) while it writes
#               a batch order onto N simulated devices (default 1000); checks nothing lost or doubled
#               (executor job lease LEASE seconds, default 5; AW_CRASH_SEED=<seed> replays)

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
BUILD_REL  ?= build-release
FUZZ_S     ?= 60
MESON      ?= meson
NINJA      ?= ninja

.PHONY: all deps build asan test demo fuzz bench bench-api crash crash-platform clean

all: build

deps:
	@./scripts/setup-deps

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

$(BUILD_ASAN)/build.ninja:
	$(MESON) setup $(BUILD_ASAN) --buildtype=debug \
	    -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dc_args='-fno-sanitize-recover=all -fno-omit-frame-pointer'

$(BUILD_FUZZ)/build.ninja:
	CC=clang $(MESON) setup $(BUILD_FUZZ) --buildtype=debugoptimized -Dfuzz=true -Dtests=false \
	    -Db_lundef=false

$(BUILD_REL)/build.ninja:
	$(MESON) setup $(BUILD_REL) --buildtype=release -Dtests=false

build: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

asan: deps $(BUILD_ASAN)/build.ninja
	$(NINJA) -C $(BUILD_ASAN)

test: deps $(BUILD)/build.ninja $(BUILD_ASAN)/build.ninja
	$(NINJA) -C $(BUILD)
	$(NINJA) -C $(BUILD_ASAN)
	@./scripts/run-tests $(BUILD) $(BUILD_ASAN)

demo: N ?= 100
demo: SUITE ?= international
demo: build
	@N=$(N) SUITE=$(SUITE) ./scripts/demo $(BUILD)

fuzz: deps $(BUILD_FUZZ)/build.ninja
	$(NINJA) -C $(BUILD_FUZZ)
	@./scripts/run-fuzz $(BUILD_FUZZ) $(FUZZ_S)

bench: deps $(BUILD_REL)/build.ninja
	$(NINJA) -C $(BUILD_REL)
	@./scripts/run-bench $(BUILD_REL)

bench-api: deps $(BUILD_REL)/build.ninja
	$(NINJA) -C $(BUILD_REL) bench/bench_api_orders
	$(BUILD_REL)/bench/bench_api_orders $(BENCH_ARGS)

crash: N ?= 1000
crash: build
	AW_CRASH_KILLS=$(N) $(BUILD)/tests/test_euicc_crash $(BUILD)/src/cli/airwrite-euicc

crash-platform: N ?= 1000
crash-platform: KILLS ?= 5
crash-platform: LEASE ?= 5
crash-platform: build
	@N=$(N) KILLS=$(KILLS) LEASE=$(LEASE) ./scripts/crash-platform $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) $(BUILD_REL)

# Thin wrapper over CMake so the README's commands stay short.
#   make build            configure and build into build/
#   make test             build and run every test (ctest)
#   make test SANITIZE=1  the same under ASan + UBSan, in build-asan/
#   make lint             clang-tidy and cppcheck over the sources
#   make fuzz             build the libFuzzer targets (clang) and run each briefly
#   make bench            micro-benchmarks and end-to-end scenarios, table and
#                         bench/results/<date>.json (not part of make test)
#   make bench-smoke      5 s of scenarios (a) and (b): asserts nothing is lost
#   make bench-query      a trace table of 10 million spans written by otelc, then
#                         trace by id (cold, warm), /spans and a search timed on
#                         a query node (bench/query.mjs; BENCH_QUERY_ARGS)
#   make chaos            kill -9 loops, S3 outages, the disk budget, connection
#                         abuse against the real binary (tests/chaos, ~4 min)
#   make valgrind         memcheck over a short real pipeline (tests/valgrind)
#   make setup            install Debian and npm packages (idempotent)
#   make install          install otelc, its plugins and the plugin SDK under
#                         PREFIX (/usr/local); DESTDIR stages it elsewhere
#   make run              the default pipeline end to end, with a local S3 server
#   make run-client       send realistic traces to it (in another terminal)

JOBS     ?= $(shell nproc)
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-asan
CMAKE_FLAGS += -DOTELC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
else
BUILD ?= build
endif

.PHONY: setup setup-proto build test lint fuzz bench bench-smoke bench-query chaos valgrind run run-client clean install

# The setup script is run only when something is missing.
setup:
	@scripts/setup.sh --check || scripts/setup.sh

# Only what proto generation needs: protoc-c and libprotobuf-c.
setup-proto:
	@command -v protoc-c >/dev/null && pkg-config --exists libprotobuf-c || scripts/setup.sh

$(BUILD)/CMakeCache.txt:
	@scripts/setup.sh --check || scripts/setup.sh
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

PREFIX ?= /usr/local
# DESTDIR comes from the environment or the command line, as cmake reads it.
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

test: build
	@scripts/setup.sh --check || scripts/setup.sh
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

lint: build
	scripts/lint.sh $(BUILD)

bench: build
	node bench/run.mjs --build $(BUILD) $(BENCH_ARGS)

bench-smoke: build
	node bench/run.mjs --build $(BUILD) --smoke

bench-query: build
	node bench/query.mjs --build $(BUILD) $(BENCH_QUERY_ARGS)

# CHAOS_ARGS passes more, e.g. CHAOS_ARGS="--only kill9"; CHAOS_SEED=N
# repeats a run's kill moments.
chaos: build
	@scripts/setup.sh --check || scripts/setup.sh
	node tests/chaos/run.mjs --build $(BUILD) $(CHAOS_ARGS)

# The plain build (valgrind and the sanitizers do not mix).
valgrind: build
	@scripts/setup.sh --check || scripts/setup.sh
	node tests/valgrind/smoke.mjs --build $(BUILD)

run: build
	BUILD=$(BUILD) scripts/run.sh

# CLIENT_ARGS passes more flags, e.g. CLIENT_ARGS="--gzip --duration 30".
CLIENT_ARGS ?= --spans 10000
run-client: build
	$(BUILD)/otelc-client --endpoint 127.0.0.1:4317 $(CLIENT_ARGS)

FUZZ_SECONDS ?= 20
fuzz:
	@scripts/setup.sh --check || scripts/setup.sh
	CC=clang cmake -S . -B build-fuzz -DOTELC_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
	  -DOTELC_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build build-fuzz -j$(JOBS)
	cd build-fuzz && ctest --output-on-failure -L fuzz

clean:
	rm -rf build build-asan build-fuzz

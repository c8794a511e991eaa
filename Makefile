# outpost: `make run` installs what is missing, builds (release) and runs the server;
# `make test` builds with ASan+UBSan and runs every test through ctest.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DATA ?= ./outpost-data
HTTP ?= 127.0.0.1:8025

.PHONY: setup build release asan run test bench format tidy clean

setup:
	@bash scripts/setup

release: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target outpost

run: release
	./build/release/src/app/outpost serve --data $(DATA) --http $(HTTP)

asan: setup
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build --preset asan-ubsan -j $(JOBS)

test: asan
	@cd build/asan-ubsan && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@bash bench/run

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

tidy:
	@cmake --preset debug >/dev/null
	@run-clang-tidy -quiet -p build/debug $$(git ls-files 'src/*.cpp') 2>/dev/null || \
	  clang-tidy -p build/debug $$(git ls-files 'src/*.cpp')

clean:
	rm -rf build

#!/bin/sh
# docs/openapi.yaml against the platform API's real answers:
#   test_platform_openapi.sh TEST_PLATFORM_API [MORE_API_TESTS...]
# Installs @apidevtools/swagger-parser (pinned in tests/platform_openapi/
# package-lock.json) with `npm ci` into $AW_BUILD_ROOT/platform-openapi once,
# runs every API test given recording every response, then checks the document
# and the responses with tests/platform_openapi/check.js. Skips (77) only when
# node/npm are absent or the npm registry cannot be reached.
set -eu
src=$AW_SOURCE_ROOT/tests/platform_openapi
tools=$AW_BUILD_ROOT/platform-openapi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "skip: node and npm are needed for the OpenAPI check"
    exit 77
fi
if ! cmp -s "$src/package-lock.json" "$tools/package-lock.json" 2>/dev/null ||
   [ ! -d "$tools/node_modules/@apidevtools/swagger-parser" ]; then
    rm -rf "$tools"
    mkdir -p "$tools"
    cp "$src/package.json" "$src/package-lock.json" "$tools/"
    if ! (cd "$tools" && timeout 300 npm ci --ignore-scripts --no-audit --no-fund \
            --engine-strict --cache "$tools/.npm-cache" >"$tools/npm.log" 2>&1); then
        cat "$tools/npm.log"
        rm -rf "$tools/node_modules"
        echo "skip: npm ci of the OpenAPI tools failed (registry unreachable?)"
        exit 77
    fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for api_test in "$@"; do
    AW_PLATFORM_RECORD="$work/responses.jsonl" "$api_test" >"$work/api.log" 2>&1 || {
        cat "$work/api.log"
        echo "FAIL: $api_test failed"
        exit 1
    }
done
NODE_PATH="$tools/node_modules" node "$src/check.js" \
    "$AW_SOURCE_ROOT/docs/openapi.yaml" "$work/responses.jsonl"

/* The npm packages sm-crypto / sm-crypto-v2 for tests that cross-check SM
 * algorithms with node (test code only): installed on first use by
 * "npm ci" from tests/crypto_suite_node/package-lock.json (pinned versions
 * and integrity hashes) into $AW_BUILD_ROOT/crypto-suite-node and reused
 * while the lock file is unchanged. Besides crypto_suite_sm, tests using it
 * run with is_parallel : false, so two never install at once. */
#ifndef AIRWRITE_TESTS_SM_NODE_TESTUTIL_H
#define AIRWRITE_TESTS_SM_NODE_TESTUTIL_H

#include "crypto_testutil.h"

/* Ready the packages and the script tests/<script_name>; node_modules and
 * script receive their paths. NULL when ready, else why it cannot run. */
static inline const char *sm_node_prepare(const char *script_name, char *node_modules,
                                          size_t node_modules_size, char *script,
                                          size_t script_size)
{
    const char *src = getenv("AW_SOURCE_ROOT");
    const char *build = getenv("AW_BUILD_ROOT");
    if (src == NULL || build == NULL)
        return "AW_SOURCE_ROOT / AW_BUILD_ROOT not set (run through meson test)";
    char *out = crosscheck_shell("node --version 2>/dev/null");
    if (out == NULL)
        return "node is not installed (scripts/setup-deps installs nodejs and npm)";
    free(out);
    snprintf(script, script_size, "%s/tests/%s", src, script_name);
    char cache[1024], cmd[8192];
    snprintf(cache, sizeof(cache), "%s/crypto-suite-node", build);
    snprintf(node_modules, node_modules_size, "%s/node_modules", cache);
    snprintf(cmd, sizeof(cmd),
             "cmp -s '%s/tests/crypto_suite_node/package-lock.json' '%s/package-lock.json' && "
             "test -f '%s/node_modules/sm-crypto/package.json' && "
             "test -f '%s/node_modules/sm-crypto-v2/package.json' && echo cached",
             src, cache, cache, cache);
    out = crosscheck_shell(cmd);
    bool cached = out != NULL;
    free(out);
    if (!cached) {
        out = crosscheck_shell("npm --version 2>/dev/null");
        if (out == NULL)
            return "npm is not installed (scripts/setup-deps installs it)";
        free(out);
        snprintf(cmd, sizeof(cmd),
                 "rm -rf '%s' && mkdir -p '%s' && "
                 "cp '%s/tests/crypto_suite_node/package.json' "
                 "'%s/tests/crypto_suite_node/package-lock.json' '%s/' && "
                 "npm ci --prefix '%s' --no-audit --no-fund --ignore-scripts --loglevel=error "
                 ">'%s.log' 2>&1",
                 cache, cache, src, src, cache, cache, cache);
        out = crosscheck_shell(cmd);
        if (out == NULL) {
            printf("crosscheck: npm ci failed, see %s.log\n", cache);
            return "the npm packages sm-crypto / sm-crypto-v2 could not be installed "
                   "(is the npm registry reachable?)";
        }
        free(out);
    }
    return NULL;
}

#endif

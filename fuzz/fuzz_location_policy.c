/* libFuzzer target: the LocationPolicy JSON of PUT /api/v1/location-policy
 * (src/platform/api_location.c location_policy_parse_json, docs/location.md,
 * docs/openapi.yaml), the body a platform administrator or security officer
 * sends. Properties checked beyond "no crash":
 * - an accepted policy passes location_policy_check (its bounds, names and
 *   inline region), and its strings are terminated;
 * - a refused one leaves the defaults (location_policy_default). */
#include <stdlib.h>
#include <string.h>

#include "platform/location_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    location_policy policy, defaults;
    location_policy_default(&defaults);
    aw_err err = location_policy_parse_json(data, size, &policy);
    if (err == AW_OK) {
        if (location_policy_check(&policy) != AW_OK ||
            memchr(policy.inline_region, '\0', sizeof(policy.inline_region)) == NULL)
            abort();
        for (size_t i = 0; i < policy.region_count; i++)
            if (memchr(policy.regions[i], '\0', sizeof(policy.regions[i])) == NULL)
                abort();
    } else if (memcmp(&policy, &defaults, sizeof(policy)) != 0) {
        abort();
    }
    return 0;
}

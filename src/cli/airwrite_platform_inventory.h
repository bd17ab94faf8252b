/* airwrite-platform: the administration of number resources and business
 * scope (profile types, tenants' scopes, number pools, numbers). */
#ifndef AIRWRITE_CLI_AIRWRITE_PLATFORM_INVENTORY_H
#define AIRWRITE_CLI_AIRWRITE_PLATFORM_INVENTORY_H

#include <stdio.h>

/* Run argv[1] when it is one of these commands: its exit status; -1 when
 * it is not one of them. */
int platform_inventory_main(int argc, char **argv);
/* Their usage lines. */
void platform_inventory_usage(FILE *out);

#endif

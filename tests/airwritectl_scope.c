/* Test helper of tests/test_airwritectl_api.sh (not a test): gives a tenant
 * the business scope "mobile data" and defines a data-only profile type on
 * a platform database (platform_profile_type_define,
 * platform_tenant_scope_set; 合规业务范围), which airwrite-platform has no
 * command for, so that orders naming that profile type are accepted.
 *   airwritectl_scope DB_URL TENANT PROFILE_TYPE */
#include <stdio.h>

#include "core/db.h"
#include "platform/platform.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: airwritectl_scope DB_URL TENANT PROFILE_TYPE\n");
        return 2;
    }
    db_connection *db = NULL;
    platform_business_scope data_only = {.data = true};
    aw_err err = db_open(argv[1], NULL, &db);
    if (err == AW_OK)
        err = platform_migrate(db);
    if (err == AW_OK)
        err = platform_profile_type_define(db, argv[3], &data_only, db_clock_ms());
    if (err == AW_OK)
        err = platform_tenant_scope_set(db, argv[2], &data_only, db_clock_ms());
    db_close(db);
    if (err != AW_OK) {
        fprintf(stderr, "airwritectl_scope: %s\n", aw_err_message(err));
        return 1;
    }
    return 0;
}

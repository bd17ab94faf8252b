/* airwrite-platform: the administration of roles and console users
 * (docs/rbac.md), and the audit records of every administration command. */
#ifndef AIRWRITE_CLI_AIRWRITE_PLATFORM_RBAC_H
#define AIRWRITE_CLI_AIRWRITE_PLATFORM_RBAC_H

#include <stdio.h>

#include "core/db.h"
#include "core/error.h"

/* Run argv[1] when it is one of these commands (app-role, user-create,
 * user-passwd, user-disable, user-enable, user-show): its exit status; -1
 * when it is not one of them. */
int platform_rbac_main(int argc, char **argv);
/* Their usage lines. */
void platform_rbac_usage(FILE *out);

/* Record an administration command in the audit log: actor "cli:" + the
 * login name, type system, success; in the suite the chain was started
 * with (international for a new chain). */
aw_err platform_rbac_audit_command(db_connection *db, const char *action, const char *tenant,
                                   const char *target, const char *details);

#endif
